from __future__ import annotations

import datetime

import factory
from django.contrib.auth import get_user_model

from meetings.models import ActionItem, AgendaItem, Attendance, Decision, Meeting, MeetingSeries
from organisations.models import Organisation
from people.models import Affiliation, Person
from projects.models import Membership, WorkingGroup


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.django.Password("lösenord-för-test")


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Förening {n}")
    slug = factory.Sequence(lambda n: f"forening-{n}")
    kind = Organisation.Kind.ASSOCIATION


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    name = factory.Sequence(lambda n: f"Person Nummer{n}")


class AffiliationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Affiliation

    person = factory.SubFactory(PersonFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = "brukarutvecklare"


class WorkingGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WorkingGroup

    name = factory.Sequence(lambda n: f"Arbetsgrupp {n}")
    slug = factory.Sequence(lambda n: f"arbetsgrupp-{n}")
    status = WorkingGroup.Status.ACTIVE


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    working_group = factory.SubFactory(WorkingGroupFactory)
    person = factory.SubFactory(PersonFactory)


class MeetingSeriesFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MeetingSeries

    name = factory.Sequence(lambda n: f"Mötesserie {n}")
    slug = factory.Sequence(lambda n: f"motesserie-{n}")
    default_place = "Bryggan"
    weekday = MeetingSeries.Weekday.MONDAY
    start_time = datetime.time(13, 30)
    duration = datetime.timedelta(hours=2)


class MeetingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Meeting

    series = factory.SubFactory(MeetingSeriesFactory)
    # Weekly from 2017, always in the past (publishing refuses a meeting still to come).
    date = factory.Sequence(lambda n: datetime.date(2017, 1, 2) + datetime.timedelta(weeks=n % 400))
    start_time = datetime.time(13, 30)
    place = "Bryggan"
    status = Meeting.Status.HELD

    class Params:
        # Approved (justerat) the day of the meeting: what publishing asks for.
        approved = factory.Trait(
            protocol_state=Meeting.ProtocolState.APPROVED,
            approved_by=factory.SubFactory(PersonFactory),
            approved_on=factory.LazyAttribute(lambda meeting: meeting.date),
        )


class AttendanceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Attendance

    meeting = factory.SubFactory(MeetingFactory)
    person = factory.SubFactory(PersonFactory)
    affiliation_as_written = "Bryggan"
    status = Attendance.Status.PRESENT


class AgendaItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AgendaItem

    meeting = factory.SubFactory(MeetingFactory)
    order = factory.Sequence(lambda n: n + 1)
    title = factory.Sequence(lambda n: f"Punkt {n}")
    body = "Vi pratade om lokaler."


class DecisionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Decision

    meeting = factory.SubFactory(MeetingFactory)
    text = "Gruppen beslutar att temat för nästa möte blir CurioCity."


class ActionItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ActionItem

    meeting = factory.SubFactory(MeetingFactory)
    text = "Kolla upp detta till nästa möte."
    due_next_meeting = True
