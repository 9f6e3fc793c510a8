"""A small public world: one published protocol beside a draft, an approved one and a planned one."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import pytest
from django.utils import timezone

from meetings.models import Meeting
from meetings.search import rebuild_index
from meetings.services import protocol_publish
from organisations.models import Organisation
from people.models import PublicationLevel
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
    UserFactory,
    WorkingGroupFactory,
)

SECRET = "Hemlighet"  # in every unpublished protocol; must never reach a visitor
PRIVATE_NAME = "Signe Privatsson"  # role-and-organisation level: never shown by name
INITIALS_NAME = "Ingrid Initialsson"  # shown as "I. I."
OFFICIAL_NAME = "Olof Tjänstesson"  # a municipal official: full name by default


@dataclass
class PublicWorld:
    series: object
    group: object
    association: object
    department: object
    published: Meeting
    draft: Meeting
    approved: Meeting
    planned: Meeting


def fill_protocol(meeting, *, group, association, text: str, people) -> None:
    for order, person in enumerate(people, start=1):
        AttendanceFactory(
            meeting=meeting,
            order=order,
            person=person,
            name_as_written=person.name,
            affiliation_as_written=association.name,
        ).organisations.add(association)
    item = AgendaItemFactory(meeting=meeting, order=1, title=f"{text} punkt", body=f"{text} text")
    item.working_groups.add(group)
    DecisionFactory(meeting=meeting, agenda_item=item, text=f"{text} beslut")
    action = ActionItemFactory(meeting=meeting, agenda_item=item, text=f"{text} uppgift")
    action.assigned_organisations.add(association)
    action.assigned_people.add(people[0])


@pytest.fixture
def world(db) -> PublicWorld:
    today = timezone.localdate()
    series = MeetingSeriesFactory(
        name="Gemensam utvecklingsgrupp", slug="gemensam-utvecklingsgrupp"
    )
    group = WorkingGroupFactory(name="Fritidsbank", slug="fritidsbank")
    association = OrganisationFactory(name="Vorta Drom", slug="vorta-drom")
    department = OrganisationFactory(
        name="Socialförvaltningen",
        slug="socialforvaltningen",
        kind=Organisation.Kind.MUNICIPAL_DEPARTMENT,
    )
    private = PersonFactory(name=PRIVATE_NAME)
    AffiliationFactory(person=private, organisation=association, role="brukarutvecklare")
    initials = PersonFactory(name=INITIALS_NAME, publication_level=PublicationLevel.INITIALS)
    AffiliationFactory(person=initials, organisation=association)
    official = PersonFactory(name=OFFICIAL_NAME)
    AffiliationFactory(person=official, organisation=department, role="utvecklare")
    for person in (private, initials, official):
        MembershipFactory(working_group=group, person=person)
    people = [private, initials, official]

    published = MeetingFactory(
        series=series, date=today - datetime.timedelta(days=30), theme="Öppet tema", approved=True
    )
    fill_protocol(published, group=group, association=association, text="Öppen", people=people)
    published = protocol_publish(meeting=published, by=UserFactory(is_staff=True))

    draft = MeetingFactory(series=series, date=today - datetime.timedelta(days=9), theme=SECRET)
    fill_protocol(draft, group=group, association=association, text=SECRET, people=people)
    approved = MeetingFactory(
        series=series,
        date=today - datetime.timedelta(days=16),
        theme=SECRET,
        protocol_state=Meeting.ProtocolState.APPROVED,
        approved_by=official,
        approved_on=today - datetime.timedelta(days=15),
    )
    fill_protocol(approved, group=group, association=association, text=SECRET, people=people)
    planned = MeetingFactory(
        series=series,
        date=today + datetime.timedelta(days=12),
        status=Meeting.Status.PLANNED,
        place="Bryggan, stora salen",
        theme="Planerat tema",
    )
    AgendaItemFactory(meeting=planned, order=1, title=f"{SECRET} förslag").working_groups.add(group)
    rebuild_index()  # as the commit of these saves would: the tests run inside one transaction
    return PublicWorld(series, group, association, department, published, draft, approved, planned)
