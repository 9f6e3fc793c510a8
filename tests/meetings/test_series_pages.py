"""The list of meeting series (/moten/) and the page of one series (/moten/<slug>/)."""

from __future__ import annotations

import datetime
import re

import pytest
from django.core.cache import caches
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from meetings.models import Meeting
from meetings.page_cache import CACHE_ALIAS
from tests.factories import (
    AgendaItemFactory,
    AttendanceFactory,
    MeetingFactory,
    MeetingSeriesFactory,
    PersonFactory,
)

pytestmark = pytest.mark.django_db

SECRET_NAMES = ["Zlatana Hemligsdotter", "Bosse Anonymsson", "Justina Granskare"]


def in_days(days: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=days)


def planned(**kwargs) -> Meeting:
    kwargs.setdefault("date", in_days(14))
    return MeetingFactory(status=Meeting.Status.PLANNED, **kwargs)


def published(**kwargs) -> Meeting:
    kwargs.setdefault("published_at", timezone.now())
    return MeetingFactory(protocol_state=Meeting.ProtocolState.PUBLISHED, **kwargs)


def main_of(response) -> str:
    content = response.content.decode()
    return content[content.index("<main") : content.index("</main>")]


@pytest.fixture
def series():
    return MeetingSeriesFactory(
        name="Gemensam utvecklingsgrupp",
        slug="gemensam-utvecklingsgrupp",
        description="Ett öppet möte varje månad om hur socialtjänsten kan bli bättre.",
        default_place="Fontänhuset Bryggan",
        start_time=datetime.time(13, 30),
        duration=datetime.timedelta(minutes=90),
    )


@pytest.fixture
def secrets(series):
    """What must never show: a draft, an approved but unpublished protocol, and names."""
    draft = MeetingFactory(series=series, date=in_days(-30), theme="Hemligt utkasttema")
    approved = MeetingFactory(
        series=series,
        date=in_days(-60),
        theme="Justerat men opublicerat tema",
        protocol_state=Meeting.ProtocolState.APPROVED,
        approved_by=PersonFactory(name=SECRET_NAMES[2]),
        approved_on=in_days(-50),
        note_taker_signature=f"Vid pennan {SECRET_NAMES[1]}",
    )
    AgendaItemFactory(meeting=draft, title="Punkt ur ett utkast")
    shown = published(series=series, date=in_days(-90), theme="Publicerat tema")
    for meeting in (draft, approved, shown):
        AttendanceFactory(meeting=meeting, person=PersonFactory(name=SECRET_NAMES[0]))
    series.standing_members.add(PersonFactory(name=SECRET_NAMES[1]))
    return {"draft": draft, "approved": approved, "published": shown}


# /moten/


def test_the_series_list_shows_each_series_with_its_usual_time_place_and_next_meeting(
    client, series
):
    planned(series=series, date=in_days(40), theme="Senare möte")
    next_meeting = planned(series=series, date=in_days(10), place="Stadshuset", theme="CurioCity")
    published(series=series, date=in_days(-10), theme="Förra mötet")
    other = MeetingSeriesFactory(name="Innovationsgruppen på Café Ria", open_to_all=False)

    main = main_of(client.get(reverse("meetings:series_list")))

    assert "Ett öppet möte varje månad" in main
    assert "Fontänhuset Bryggan" in main
    assert "13:30–15:00" in main
    assert "Måndag" in main  # the usual weekday, from the catalog
    assert date_format(next_meeting.date, "l j F Y") in main
    assert "Stadshuset" in main and "CurioCity" in main
    assert "Senare möte" not in main  # only the next one
    assert "Förra mötet" not in main
    assert f'href="{series.get_absolute_url()}"' in main
    assert f'href="{other.get_absolute_url()}"' in main
    assert next_meeting.get_absolute_url() not in main  # no protocol yet, so no link


def test_the_series_list_says_plainly_who_may_come(client, series):
    MeetingSeriesFactory(name="Ledningsgrupp för utveckling", open_to_all=False)
    main = main_of(client.get(reverse("meetings:series_list")))
    assert main.count("Vem som helst får komma på mötena.") == 1


def test_the_series_list_hides_drafts_unpublished_protocols_and_names(client, secrets):
    main = main_of(client.get(reverse("meetings:series_list")))
    for text in ["Hemligt utkasttema", "Justerat men opublicerat tema", *SECRET_NAMES]:
        assert text not in main


@pytest.mark.parametrize("count", [1, 50])
def test_the_series_list_costs_the_same_queries_for_1_or_50_series(
    client, django_assert_max_num_queries, count
):
    for n in range(count):
        each = MeetingSeriesFactory()
        planned(series=each, date=in_days(n + 1))
        planned(series=each, date=in_days(n + 30))
        published(series=each, date=in_days(-n - 1))
    url = reverse("meetings:series_list")
    client.get(url)  # warm process caches
    caches[CACHE_ALIAS].clear()  # measure the rendering, not a cached page
    with django_assert_max_num_queries(4):
        response = client.get(url)
    assert response.status_code == 200
    assert len(response.context["series_list"]) == count


# /moten/<slug>/


def test_the_series_page_shows_name_description_usual_time_and_place(client, series):
    response = client.get(series.get_absolute_url())
    assert response.status_code == 200
    main = main_of(response)
    assert "<h1>Gemensam utvecklingsgrupp</h1>" in main
    assert "Ett öppet möte varje månad" in main
    assert "Fontänhuset Bryggan" in main
    assert "13:30–15:00" in main
    assert "Vem som helst får komma på mötena." in main


def test_the_series_page_lists_upcoming_meetings_with_date_time_place_and_theme(client, series):
    first = planned(
        series=series,
        date=in_days(5),
        start_time=datetime.time(12),
        end_time=datetime.time(14),
        place="Bredgatan",
        theme="Klarspråk",
    )
    second = planned(series=series, date=in_days(33), place="", theme="")
    cancelled = MeetingFactory(
        series=series, date=in_days(20), status=Meeting.Status.CANCELLED, theme="Inställt"
    )
    main = main_of(client.get(series.get_absolute_url()))
    first_at = main.index(date_format(first.date, "l j F Y"))
    assert first_at < main.index(date_format(second.date, "l j F Y"))
    assert "12:00–14:00, Bredgatan" in main
    assert "Klarspråk" in main
    assert "13:30, Fontänhuset Bryggan" in main  # the usual place when none is given
    assert cancelled.theme not in main
    assert first.get_absolute_url() not in main  # a planned meeting has no protocol to link


def test_the_series_page_does_not_list_standing_members(client, series):
    series.standing_members.add(PersonFactory(name="Stina Ständigledamot"))
    main = main_of(client.get(series.get_absolute_url()))
    assert "Stina Ständigledamot" not in main


def test_the_series_page_lists_published_protocols_newest_first_with_links(client, series):
    older = published(series=series, date=datetime.date(2017, 1, 23), theme="Äldre")
    newer = published(series=series, date=datetime.date(2017, 2, 13), theme="Nyare")
    published(series=MeetingSeriesFactory(), date=datetime.date(2017, 3, 13), theme="Annan serie")
    main = main_of(client.get(series.get_absolute_url()))
    assert main.index(newer.get_absolute_url()) < main.index(older.get_absolute_url())
    assert "13 februari 2017" in main and "23 januari 2017" in main
    assert "Annan serie" not in main


def test_the_series_page_hides_drafts_unpublished_protocols_and_names(client, series, secrets):
    main = main_of(client.get(series.get_absolute_url()))
    assert secrets["published"].get_absolute_url() in main
    assert secrets["draft"].get_absolute_url() not in main
    assert secrets["approved"].get_absolute_url() not in main
    for text in ["Hemligt utkasttema", "Justerat men opublicerat tema", "Punkt ur", *SECRET_NAMES]:
        assert text not in main


def test_the_series_page_links_to_its_calendar_file(client, series):
    main = main_of(client.get(series.get_absolute_url()))
    assert f'href="{reverse("meetings:series_ics", args=[series.slug])}"' in main


def test_the_series_page_shows_20_protocols_a_page(client, series):
    first = datetime.date(2016, 1, 4)
    meetings = [
        published(series=series, date=first + datetime.timedelta(weeks=n)) for n in range(25)
    ]

    page_one = client.get(series.get_absolute_url())
    page_two = client.get(series.get_absolute_url(), {"page": 2})

    assert len(page_one.context["protocols"]) == 20
    assert len(page_two.context["protocols"]) == 5
    links_two = re.findall(r'href="(/protokoll/[^"]+)"', main_of(page_two))
    assert links_two == [m.get_absolute_url() for m in reversed(meetings[:5])]
    assert "?page=2" in main_of(page_one)


@pytest.mark.parametrize("page", ["abc", "-1", "0", "99999", "2.5", ""])
def test_a_bad_page_number_answers_404_never_500(client, series, page):
    published(series=series)
    response = client.get(series.get_absolute_url(), {"page": page})
    if page == "":
        assert response.status_code == 200  # an empty value is the first page
    else:
        assert response.status_code == 404
        assert "Vi hittar inte sidan" in response.content.decode()


def test_an_unknown_series_answers_404(client):
    response = client.get(reverse("meetings:series_detail", args=["finns-inte"]))
    assert response.status_code == 404
    assert "Vi hittar inte sidan" in response.content.decode()


def test_a_series_without_meetings_still_answers(client):
    bare = MeetingSeriesFactory(
        description="", default_place="", weekday=None, start_time=None, duration=None
    )
    assert client.get(bare.get_absolute_url()).status_code == 200
    assert client.get(reverse("meetings:series_list")).status_code == 200


@pytest.mark.parametrize("count", [1, 50])
def test_the_series_page_costs_the_same_queries_for_1_or_50_meetings(
    client, series, django_assert_max_num_queries, count
):
    for n in range(count):
        planned(series=series, date=in_days(n + 1), theme=f"Tema {n}")
        meeting = published(series=series, date=in_days(-n - 1))
        AgendaItemFactory(meeting=meeting)
        AttendanceFactory(meeting=meeting)
    url = series.get_absolute_url()
    client.get(url)  # warm process caches
    caches[CACHE_ALIAS].clear()  # measure the rendering, not a cached page
    with django_assert_max_num_queries(6):
        response = client.get(url)
    assert response.status_code == 200
    assert len(response.context["upcoming_meetings"]) == count
