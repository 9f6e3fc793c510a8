"""A save that fails halfway (an exception in a service or a signal receiver) saves nothing:
each save is one transaction, and a document written for it is removed again.

The fault is a real receiver of post_save that raises RuntimeError for one marked row,
after that row and others before it were written. Afterwards every table the product
writes holds exactly what it held before, and nothing waits to run on a commit.
"""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from django.apps import apps
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models.signals import post_save
from django.urls import reverse

from meetings.models import AgendaItem, Attendance, Decision, Meeting
from people.models import Person
from projects.models import GroupNote
from tests.factories import (
    AgendaItemFactory,
    AttendanceFactory,
    MeetingFactory,
    MeetingSeriesFactory,
    MembershipFactory,
    PersonFactory,
    UserFactory,
    WorkingGroupFactory,
)
from tests.meetings.admin_forms import change_form_data, change_url, set_row
from tests.meetings.importer.test_command import PROTOCOL
from tests.meetings.importer.test_matching import make_network
from tests.meetings.test_admin import meeting_form_data
from tests.operations.test_upload_faults import (
    PDF,
    files_in,
    post_group_with_note,
    use_media_storage,
)

pytestmark = pytest.mark.django_db

FAULT = "a fault injected after the row was written"
# The request's own bookkeeping, not the product's data.
NOT_COMPARED = {"sessions", "axes"}


@pytest.fixture
def fault():
    """``fault(model, when)``: saving a ``model`` row for which ``when(row)`` holds raises
    RuntimeError, once the row itself is written. Disconnected after the test."""
    connected = []

    def inject(model, when) -> None:
        def receiver(sender, instance, **kwargs):
            if when(instance):
                raise RuntimeError(FAULT)

        post_save.connect(receiver, sender=model, weak=False)
        connected.append((receiver, model))

    yield inject
    for receiver, model in connected:
        post_save.disconnect(receiver, sender=model)


def database_state() -> dict[str, list[dict]]:
    """Every row, with every value, of every table the product writes (history included)."""
    return {
        model._meta.label: list(model._default_manager.order_by("pk").values())
        for model in apps.get_models()
        if model._meta.app_label not in NOT_COMPARED
    }


@pytest.fixture
def unchanged(django_capture_on_commit_callbacks):
    """``with unchanged():`` the block raises the injected fault, and afterwards the
    database is as before and nothing (task, email, search index) waits for a commit."""

    @contextmanager
    def check():
        before = database_state()
        with (
            django_capture_on_commit_callbacks() as callbacks,
            pytest.raises(RuntimeError, match=FAULT),
        ):
            yield
        assert database_state() == before
        assert callbacks == []
        assert mail.outbox == []

    return check


# --- The meeting admin -------------------------------------------------------------------


def test_adding_a_meeting_whose_decision_fails_saves_no_meeting_item_or_decision(
    staff_client, fault, unchanged
):
    fault(Decision, lambda decision: decision.text == "Det andra beslutet")
    data = meeting_form_data(
        MeetingSeriesFactory(),
        attendances=[{"order": 1, "person": PersonFactory().pk, "status": "present"}],
        agenda_items=[
            {"order": 1, "level": 1, "title": "Lokaler", "kind": "discussion"},
            {"order": 2, "level": 1, "title": "Budget", "kind": "decision"},
        ],
        decisions=[{"text": "Det första beslutet"}, {"text": "Det andra beslutet"}],
    )

    with unchanged():
        staff_client.post(reverse("admin:meetings_meeting_add"), data)

    assert not Meeting.objects.exists()


def test_changing_a_meeting_whose_agenda_item_fails_changes_nothing(staff_client, fault, unchanged):
    meeting = MeetingFactory(place="Bryggan")
    AttendanceFactory(meeting=meeting)
    first = AgendaItemFactory(meeting=meeting, order=1, title="Lokaler")
    second = AgendaItemFactory(meeting=meeting, order=2, title="Budget")
    data = change_form_data(staff_client, meeting) | {"place": "Stadshuset"}
    set_row(data, "agenda_items", first, title="Lokaler och nycklar")
    set_row(data, "agenda_items", second, title="Budget för våren")
    fault(AgendaItem, lambda item: item.title == "Budget för våren")

    with unchanged():
        staff_client.post(change_url(meeting), data)

    meeting.refresh_from_db()
    assert meeting.place == "Bryggan"


def test_an_import_whose_second_item_fails_creates_no_meeting_people_or_items(
    staff_client, fault, unchanged
):
    make_network()
    fault(AgendaItem, lambda item: item.title == "Stadsbyggnadsförvaltningen")

    with unchanged():
        staff_client.post(
            reverse("admin:meetings_meeting_import"),
            {"text": PROTOCOL, "file_name": "lg.txt", "create": "1"},
        )

    assert not Meeting.objects.exists()


def test_publishing_that_fails_leaves_the_protocol_unpublished_and_tells_no_one(
    staff_client, fault, unchanged
):
    meeting = MeetingFactory(approved=True)
    AttendanceFactory(meeting=meeting)
    AgendaItemFactory(meeting=meeting, order=1, title="Lokaler", body="Vi pratade om lokaler.")
    fault(Meeting, lambda row: row.protocol_state == Meeting.ProtocolState.PUBLISHED)

    with unchanged():
        staff_client.post(
            reverse("admin:meetings_meeting_publish", args=[meeting.pk]), {"confirm": "yes"}
        )

    meeting.refresh_from_db()
    assert not meeting.is_published


def test_planning_the_next_meetings_of_several_series_is_one_save(staff_client, fault, unchanged):
    first, second = MeetingSeriesFactory(), MeetingSeriesFactory()
    follow_ups = []

    def second_follow_up(item: AgendaItem) -> bool:
        follow_ups.append(item.meeting.series_id)
        return len(follow_ups) == 2  # the first series' meeting is written by then

    fault(AgendaItem, second_follow_up)

    with unchanged():
        staff_client.post(
            reverse("admin:meetings_meetingseries_changelist"),
            {"action": "create_next_meeting", ACTION_CHECKBOX_NAME: [first.pk, second.pk]},
        )

    assert len(follow_ups) == 2
    assert not Meeting.objects.exists()


# --- People ------------------------------------------------------------------------------


def test_anonymising_several_people_is_all_or_nothing(staff_client, fault, unchanged):
    meeting = MeetingFactory()
    anna = PersonFactory(name="Anna Andersson")
    bo = PersonFactory(name="Bo Berg")
    AttendanceFactory(meeting=meeting, person=anna, name_as_written=anna.name, order=1)
    AttendanceFactory(meeting=meeting, person=bo, name_as_written=bo.name, order=2)
    changed = []

    def second_person(attendance: Attendance) -> bool:
        changed.append(attendance.person_id)
        return len(changed) == 2

    fault(Attendance, second_person)

    with unchanged():
        staff_client.post(
            reverse("admin:people_person_changelist"),
            {"action": "anonymise_people", ACTION_CHECKBOX_NAME: [anna.pk, bo.pk], "post": "yes"},
        )

    assert set(Attendance.objects.values_list("name_as_written", flat=True)) == {
        "Anna Andersson",
        "Bo Berg",
    }


def test_an_invitation_that_fails_leaves_no_account_behind(staff_client, fault):
    person = PersonFactory(name="Anna Andersson", email="anna@example.org", user=None)
    fault(Person, lambda row: row.user_id is not None)
    before = database_state()

    # The action reports a failed invitation per person and goes on with the others.
    response = staff_client.post(
        reverse("admin:people_person_changelist"),
        {"action": "invite_people", ACTION_CHECKBOX_NAME: [person.pk]},
    )

    assert response.status_code == 302
    assert database_state() == before
    assert not get_user_model().objects.filter(username="anna@example.org").exists()
    assert mail.outbox == []


def test_my_data_that_fails_to_save_changes_nothing(client, fault, unchanged):
    user = UserFactory(username="anna")
    person = PersonFactory(name="Anna Andersson", user=user, phone="070-111 11 11")
    client.force_login(user)
    fault(Person, lambda row: row.phone == "070-222 22 22")

    with unchanged():
        client.post(
            reverse("people:my_data"),
            {
                "email": "anna@example.org",
                "phone": "070-222 22 22",
                "publication_level": "initials",
            },
        )

    person.refresh_from_db()
    assert person.phone == "070-111 11 11"


# --- Notes of a working group --------------------------------------------------------------


@pytest.fixture
def media(settings, tmp_path):
    return use_media_storage(settings, tmp_path / "media")


@pytest.fixture
def group():
    return WorkingGroupFactory(name="Fritidsbank", slug="fritidsbank")


def test_a_members_note_that_fails_to_save_leaves_no_row_and_no_document(
    client, group, media, fault, unchanged
):
    user = UserFactory(username="medlem")
    MembershipFactory(working_group=group, person=PersonFactory(user=user))
    client.force_login(user)
    fault(GroupNote, lambda note: True)

    with unchanged():
        client.post(
            reverse("projects:note_add", args=[group.slug]),
            {"title": "Protokoll", "attachment": SimpleUploadedFile("protokoll.pdf", PDF)},
        )

    assert files_in(media) == []


def test_a_note_added_in_the_admin_that_fails_to_save_leaves_no_document(
    staff_client, group, media, fault, unchanged
):
    fault(GroupNote, lambda note: True)

    with unchanged():
        post_group_with_note(staff_client, group, PDF, name="Fritidsbanken")

    assert files_in(media) == []


# --- Going back to an earlier version (history) -------------------------------------------


def test_a_revert_that_fails_halfway_leaves_the_current_version(staff_client, fault, unchanged):
    from projects.models import WorkingGroup
    from tests.meetings.test_admin_history import revert_data, version_url

    group = WorkingGroupFactory(name="Gamla namnet")
    group.name = "Nya namnet"
    group.save()
    first = group.history.order_by("history_date").first()
    data = revert_data(group, first)
    fault(WorkingGroup, lambda saved: saved.name == "Gamla namnet")
    staff_client.force_login(UserFactory(is_staff=True, is_superuser=True))

    with unchanged():
        staff_client.post(version_url(group, first), data)
    group.refresh_from_db()
    assert group.name == "Nya namnet"
