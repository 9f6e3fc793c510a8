"""What the public pages show a first-time visitor."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from meetings.models import Meeting
from meetings.services import protocol_publish
from tests.factories import (
    AgendaItemFactory,
    AttendanceFactory,
    MeetingFactory,
    MeetingSeriesFactory,
    UserFactory,
    WorkingGroupFactory,
)

pytestmark = pytest.mark.django_db


def publish(meeting):
    return protocol_publish(meeting=meeting, by=UserFactory(is_staff=True))


def test_the_home_page_shows_next_meetings_latest_protocols_and_active_groups(client, world):
    WorkingGroupFactory(name="Vilande grupp", status="paused")
    content = client.get(reverse("home")).content.decode()

    assert "socialförvaltningen, andra förvaltningar och brukarföreningar" in content
    assert "Bryggan, stora salen" in content  # the planned meeting
    assert world.published.get_absolute_url() in content
    assert "Fritidsbank" in content
    assert "Vilande grupp" not in content


def test_the_home_page_lists_a_bounded_number_of_active_groups(client, world):
    for number in range(30):
        WorkingGroupFactory(name=f"Grupp {number:02}", status="active")
    content = client.get(reverse("home")).content.decode()

    assert "Grupp 00" in content
    assert "Grupp 22" in content  # Fritidsbank and 23 of these: 24 in all
    assert "Grupp 23" not in content
    assert reverse("projects:list") in content


def test_the_archive_lists_newest_first_and_paginates(client, world):
    for weeks in range(1, 25):
        meeting = MeetingFactory(
            approved=True,
            series=world.series,
            date=world.published.date - datetime.timedelta(weeks=weeks),
        )
        AttendanceFactory(meeting=meeting)
        AgendaItemFactory(meeting=meeting)
        publish(meeting)

    first = client.get(reverse("meetings:archive"))
    second = client.get(reverse("meetings:archive"), {"page": 2})

    dates = [m.date for m in first.context["object_list"]]
    assert dates == sorted(dates, reverse=True)
    assert dates[0] == world.published.date
    assert len(dates) == 20
    assert len(second.context["object_list"]) == 5
    assert "25 protokoll" in first.content.decode()


def test_every_archive_page_holds_the_meetings_a_full_scan_would_give(client):
    """The archive counts from PublishedCount and starts a page in its year; every page,
    across years and filters, must still be exactly the plain query's slice."""
    styrgrupp, natverk = MeetingSeriesFactory(slug="styrgrupp"), MeetingSeriesFactory()
    day = datetime.date(2019, 12, 20)
    for i in range(53):  # 2019 to 2021, in two series, one draft in five
        state = Meeting.ProtocolState.PUBLISHED if i % 5 else Meeting.ProtocolState.DRAFT
        MeetingFactory(
            approved=True,
            series=styrgrupp if i % 3 else natverk,
            date=day,
            protocol_state=state,
            published_at=timezone.now(),
        )
        day += datetime.timedelta(days=17)
    cases = [{}, {"series": "styrgrupp"}, {"year": "2020"}, {"series": "styrgrupp", "year": "2021"}]
    pages = []
    for filters in cases:
        expected = Meeting.objects.published().order_by("-date", "-start_time", "-pk")
        if "series" in filters:
            expected = expected.filter(series=styrgrupp)
        if "year" in filters:
            expected = expected.filter(date__year=int(filters["year"]))
        expected = list(expected.values_list("pk", flat=True))
        shown, page = [], 1
        while True:
            response = client.get(reverse("meetings:archive"), {**filters, "page": page})
            shown += [meeting.pk for meeting in response.context["object_list"]]
            assert response.context["paginator"].count == len(expected), filters
            if not response.context["page_obj"].has_next():
                break
            page += 1
        assert shown == expected, filters
        pages.append(page)
    assert pages[:2] == [3, 2]  # 42 published, 28 of them in styrgrupp: pages across years


def test_filters_live_in_the_query_string_and_pages_keep_them(client, world):
    for weeks in range(1, 22):
        meeting = MeetingFactory(
            approved=True,
            series=world.series,
            date=world.published.date - datetime.timedelta(weeks=weeks),
        )
        AttendanceFactory(meeting=meeting)
        AgendaItemFactory(meeting=meeting, title="Lokaler")
        publish(meeting)

    response = client.get(
        reverse("meetings:archive"), {"q": "Lokaler", "series": world.series.slug}
    )

    assert response.context["paginator"].count == 21
    assert "?q=Lokaler&amp;series=gemensam-utvecklingsgrupp&amp;page=2" in response.content.decode()


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"working_group": "fritidsbank"}, True),
        ({"organisation": "vorta-drom"}, True),
        ({"year": "1999"}, True),  # not a choice: dropped, so the filter shows everything
        ({"q": "Öppen beslut"}, True),  # every word must match somewhere
        ({"q": "Öppen ingenting"}, False),
    ],
)
def test_each_filter_narrows_the_archive(client, world, params, expected):
    response = client.get(reverse("meetings:archive"), params)
    found = world.published in response.context["object_list"]
    assert found is expected


def test_the_year_filter_finds_the_year(client, world):
    response = client.get(reverse("meetings:archive"), {"year": world.published.date.year})
    assert list(response.context["object_list"]) == [world.published]


def test_an_empty_result_says_so_and_offers_to_clear_the_filters(client, world):
    content = client.get(reverse("meetings:archive"), {"q": "zzzz"}).content.decode()
    assert "Inget protokoll matchar filtren." in content
    assert 'href="/protokoll/"' in content


def test_the_protocol_page_shows_the_whole_protocol(client, world):
    response = client.get(world.published.get_absolute_url())
    content = response.content.decode()

    assert f"<h1>{world.published.title}</h1>" in content
    assert "Öppet tema" in content
    assert "Öppen punkt" in content
    assert "Öppen beslut" in content
    assert "Öppen uppgift" in content
    assert 'class="decisions' in content and 'class="action-items' in content
    assert world.group.get_absolute_url() in content
    assert world.association.get_absolute_url() in content
    assert 'property="og:title" content="Gemensam utvecklingsgrupp' in content
    assert 'name="description" content="Tema: Öppet tema. Öppen punkt"' in content


def test_the_protocol_renders_markdown_safely(client, world):
    item = world.published.agenda_items.get()
    item.body = (
        "**Viktigt**\n\n- en\n  - o två\n\n<script>alert(1)</script> [x](javascript:alert(1))"
    )
    item.save()

    content = client.get(world.published.get_absolute_url()).content.decode()

    assert "<strong>Viktigt</strong>" in content
    assert "<script>alert(1)</script>" not in content
    assert 'href="javascript' not in content


def test_the_protocol_links_the_previous_and_next_published_meeting_of_its_series(client, world):
    later = MeetingFactory(
        approved=True, series=world.series, date=world.published.date + datetime.timedelta(days=5)
    )
    AttendanceFactory(meeting=later)
    AgendaItemFactory(meeting=later)
    publish(later)

    content = client.get(world.published.get_absolute_url()).content.decode()

    assert f'href="{later.get_absolute_url()}" rel="next"' in content
    assert 'rel="prev"' not in content  # the earlier ones are unpublished
    assert world.approved.get_absolute_url() not in content


def test_a_tabled_item_links_to_where_it_was_taken_up_only_once_that_is_published(client, world):
    tabled = world.published.agenda_items.get()
    tabled.kind = "tabled"
    later = MeetingFactory(
        approved=True, series=world.series, date=timezone.localdate() - datetime.timedelta(days=2)
    )
    AttendanceFactory(meeting=later)
    pickup = AgendaItemFactory(meeting=later, order=1, title="Bordlagd fråga igen")
    tabled.picked_up_by = pickup
    tabled.save()

    before = client.get(world.published.get_absolute_url()).content.decode()
    publish(later)
    after = client.get(world.published.get_absolute_url()).content.decode()
    back = client.get(later.get_absolute_url()).content.decode()

    assert later.get_absolute_url() not in before
    assert f"{later.get_absolute_url()}#item-1" in after
    assert f"{world.published.get_absolute_url()}#item-1" in back


def test_the_protocol_page_has_a_print_stylesheet(client, world):
    from django.contrib.staticfiles import finders

    css = Path(finders.find("css/site.css")).read_text(encoding="utf-8")
    assert "@media print" in css
    assert "css/site.css" in client.get(world.published.get_absolute_url()).content.decode()


def test_the_working_group_page_shows_members_organisations_timeline_and_open_actions(
    client, world
):
    child = WorkingGroupFactory(name="Fritidsbank – lager", parent=world.group)
    content = client.get(world.group.get_absolute_url()).content.decode()

    assert "Öppen punkt" in content  # the timeline
    assert "Öppen uppgift" in content  # its open action items
    assert child.get_absolute_url() in content
    assert reverse("meetings:working_group_ics", args=[world.group.slug]) in content


def test_the_working_group_page_shows_the_20_newest_open_actions_and_says_how_many(client, world):
    from tests.factories import ActionItemFactory

    item = world.published.agenda_items.get(order=1)
    for number in range(24):
        ActionItemFactory(
            meeting=world.published, agenda_item=item, text=f"Uppgift nummer {number}"
        )
    content = client.get(world.group.get_absolute_url()).content.decode()

    assert "De 20 senaste av 25 öppna uppgifter." in content
    assert content.count("Uppgift nummer") == 19  # and the world's own "Öppen uppgift"


def test_working_groups_are_listed_by_status(client, world):
    WorkingGroupFactory(name="En idé", status="idea")
    content = client.get(reverse("projects:list")).content.decode()
    assert content.index("Pågår") < content.index("Fritidsbank") < content.index("Idé")
    assert content.index("Idé") < content.index("En idé")


def test_the_organisation_page_shows_kind_groups_people_and_meetings(client, world):
    world.group.organisations.add(world.department)
    content = client.get(world.department.get_absolute_url()).content.decode()

    assert "Kommunal förvaltning" in content
    assert "Olof Tjänstesson" in content  # an official, named
    assert world.group.get_absolute_url() in content

    association = client.get(world.association.get_absolute_url()).content.decode()
    assert world.published.get_absolute_url() in association
    assert world.draft.get_absolute_url() not in association


def test_organisations_are_listed_by_kind(client, world):
    content = client.get(reverse("organisations:list")).content.decode()
    assert "Kommunal förvaltning" in content and "Förening" in content


def test_every_page_offers_the_search_box_and_the_feeds(client, world):
    content = client.get(reverse("projects:list")).content.decode()
    assert 'role="search"' in content
    assert reverse("meetings:feed") in content
    assert reverse("meetings:calendar_ics") in content


def test_a_cancelled_meeting_says_so(client, world):
    world.published.status = Meeting.Status.CANCELLED
    world.published.save()
    assert "Inställt" in client.get(world.published.get_absolute_url()).content.decode()
