"""The calendar page and the iCalendar feeds: what they show, to whom, and valid RFC 5545."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import icalendar
import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from meetings.models import Meeting
from tests.factories import (
    AgendaItemFactory,
    AttendanceFactory,
    MeetingFactory,
    MeetingSeriesFactory,
    PersonFactory,
    WorkingGroupFactory,
)

pytestmark = pytest.mark.django_db

STOCKHOLM = ZoneInfo("Europe/Stockholm")
SECRET_NAMES = ["Zlatana Hemligsdotter", "Bosse Anonymsson", "Justina Granskare"]


def in_days(days: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=days)


def planned(**kwargs) -> Meeting:
    kwargs.setdefault("date", in_days(14))
    return MeetingFactory(status=Meeting.Status.PLANNED, **kwargs)


def published(**kwargs) -> Meeting:
    return MeetingFactory(
        protocol_state=Meeting.ProtocolState.PUBLISHED, published_at=timezone.now(), **kwargs
    )


def get_calendar(client, url: str) -> icalendar.Calendar:
    response = client.get(url)
    assert response.status_code == 200
    return icalendar.Calendar.from_ical(response.content)


def events_by_uid(calendar: icalendar.Calendar) -> dict[str, icalendar.Event]:
    return {str(event["UID"]): event for event in calendar.walk("VEVENT")}


def uid(meeting: Meeting) -> str:
    return f"meeting-{meeting.pk}@delaktig"


@pytest.fixture
def secrets():
    """Meetings that must never show: a draft, an approved but unpublished protocol, names."""
    series = MeetingSeriesFactory(name="Ledningsgrupp för utveckling")
    draft = MeetingFactory(series=series, date=in_days(-30), theme="Hemligt utkasttema")
    approver = PersonFactory(name=SECRET_NAMES[2])
    approved = MeetingFactory(
        series=series,
        date=in_days(-60),
        theme="Justerat men opublicerat tema",
        protocol_state=Meeting.ProtocolState.APPROVED,
        approved_by=approver,
        approved_on=in_days(-50),
        note_taker_signature=f"Vid pennan {SECRET_NAMES[1]}",
    )
    AgendaItemFactory(meeting=draft, title="Punkt ur ett utkast")
    AgendaItemFactory(meeting=approved, title="Punkt ur ett justerat protokoll")
    shown = published(series=series, date=in_days(-90), theme="Publicerat tema")
    for meeting in (draft, approved, shown):
        AttendanceFactory(meeting=meeting, person=PersonFactory(name=SECRET_NAMES[0]))
    series.standing_members.add(PersonFactory(name=SECRET_NAMES[1]))
    return {"series": series, "draft": draft, "approved": approved, "published": shown}


# The calendar page


def test_the_calendar_page_groups_upcoming_meetings_by_month_with_swedish_headings(client):
    next_year = timezone.localdate().year + 1
    series = MeetingSeriesFactory(name="Innovationsgruppen på Café Ria")
    december_meeting = planned(
        series=series, date=datetime.date(next_year, 12, 7), place="Café Ria"
    )
    planned(series=series, date=datetime.date(next_year, 11, 9), theme="Fritidsbanken")

    content = client.get(reverse("meetings:calendar")).content.decode()

    november = content.index(f'<h2 id="month-{next_year}-11" class="h3">november {next_year}</h2>')
    december = content.index(f"december {next_year}</h2>")
    assert november < december
    weekday = date_format(december_meeting.date, "l")
    assert weekday in {"måndag", "tisdag", "onsdag", "torsdag", "fredag", "lördag", "söndag"}
    assert f"{weekday} 7 december {next_year}" in content
    assert "13:30" in content
    assert "Café Ria" in content
    assert "Fritidsbanken" in content
    assert series.get_absolute_url() in content


def test_the_calendar_page_links_to_the_feeds(client):
    content = client.get(reverse("meetings:calendar")).content.decode()
    main = content[content.index("<main") :]
    assert f'href="{reverse("meetings:calendar_ics")}"' in main
    assert f'href="{reverse("meetings:feed")}"' in main


def test_the_calendar_page_says_plainly_when_nothing_is_planned(client):
    published(date=in_days(-7), theme="Redan hållet")
    client.cookies["django_language"] = "en"
    content = client.get(reverse("meetings:calendar")).content.decode()
    assert "No meetings are planned right now." in content
    assert "Redan hållet" not in content
    assert "<h2" not in content[content.index("<main") : content.index("</main>")]


def test_the_calendar_page_shows_a_planned_meeting_without_linking_its_protocol(client):
    meeting = planned(theme="Samskapade tjänster")
    content = client.get(reverse("meetings:calendar")).content.decode()
    assert "Samskapade tjänster" in content
    assert meeting.get_absolute_url() not in content


def test_the_calendar_page_hides_drafts_unpublished_protocols_and_names(client, secrets):
    content = client.get(reverse("meetings:calendar")).content.decode()
    for text in ["Hemligt utkasttema", "Justerat men opublicerat tema", *SECRET_NAMES]:
        assert text not in content


def test_the_calendar_page_does_not_show_cancelled_or_past_meetings(client):
    MeetingFactory(status=Meeting.Status.CANCELLED, date=in_days(3), theme="Inställt möte")
    planned(date=in_days(-3), theme="Gårdagens möte")
    content = client.get(reverse("meetings:calendar")).content.decode()
    assert "Inställt möte" not in content
    assert "Gårdagens möte" not in content


@pytest.mark.parametrize("count", [1, 50])
def test_the_calendar_page_costs_the_same_queries_for_1_or_50_meetings(
    client, django_assert_max_num_queries, count
):
    for n in range(count):
        planned(series=MeetingSeriesFactory(), date=in_days(n + 1))
    url = reverse("meetings:calendar")
    client.get(url)  # warm process caches
    with django_assert_max_num_queries(3):
        assert client.get(url).status_code == 200


# iCalendar: what is in it


def test_the_calendar_file_is_text_calendar_with_a_filename(client):
    response = client.get(reverse("meetings:calendar_ics"))
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert 'filename="delaktig.ics"' in response["Content-Disposition"]


def test_the_calendar_file_has_version_prodid_name_and_stockholm_timezone(client):
    published(date=datetime.date(2017, 6, 12))
    calendar = get_calendar(client, reverse("meetings:calendar_ics"))
    assert calendar["VERSION"] == "2.0"
    assert "Delaktig" in str(calendar["PRODID"])
    assert "Delaktig" in str(calendar["X-WR-CALNAME"])
    assert [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")] == ["Europe/Stockholm"]
    calendar.validate()  # raises if a required property or component is missing


def test_an_empty_calendar_is_still_valid(client):
    response = client.get(reverse("meetings:calendar_ics"))
    calendar = icalendar.Calendar.from_ical(response.content)
    assert calendar.walk("VEVENT") == []
    assert len(calendar.walk("VTIMEZONE")) == 1  # RFC 5545 asks for at least one component
    calendar.validate()


@pytest.mark.parametrize(
    ("date", "utc_offset"),
    [(datetime.date(2017, 1, 23), 1), (datetime.date(2017, 6, 12), 2)],
    ids=["winter", "summer"],
)
def test_a_1330_meeting_starts_at_1330_stockholm_time_in_winter_and_summer(
    client, date, utc_offset
):
    meeting = published(date=date, start_time=datetime.time(13, 30))
    response = client.get(reverse("meetings:calendar_ics"))
    text = response.content.decode()
    assert f"DTSTART;TZID=Europe/Stockholm:{date:%Y%m%d}T133000\r\n" in text

    event = events_by_uid(icalendar.Calendar.from_ical(response.content))[uid(meeting)]
    start = event.decoded("DTSTART")
    assert event["DTSTART"].params["TZID"] == "Europe/Stockholm"
    assert (start.hour, start.minute) == (13, 30)
    assert start.utcoffset() == datetime.timedelta(hours=utc_offset)
    assert start.astimezone(datetime.UTC).hour == 13 - utc_offset


def test_the_end_is_the_end_time_else_the_usual_duration_else_two_hours(client):
    series = MeetingSeriesFactory(duration=datetime.timedelta(minutes=90))
    with_end = published(
        series=series, start_time=datetime.time(13, 30), end_time=datetime.time(15, 0)
    )
    usual = published(series=series, start_time=datetime.time(13, 30))
    default = published(series=MeetingSeriesFactory(duration=None), start_time=datetime.time(10))
    events = events_by_uid(get_calendar(client, reverse("meetings:calendar_ics")))

    def end(meeting):
        return events[uid(meeting)].decoded("DTEND")

    assert end(with_end) == datetime.datetime.combine(with_end.date, datetime.time(15), STOCKHOLM)
    assert end(usual) == datetime.datetime.combine(usual.date, datetime.time(15), STOCKHOLM)
    assert end(default) == datetime.datetime.combine(default.date, datetime.time(12), STOCKHOLM)
    assert events[uid(default)]["DTEND"].params["TZID"] == "Europe/Stockholm"


def test_a_meeting_without_a_start_time_is_an_all_day_event(client):
    meeting = published(date=datetime.date(2017, 3, 13), start_time=None)
    response = client.get(reverse("meetings:calendar_ics"))
    assert "DTSTART;VALUE=DATE:20170313\r\n" in response.content.decode()
    event = events_by_uid(icalendar.Calendar.from_ical(response.content))[uid(meeting)]
    assert event.decoded("DTSTART") == datetime.date(2017, 3, 13)
    assert event.decoded("DTEND") == datetime.date(2017, 3, 14)


def test_each_event_has_series_theme_place_and_a_stable_unique_uid(client):
    series = MeetingSeriesFactory(name="Gemensam utvecklingsgrupp")
    meetings = [
        published(series=series, theme="CurioCity", place="Bryggan, Nygatan 5"),
        published(series=series),
        planned(series=series),
    ]
    events = get_calendar(client, reverse("meetings:calendar_ics")).walk("VEVENT")
    uids = [str(event["UID"]) for event in events]
    assert sorted(uids) == sorted(uid(m) for m in meetings)
    assert len(set(uids)) == len(uids)

    themed = events_by_uid(get_calendar(client, reverse("meetings:calendar_ics")))[uid(meetings[0])]
    assert str(themed["SUMMARY"]) == "Gemensam utvecklingsgrupp: CurioCity"
    assert str(themed["LOCATION"]) == "Bryggan, Nygatan 5"
    assert "DTSTAMP" in themed


def test_a_published_meeting_links_its_protocol_and_a_planned_one_its_series(client):
    done = published(theme="Publicerat")
    coming = planned(theme="Kommande")
    events = events_by_uid(get_calendar(client, reverse("meetings:calendar_ics")))
    assert str(events[uid(done)]["URL"]) == f"http://testserver{done.get_absolute_url()}"
    assert str(events[uid(coming)]["URL"]) == f"http://testserver{coming.series.get_absolute_url()}"
    assert (
        coming.get_absolute_url()
        not in client.get(reverse("meetings:calendar_ics")).content.decode()
    )


def test_a_cancelled_meeting_is_marked_cancelled(client):
    meeting = published(status=Meeting.Status.CANCELLED)
    event = events_by_uid(get_calendar(client, reverse("meetings:calendar_ics")))[uid(meeting)]
    assert event["STATUS"] == "CANCELLED"


def test_lines_are_folded_to_75_octets_and_end_with_crlf(client):
    long_name = "Gemensam utvecklingsgrupp för brukardelaktighet i socialförvaltningen " * 3
    series = MeetingSeriesFactory(name=long_name[:200])
    published(series=series, theme="Åäö " * 40, place="Fontänhuset Bryggan, Östra Långgatan 12")
    content = client.get(reverse("meetings:calendar_ics")).content
    assert content.endswith(b"\r\n")
    assert b"\n" not in content.replace(b"\r\n", b"")
    lines = content.split(b"\r\n")
    assert any(line.startswith(b" ") for line in lines)  # something was folded
    assert max(len(line) for line in lines) <= 75
    event = icalendar.Calendar.from_ical(content).walk("VEVENT")[0]
    assert str(event["SUMMARY"]).startswith(long_name[:200])


# iCalendar: who sees what


def test_the_calendar_file_hides_drafts_unpublished_protocols_and_every_name(client, secrets):
    planned(series=secrets["series"], theme="Kommande tema")
    urls = [
        reverse("meetings:calendar_ics"),
        reverse("meetings:series_ics", args=[secrets["series"].slug]),
    ]
    for url in urls:
        content = client.get(url).content.decode()
        calendar = icalendar.Calendar.from_ical(content)
        uids = set(events_by_uid(calendar))
        assert uid(secrets["draft"]) not in uids
        assert uid(secrets["approved"]) not in uids
        assert uid(secrets["published"]) in uids
        unfolded = content.replace("\r\n ", "")
        for text in [
            "Hemligt utkasttema",
            "Justerat men opublicerat tema",
            "Punkt ur ett",
            *SECRET_NAMES,
        ]:
            assert text not in unfolded
        assert "Kommande tema" in unfolded


def test_the_series_calendar_holds_only_that_series(client):
    mine = MeetingSeriesFactory(name="Gemensam utvecklingsgrupp", slug="gemensam")
    other = MeetingSeriesFactory(name="Innovationsgruppen")
    ours = [published(series=mine), planned(series=mine)]
    published(series=other)
    response = client.get(reverse("meetings:series_ics", args=["gemensam"]))
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert 'filename="gemensam.ics"' in response["Content-Disposition"]
    calendar = icalendar.Calendar.from_ical(response.content)
    assert set(events_by_uid(calendar)) == {uid(m) for m in ours}
    assert "Gemensam utvecklingsgrupp" in str(calendar["X-WR-CALNAME"])


def test_the_working_group_calendar_holds_meetings_whose_published_protocol_discusses_it(client):
    group = WorkingGroupFactory(name="Fritidsbank", slug="fritidsbank")
    about = published(theme="Om fritidsbanken")
    AgendaItemFactory(meeting=about, title="Fritidsbanken").working_groups.add(group)
    AgendaItemFactory(meeting=about, title="Samma grupp igen").working_groups.add(group)
    not_about = published(theme="Annat ämne")
    AgendaItemFactory(meeting=not_about)
    draft = MeetingFactory(theme="Utkast om fritidsbanken")
    AgendaItemFactory(meeting=draft, title="Hemlig punkt om fritidsbanken").working_groups.add(
        group
    )
    approved = MeetingFactory(
        theme="Justerat om fritidsbanken", protocol_state=Meeting.ProtocolState.APPROVED
    )
    AgendaItemFactory(meeting=approved).working_groups.add(group)
    coming = planned(theme="Planerat om fritidsbanken")
    AgendaItemFactory(meeting=coming).working_groups.add(group)
    AttendanceFactory(meeting=about, person=PersonFactory(name=SECRET_NAMES[0]))

    response = client.get(reverse("meetings:working_group_ics", args=["fritidsbank"]))
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert 'filename="fritidsbank.ics"' in response["Content-Disposition"]
    calendar = icalendar.Calendar.from_ical(response.content)
    assert list(events_by_uid(calendar)) == [uid(about)]
    assert "Fritidsbank" in str(calendar["X-WR-CALNAME"])
    content = response.content.decode().replace("\r\n ", "")
    for text in ["Hemlig punkt", "Utkast om", "Justerat om", "Planerat om", SECRET_NAMES[0]]:
        assert text not in content


@pytest.mark.parametrize(
    "url",
    [
        "/moten/finns-inte/kalender.ics",
        "/arbetsgrupper/finns-inte/kalender.ics",
    ],
)
def test_an_unknown_series_or_group_calendar_answers_404(client, url):
    response = client.get(url)
    assert response.status_code == 404
    assert "Vi hittar inte sidan" in response.content.decode()


def test_a_calendar_cannot_be_posted_to(client):
    assert client.post(reverse("meetings:calendar_ics")).status_code == 405


# iCalendar: cost


@pytest.mark.parametrize("count", [1, 50])
def test_every_calendar_file_costs_the_same_queries_for_1_or_50_meetings(
    client, django_assert_max_num_queries, count
):
    series = MeetingSeriesFactory(slug="serien")
    group = WorkingGroupFactory(slug="gruppen")
    for n in range(count):
        other_series = MeetingSeriesFactory()
        for meeting in (
            published(series=series, date=in_days(-7 * (n + 1))),
            planned(series=series, date=in_days(7 * (n + 1))),
            published(series=other_series, date=in_days(-n - 1)),
        ):
            AgendaItemFactory(meeting=meeting).working_groups.add(group)
    urls = {
        reverse("meetings:calendar_ics"): 3 * count,
        reverse("meetings:series_ics", args=["serien"]): 2 * count,
        reverse("meetings:working_group_ics", args=["gruppen"]): 2 * count,
    }
    for url, expected_events in urls.items():
        client.get(url)  # warm process caches
        with django_assert_max_num_queries(4):
            response = client.get(url)
        calendar = icalendar.Calendar.from_ical(response.content)
        assert len(calendar.walk("VEVENT")) == expected_events, url


def test_dates_in_the_calendar_page_follow_the_swedish_format(client):
    meeting = planned(date=in_days(40))
    content = client.get(reverse("meetings:calendar")).content.decode()
    assert date_format(meeting.date, "l j F Y") in content


@pytest.mark.parametrize("year", [2, 1916, 3017])
def test_a_mistyped_year_does_not_break_the_calendar_file(client, year):
    meeting = published(date=datetime.date(year, 2, 13))
    calendar = get_calendar(client, reverse("meetings:calendar_ics"))
    event = events_by_uid(calendar)[uid(meeting)]
    assert event.decoded("DTSTART").date() == datetime.date(year, 2, 13)
    assert len(calendar.walk("VTIMEZONE")) == 1
