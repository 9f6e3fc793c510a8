import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from meetings.models import AgendaItem, Attendance, Meeting, ShownName
from meetings.services import (
    meeting_create_next,
    next_meeting_date,
    protocol_publication_problems,
    protocol_publish,
    protocol_unpublish,
)
from tests.factories import (
    ActionItemFactory,
    AffiliationFactory,
    AgendaItemFactory,
    AttendanceFactory,
    DecisionFactory,
    MeetingFactory,
    MeetingSeriesFactory,
    PersonFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def ready_meeting():
    meeting = MeetingFactory(date=datetime.date(2017, 1, 23), approved=True)
    AttendanceFactory(meeting=meeting)
    AgendaItemFactory(meeting=meeting, order=1, title="Lokaler")
    return meeting


def test_publishing_records_who_and_when(ready_meeting, staff_user):
    protocol_publish(meeting=ready_meeting, by=staff_user)

    ready_meeting.refresh_from_db()
    assert ready_meeting.protocol_state == Meeting.ProtocolState.PUBLISHED
    assert ready_meeting.published_by == staff_user
    assert ready_meeting.published_at is not None
    assert ready_meeting.history.first().history_change_reason == "published"


def test_publishing_again_changes_nothing(ready_meeting, staff_user, superuser):
    first = protocol_publish(meeting=ready_meeting, by=staff_user).published_at
    again = protocol_publish(meeting=ready_meeting, by=superuser)
    assert again.published_at == first
    assert again.published_by == staff_user


def test_a_protocol_without_agenda_items_is_not_published(staff_user):
    meeting = MeetingFactory(approved=True)
    AttendanceFactory(meeting=meeting)

    with pytest.raises(ValidationError) as error:
        protocol_publish(meeting=meeting, by=staff_user)

    assert error.value.messages == ["Protokollet har inga punkter."]
    meeting.refresh_from_db()
    assert meeting.protocol_state == Meeting.ProtocolState.APPROVED


def test_a_protocol_without_anyone_present_is_not_published(staff_user):
    meeting = MeetingFactory(approved=True)
    AgendaItemFactory(meeting=meeting)
    AttendanceFactory(meeting=meeting, status=Attendance.Status.ABSENT)

    with pytest.raises(ValidationError) as error:
        protocol_publish(meeting=meeting, by=staff_user)
    assert error.value.messages == ["Ingen är markerad som närvarande."]


@pytest.mark.parametrize(
    ("where", "expected_place"),
    [
        ("item", "Punkt 2 ”Stöd till föräldrar”, fältet ”text”"),
        ("decision", "Beslut 1, fältet ”beslut”"),
        ("action", "Uppgift 1, fältet ”vad ska göras”"),
        ("attendance", "Närvarolistan: Per Lind, fältet ”organisation som det skrevs”"),
        ("theme", "Tema, fältet ”tema”"),
    ],
)
def test_a_personal_identity_number_stops_publication_and_names_the_place(
    ready_meeting, staff_user, where, expected_place
):
    number = "811218-9876"
    if where == "attendance":  # the line is linked to no person: staff confirmed it
        ShownName.objects.create(meeting=ready_meeting, text="Per Lind")
    if where == "item":
        AgendaItemFactory(meeting=ready_meeting, order=2, title="Stöd till föräldrar", body=number)
    elif where == "decision":
        DecisionFactory(meeting=ready_meeting, text=f"Ärendet {number} avslutas.")
    elif where == "action":
        ActionItemFactory(meeting=ready_meeting, text=f"Ring om {number}")
    elif where == "attendance":
        AttendanceFactory(
            meeting=ready_meeting, name_as_written="Per Lind", affiliation_as_written=number
        )
    else:
        ready_meeting.theme = number
        ready_meeting.save()

    with pytest.raises(ValidationError) as error:
        protocol_publish(meeting=ready_meeting, by=staff_user)

    assert error.value.messages == [
        f"{expected_place} innehåller något som ser ut som ett personnummer. "
        "Ta bort det innan protokollet kan publiceras."
    ]
    ready_meeting.refresh_from_db()
    assert not ready_meeting.is_published


def test_a_number_with_a_wrong_check_digit_stops_publication_too(ready_meeting, staff_user):
    # 811218-9877 fails the Luhn check, and still identifies a person to a reader.
    AgendaItemFactory(meeting=ready_meeting, order=2, body="Diarienummer 811218-9877")
    assert len(protocol_publication_problems(ready_meeting)) == 1
    assert "personnummer" in protocol_publication_problems(ready_meeting)[0]


def test_unpublishing_returns_an_approved_protocol_to_approved(ready_meeting, staff_user):
    ready_meeting.approved_by = PersonFactory()
    ready_meeting.approved_on = ready_meeting.date
    ready_meeting.save()
    protocol_publish(meeting=ready_meeting, by=staff_user)

    protocol_unpublish(meeting=ready_meeting)

    ready_meeting.refresh_from_db()
    assert ready_meeting.protocol_state == Meeting.ProtocolState.APPROVED
    assert ready_meeting.published_at is None


def test_the_next_meeting_follows_the_series_rhythm_and_weekday():
    series = MeetingSeriesFactory(weekday=0, interval_weeks=4)
    MeetingFactory(series=series, date=datetime.date(2017, 1, 16))  # a Monday

    assert next_meeting_date(series, today=datetime.date(2017, 1, 20)) == datetime.date(2017, 2, 13)
    # Long after the last meeting: the next date still lies in the future, on a Monday.
    later = next_meeting_date(series, today=datetime.date(2017, 6, 1))
    assert later > datetime.date(2017, 6, 1)
    assert later.weekday() == 0


def test_the_next_meeting_skips_dates_already_taken():
    series = MeetingSeriesFactory(weekday=0, interval_weeks=4)
    MeetingFactory(series=series, date=datetime.date(2017, 1, 16))
    MeetingFactory(series=series, date=datetime.date(2017, 2, 20))
    # the latest meeting is 20 February, so the next is 20 March
    assert next_meeting_date(series, today=datetime.date(2017, 1, 20)) == datetime.date(2017, 3, 20)


def test_a_new_series_gets_its_first_meeting_on_its_weekday():
    series = MeetingSeriesFactory(weekday=3)
    assert next_meeting_date(series, today=datetime.date(2017, 3, 6)) == datetime.date(2017, 3, 9)


def test_creating_the_next_meeting_prefills_place_time_and_standing_members():
    series = MeetingSeriesFactory(
        default_place="Bryggan",
        start_time=datetime.time(13, 30),
        duration=datetime.timedelta(hours=2),
    )
    member = PersonFactory(name="Karin Holm")
    AffiliationFactory(person=member, role="utvecklare")
    series.standing_members.add(member)

    meeting = meeting_create_next(series=series, today=datetime.date(2017, 1, 20))

    assert meeting.place == "Bryggan"
    assert meeting.start_time == datetime.time(13, 30)
    assert meeting.end_time == datetime.time(15, 30)
    assert meeting.status == Meeting.Status.PLANNED
    assert meeting.protocol_state == Meeting.ProtocolState.DRAFT
    attendance = meeting.attendances.get()
    assert attendance.person == member
    assert attendance.status == Attendance.Status.EXPECTED
    assert attendance.is_standing_member
    assert attendance.affiliation_as_written == member.affiliations.get().organisation.name


def test_the_next_meeting_follows_up_open_action_items_and_tabled_items():
    series = MeetingSeriesFactory()
    published = {"protocol_state": "published", "published_at": timezone.now()}
    earlier = MeetingFactory(series=series, date=datetime.date(2017, 1, 9), **published)
    last = MeetingFactory(series=series, date=datetime.date(2017, 1, 23), **published)
    martina = PersonFactory(name="Martina Ek", publication_level="initials")
    open_action = ActionItemFactory(
        meeting=earlier, text="Kolla upp utegym", assignees_as_written="Martina"
    )
    open_action.assigned_people.add(martina)
    ActionItemFactory(meeting=last, text="Redan gjort", status="done")
    tabled = AgendaItemFactory(meeting=last, order=3, kind="tabled", title="Nationell spridning")
    already_picked = AgendaItemFactory(
        meeting=earlier, order=1, kind="tabled", title="Gammal fråga"
    )
    already_picked.picked_up_by = AgendaItemFactory(meeting=last, order=1)
    already_picked.save()

    meeting = meeting_create_next(series=series, today=datetime.date(2017, 1, 24))

    follow_up = meeting.agenda_items.get()
    assert follow_up.order == 1
    assert follow_up.title == "Uppföljning"
    # The assignee as a mention: every page names her at her level, never as written.
    assert f"Kolla upp utegym ([[person:{martina.pk}]], från 9 januari 2017)" in follow_up.body
    assert "Martina" not in follow_up.body
    assert "Bordlagd: Nationell spridning (från 23 januari 2017)" in follow_up.body
    assert "Redan gjort" not in follow_up.body
    assert "Gammal fråga" not in follow_up.body
    open_action.refresh_from_db()
    tabled.refresh_from_db()
    assert open_action.followed_up_at == meeting
    assert tabled.picked_up_by == follow_up
    assert open_action.history.first().followed_up_at_id == meeting.pk


def test_the_follow_up_is_written_in_swedish_whatever_the_staff_members_language():
    from django.utils import translation

    with translation.override("en"):
        meeting = meeting_create_next(
            series=MeetingSeriesFactory(), today=datetime.date(2017, 1, 24)
        )
    assert meeting.agenda_items.get().title == "Uppföljning"


def test_a_follow_up_with_nothing_open_says_so():
    meeting = meeting_create_next(series=MeetingSeriesFactory(), today=datetime.date(2017, 1, 24))
    assert meeting.agenda_items.get().body == "Inga öppna uppgifter och inga bordlagda punkter."


def test_open_action_items_are_not_lost_between_meetings():
    series = MeetingSeriesFactory()
    first = MeetingFactory(
        series=series,
        date=datetime.date(2017, 1, 9),
        protocol_state="published",
        published_at=timezone.now(),
    )
    ActionItemFactory(meeting=first, text="Ta fram en enkel projektplan")

    second = meeting_create_next(series=series, today=datetime.date(2017, 1, 10))
    third = meeting_create_next(series=series, today=datetime.date(2017, 1, 10))

    assert third.date > second.date
    assert "Ta fram en enkel projektplan" in AgendaItem.objects.get(meeting=third).body
