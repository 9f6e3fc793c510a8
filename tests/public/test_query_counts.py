"""Every public page costs the same number of queries with 1 or with 50 of everything."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from meetings.models import Meeting, MeetingSeries, PublishedCount
from meetings.search import rebuild_index
from organisations.models import Organisation
from projects.models import WorkingGroup
from tests.factories import (
    ActionItemFactory,
    AffiliationFactory,
    AgendaItemFactory,
    AttendanceFactory,
    DecisionFactory,
    MeetingFactory,
    MeetingSeriesFactory,
    MembershipFactory,
    OrganisationFactory,
    PersonFactory,
    WorkingGroupFactory,
)
from tests.queries import count_queries

pytestmark = pytest.mark.django_db


def build(start: int, stop: int) -> dict[str, str]:
    """Rows start..stop-1 of meetings, attendees, items, groups, people and organisations.

    Called twice on the same database: first with 1 row of each, then grown to 50.
    """
    today = timezone.localdate()
    series, _ = MeetingSeries.objects.get_or_create(slug="serie", defaults={"name": "Serie"})
    organisation = Organisation.objects.filter(slug="forening").first() or OrganisationFactory(
        slug="forening"
    )
    group = WorkingGroup.objects.filter(slug="gruppen").first() or WorkingGroupFactory(
        slug="gruppen"
    )
    protocol, _ = Meeting.objects.get_or_create(
        series=series, date=today - datetime.timedelta(days=1)
    )
    for i in range(start, stop):
        person = PersonFactory()
        AffiliationFactory(person=person, organisation=organisation, role="brukarutvecklare")
        MembershipFactory(working_group=group, person=person)
        AttendanceFactory(meeting=protocol, person=person, order=i).organisations.add(organisation)
        other_group = WorkingGroupFactory(parent=group if i % 2 else None)
        other_group.organisations.add(organisation)
        item = AgendaItemFactory(meeting=protocol, order=i + 1)
        item.working_groups.add(group, other_group)
        DecisionFactory(meeting=protocol, agenda_item=item)
        action = ActionItemFactory(meeting=protocol, agenda_item=item)
        action.assigned_people.add(person)
        action.assigned_organisations.add(organisation)
        earlier = MeetingFactory(series=series, date=today - datetime.timedelta(days=2 + i))
        AttendanceFactory(meeting=earlier).organisations.add(organisation)
        AgendaItemFactory(meeting=earlier, order=1).working_groups.add(group)
        MeetingFactory(series=series, date=today + datetime.timedelta(days=1 + i), status="planned")
        OrganisationFactory()
        MeetingSeriesFactory()
    Meeting.objects.filter(date__lt=today).update(
        protocol_state=Meeting.ProtocolState.PUBLISHED, published_at=timezone.now()
    )
    rebuild_index()  # the update() above sends no signals
    PublishedCount.objects.recount()
    return {
        "home": reverse("home"),
        "archive": reverse("meetings:archive"),
        "archive filtered": reverse("meetings:archive")
        + "?q=Punkt&series=serie&working_group=gruppen&organisation=forening",
        "protocol": protocol.get_absolute_url(),
        "working groups": reverse("projects:list"),
        "working group": group.get_absolute_url(),
        "organisations": reverse("organisations:list"),
        "organisation": organisation.get_absolute_url(),
        "series list": reverse("meetings:series_list"),
        "series": series.get_absolute_url(),
        "calendar": reverse("meetings:calendar"),
        "calendar ics": reverse("meetings:calendar_ics"),
        "series ics": reverse("meetings:series_ics", args=["serie"]),
        "group ics": reverse("meetings:working_group_ics", args=["gruppen"]),
        "feed": reverse("meetings:feed"),
        "search": reverse("meetings:search") + "?q=punkt",
        "search filtered": reverse("meetings:search")
        + f"?q=punkt&series=serie&working_group=gruppen&kind=item&year={today.year}",
    }


def measure(client, urls: dict[str, str]) -> dict[str, int]:
    return {name: count_queries(client, url) for name, url in urls.items()}


def test_every_public_page_costs_the_same_queries_with_1_or_50_of_everything(client):
    small = measure(client, build(0, 1))
    large = measure(client, build(1, 50))
    assert large == small
    assert max(small.values()) <= 15, small


def test_a_cached_page_costs_one_query(client):
    urls = build(0, 3)
    for name in ("home", "archive", "protocol", "working group", "search"):
        client.get(urls[name])
        with CaptureQueriesContext(connection) as queries:
            response = client.get(urls[name])
        assert response["X-Page-Cache"] == "HIT", name
        assert len(queries) == 1, (name, [q["sql"] for q in queries])
