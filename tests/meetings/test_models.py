import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError

from meetings.models import Attendance, Meeting
from tests.factories import (
    ActionItemFactory,
    AgendaItemFactory,
    AttendanceFactory,
    MeetingFactory,
    MeetingSeriesFactory,
    OrganisationFactory,
    PersonFactory,
)

pytestmark = pytest.mark.django_db


def test_a_meeting_is_titled_by_series_and_swedish_date():
    series = MeetingSeriesFactory(name="Gemensam ledningsgrupp")
    meeting = MeetingFactory(series=series, date=datetime.date(2017, 1, 23))
    assert meeting.title == "Gemensam ledningsgrupp 23 januari 2017"


def test_the_attendance_snapshot_keeps_what_the_protocol_said():
    person = PersonFactory(name="Ivan Kuzhikov")
    attendance = AttendanceFactory(
        person=person, name_as_written="Ivan Kuzhicov", affiliation_as_written="Vorta Drom"
    )
    person.name = "Ivan K. Kuzhikov"
    person.save()

    attendance.refresh_from_db()
    assert str(attendance) == "Ivan Kuzhicov, Vorta Drom"


def test_an_attendance_without_a_written_name_takes_the_persons_name():
    attendance = AttendanceFactory(person=PersonFactory(name="Per Lind"), name_as_written="")
    assert attendance.name_as_written == "Per Lind"


def test_a_person_is_listed_once_per_meeting():
    attendance = AttendanceFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        AttendanceFactory(meeting=attendance.meeting, person=attendance.person)


def test_several_unmatched_names_can_be_listed_in_one_meeting():
    meeting = MeetingFactory()
    AttendanceFactory(meeting=meeting, person=None, name_as_written="Anki")
    AttendanceFactory(meeting=meeting, person=None, name_as_written="Johan")
    assert meeting.attendances.count() == 2


def test_an_attendance_needs_a_person_or_a_name():
    with pytest.raises(IntegrityError), transaction.atomic():
        AttendanceFactory(person=None, name_as_written="")


def test_deleting_a_person_keeps_their_line_in_the_protocol():
    attendance = AttendanceFactory(person=PersonFactory(name="Per Lind"))
    attendance.person.delete()

    attendance.refresh_from_db()
    assert attendance.person is None
    assert attendance.name_as_written == "Per Lind"


def test_a_person_assigned_an_action_item_cannot_be_deleted():
    person = PersonFactory()
    ActionItemFactory().assigned_people.add(person)
    with pytest.raises(ProtectedError):
        person.delete()


def test_an_approver_cannot_be_deleted():
    person = PersonFactory()
    MeetingFactory(approved_by=person, approved_on=datetime.date(2017, 2, 1))
    with pytest.raises(ProtectedError):
        person.delete()


def test_a_series_with_meetings_cannot_be_deleted():
    meeting = MeetingFactory()
    with pytest.raises(ProtectedError):
        meeting.series.delete()


def test_agenda_item_numbers_are_unique_within_a_meeting():
    item = AgendaItemFactory(order=1)
    AgendaItemFactory(order=1)  # another meeting may use the same number
    with pytest.raises(IntegrityError), transaction.atomic():
        AgendaItemFactory(meeting=item.meeting, order=1)


def test_one_meeting_per_series_and_day():
    meeting = MeetingFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        MeetingFactory(series=meeting.series, date=meeting.date)


def test_a_meeting_cannot_end_before_it_starts():
    with pytest.raises(IntegrityError), transaction.atomic():
        MeetingFactory(start_time=datetime.time(13, 30), end_time=datetime.time(12, 0))


def test_a_published_protocol_has_a_publication_time():
    with pytest.raises(IntegrityError), transaction.atomic():
        MeetingFactory(protocol_state=Meeting.ProtocolState.PUBLISHED, published_at=None)


def test_a_protocol_cannot_be_approved_before_the_meeting():
    meeting = MeetingFactory.build(
        date=datetime.date(2017, 1, 23),
        approved_by=PersonFactory(),
        approved_on=datetime.date(2017, 1, 20),
    )
    with pytest.raises(ValidationError) as error:
        meeting.clean()
    assert "approved_on" in error.value.message_dict


def test_an_approved_protocol_names_its_approver():
    meeting = MeetingFactory.build(protocol_state=Meeting.ProtocolState.APPROVED)
    with pytest.raises(ValidationError) as error:
        meeting.clean()
    assert "approved_by" in error.value.message_dict


def test_a_tabled_item_knows_the_item_that_picked_it_up():
    tabled = AgendaItemFactory(kind="tabled", title="Nationell spridning")
    later = AgendaItemFactory(title="Nationell spridning, forts.")
    tabled.picked_up_by = later
    tabled.save()
    assert list(later.picks_up.all()) == [tabled]


def test_attendance_roles_are_listed_by_name():
    attendance = AttendanceFactory(is_note_taker=True, is_approver=True)
    assert attendance.roles == ["note_taker", "approver"]


def test_an_action_item_can_be_assigned_to_people_and_organisations():
    action = ActionItemFactory(text="Ta upp frågan om mandat")
    amf = OrganisationFactory(name="Arbetsmarknadsförvaltningen")
    ia, allan = PersonFactory(name="Ia J"), PersonFactory(name="Allan H")
    action.assigned_organisations.add(amf)
    action.assigned_people.add(ia, allan)

    action.fill_assignees_as_written()

    assert action.assignees_as_written == "Allan H, Ia J, Arbetsmarknadsförvaltningen"


def test_the_assignee_snapshot_is_not_overwritten():
    action = ActionItemFactory(assignees_as_written="Ia och Allan")
    action.assigned_people.add(PersonFactory())
    action.fill_assignees_as_written()
    assert action.assignees_as_written == "Ia och Allan"


def test_every_change_to_a_meeting_and_its_parts_is_recorded():
    meeting = MeetingFactory(theme="Lokaler")
    item = AgendaItemFactory(meeting=meeting, title="Lokaler")
    attendance = AttendanceFactory(meeting=meeting)

    meeting.theme = "CurioCity"
    meeting.save()
    item.body = "Rättad text."
    item.save()
    attendance.status = Attendance.Status.ABSENT
    attendance.save()

    assert [h.theme for h in meeting.history.all()] == ["CurioCity", "Lokaler"]
    assert item.history.first().body == "Rättad text."
    assert attendance.history.first().status == "absent"
    assert attendance.history.count() == 2


def test_upcoming_lists_planned_meetings_from_today_in_date_order():
    today = datetime.date(2026, 11, 24)
    later = MeetingFactory(date=datetime.date(2026, 12, 14), status="planned")
    sooner = MeetingFactory(date=datetime.date(2026, 11, 30), status="planned")
    MeetingFactory(date=datetime.date(2026, 11, 2), status="planned")
    MeetingFactory(date=datetime.date(2026, 12, 1), status="cancelled")

    assert list(Meeting.objects.upcoming(today)) == [sooner, later]


def test_an_item_saved_without_a_number_goes_last():
    meeting = MeetingFactory()
    AgendaItemFactory(meeting=meeting, order=4)
    item = AgendaItemFactory(meeting=meeting, order=None)
    assert item.order == 5


def test_an_approved_protocol_has_an_approval_date():
    meeting = MeetingFactory.build(
        protocol_state=Meeting.ProtocolState.APPROVED, approved_by=PersonFactory()
    )
    with pytest.raises(ValidationError) as error:
        meeting.clean()
    assert list(error.value.message_dict) == ["approved_on"]
