import pytest
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError

from tests.factories import (
    AgendaItemFactory,
    MeetingFactory,
    MembershipFactory,
    WorkingGroupFactory,
)

pytestmark = pytest.mark.django_db


def test_a_working_group_has_parts_members_and_the_meeting_that_formed_it():
    meeting = MeetingFactory()
    parent = WorkingGroupFactory(name="Samskapade tjänster", formed_at=meeting)
    adults = WorkingGroupFactory(name="Samskapade tjänster – vuxna", parent=parent)
    membership = MembershipFactory(working_group=parent, role="lead")

    assert list(parent.children.all()) == [adults]
    assert list(parent.members.all()) == [membership.person]
    assert list(meeting.working_groups_formed.all()) == [parent]


def test_a_person_is_a_member_of_a_group_only_once():
    membership = MembershipFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        MembershipFactory(working_group=membership.working_group, person=membership.person)


def test_a_working_group_named_in_a_protocol_cannot_be_deleted():
    group = WorkingGroupFactory(name="Fritidsbank")
    item = AgendaItemFactory(title="Fritidsbank")
    item.working_groups.add(group)

    with pytest.raises(ProtectedError):
        group.delete()
    assert list(item.working_groups.all()) == [group]


def test_deleting_the_meeting_that_formed_a_group_keeps_the_group():
    meeting = MeetingFactory()
    group = WorkingGroupFactory(formed_at=meeting)
    meeting.delete()
    group.refresh_from_db()
    assert group.formed_at is None
