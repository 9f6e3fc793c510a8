"""Two staff members editing the same meeting: the second save never silently wins."""

import pytest
from django.test import Client

from meetings.admin_concurrency import CURRENT_FINGERPRINT, FINGERPRINT_FIELD, SAVE_ANYWAY
from meetings.concurrency import meeting_fingerprint
from meetings.models import Meeting
from tests.factories import (
    ActionItemFactory,
    AgendaItemFactory,
    AttendanceFactory,
    DecisionFactory,
    MeetingFactory,
    OrganisationFactory,
    PersonFactory,
    UserFactory,
    WorkingGroupFactory,
)
from tests.meetings.admin_forms import (
    change_form_data,
    change_url,
    form_errors,
    resubmit_data,
    set_row,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def colleague_client(staff_user):
    colleague = UserFactory(username="kollega", first_name="Anna", last_name="Ek", is_staff=True)
    colleague.user_permissions.set(staff_user.user_permissions.all())
    client = Client()
    client.force_login(colleague)
    return client


@pytest.fixture
def meeting():
    meeting = MeetingFactory(theme="Lokaler")
    AttendanceFactory(meeting=meeting)
    AgendaItemFactory(meeting=meeting, order=1, title="Lokaler", body="Vi pratade om lokaler.")
    return meeting


def test_a_save_with_the_fingerprint_of_the_page_works_as_before(staff_client, meeting):
    data = change_form_data(staff_client, meeting)
    assert data[FINGERPRINT_FIELD] == meeting_fingerprint(meeting.pk)
    data["theme"] = "Sysselsättning"

    response = staff_client.post(change_url(meeting), data)

    assert response.status_code == 302, form_errors(response)
    meeting.refresh_from_db()
    assert meeting.theme == "Sysselsättning"


def test_the_second_of_two_saves_gets_a_conflict_page_and_can_save_anyway(
    staff_client, colleague_client, meeting
):
    item = meeting.agenda_items.get()
    first = change_form_data(colleague_client, meeting)
    second = change_form_data(staff_client, meeting)
    assert first[FINGERPRINT_FIELD] == second[FINGERPRINT_FIELD]

    first["theme"] = "Lokaler och ekonomi"
    set_row(first, "agenda_items", item, body="Anna skrev om lokalerna.")
    assert colleague_client.post(change_url(meeting), first).status_code == 302

    second["theme"] = "Sysselsättning"
    second["place"] = "Stadshuset"
    set_row(second, "agenda_items", item, title="Lokalfrågan", body="Mitt eget referat.")
    response = staff_client.post(change_url(meeting), second)

    assert response.status_code == 409
    content = response.content.decode()
    # What happened, by whom, and nothing lost of what the second person typed.
    assert "Anna Ek sparade mötet" in content
    assert "Dina ändringar har inte sparats" in content
    for typed in ("Sysselsättning", "Stadshuset", "Lokalfrågan", "Mitt eget referat."):
        assert typed in content
    form = response.context["adminform"].form
    assert form["theme"].value() == "Sysselsättning"
    assert form["place"].value() == "Stadshuset"
    # What is saved now: a link to the saved version and the fields that differ.
    assert f'href="{change_url(meeting)}" target="_blank"' in content
    differences = {d.label: (d.yours, d.saved) for d in response.context["edit_differences"]}
    assert differences["Tema"] == ("Sysselsättning", "Lokaler och ekonomi")
    assert differences["Punkter, rad 1: Text"] == ("Mitt eget referat.", "Anna skrev om lokalerna.")
    assert "Spara min version ändå" in content
    current = meeting_fingerprint(meeting.pk)
    assert f'name="{CURRENT_FINGERPRINT}" value="{current}"' in content
    # The first person's save stands.
    meeting.refresh_from_db()
    item.refresh_from_db()
    assert meeting.theme == "Lokaler och ekonomi"
    assert meeting.place == "Bryggan"
    assert item.body == "Anna skrev om lokalerna."

    # Saving again without choosing is caught again; choosing to save anyway lands.
    assert staff_client.post(change_url(meeting), second).status_code == 409
    second |= {SAVE_ANYWAY: "1", CURRENT_FINGERPRINT: current}
    response = staff_client.post(change_url(meeting), second)

    assert response.status_code == 302, form_errors(response)
    meeting.refresh_from_db()
    item.refresh_from_db()
    assert (meeting.theme, meeting.place) == ("Sysselsättning", "Stadshuset")
    assert (item.title, item.body) == ("Lokalfrågan", "Mitt eget referat.")


def test_saving_anyway_after_yet_another_save_is_caught_again(
    staff_client, colleague_client, meeting
):
    mine = change_form_data(staff_client, meeting)
    theirs = change_form_data(colleague_client, meeting)
    theirs["theme"] = "Först"
    colleague_client.post(change_url(meeting), theirs)
    mine["theme"] = "Min version"
    conflict = staff_client.post(change_url(meeting), mine)
    shown = conflict.context["edit_conflict"].fingerprint
    again = change_form_data(colleague_client, meeting)
    again["theme"] = "Igen"
    colleague_client.post(change_url(meeting), again)

    mine |= {SAVE_ANYWAY: "1", CURRENT_FINGERPRINT: shown}
    response = staff_client.post(change_url(meeting), mine)

    assert response.status_code == 409
    meeting.refresh_from_db()
    assert meeting.theme == "Igen"


def test_a_change_on_an_agenda_items_own_page_is_caught(staff_client, colleague_client, meeting):
    item = meeting.agenda_items.get()
    data = change_form_data(staff_client, meeting)
    colleague_client.post(
        f"/admin/meetings/agendaitem/{item.pk}/change/",
        {
            "meeting": meeting.pk,
            "order": 1,
            "level": 1,
            "kind": "discussion",
            "title": "Lokaler",
            "body": "Ändrat på punktens egen sida.",
        },
    )
    item.refresh_from_db()
    assert item.body == "Ändrat på punktens egen sida."
    data["theme"] = "Sysselsättning"

    response = staff_client.post(change_url(meeting), data)

    assert response.status_code == 409
    assert "Anna Ek sparade mötet" in response.content.decode()
    meeting.refresh_from_db()
    assert meeting.theme == "Lokaler"


def test_a_save_whose_history_has_no_user_names_someone(staff_client, meeting):
    data = change_form_data(staff_client, meeting)
    saved = Meeting.objects.get(pk=meeting.pk)
    saved.place = "Stadshuset"
    saved.save()  # outside a request, as a management command would: no user
    data["theme"] = "Sysselsättning"

    response = staff_client.post(change_url(meeting), data)

    assert response.status_code == 409
    assert "någon sparade mötet" in response.content.decode().lower()


def test_the_fingerprint_follows_every_row_and_link_of_the_meeting(meeting):
    def changes(action) -> bool:
        before = meeting_fingerprint(meeting.pk)
        action()
        return meeting_fingerprint(meeting.pk) != before

    item = meeting.agenda_items.get()
    attendance = meeting.attendances.get()
    action = ActionItemFactory(meeting=meeting)
    assert changes(lambda: Meeting.objects.filter(pk=meeting.pk).update(theme="Nytt"))
    assert changes(lambda: attendance.organisations.add(OrganisationFactory()))
    assert changes(lambda: item.working_groups.add(WorkingGroupFactory()))
    assert changes(lambda: DecisionFactory(meeting=meeting))
    assert changes(lambda: action.assigned_people.add(PersonFactory()))
    assert changes(lambda: action.assigned_organisations.add(OrganisationFactory()))
    assert changes(lambda: item.delete())
    assert not changes(lambda: MeetingFactory())  # another meeting


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_saves_cannot_both_pass(monkeypatch, staff_user):
    """On PostgreSQL the meeting row is locked from the check to the end of the save."""
    import threading
    import time

    from django.db import connection

    from meetings import admin_concurrency

    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no row locks; run with DELAKTIG_TEST_DATABASE=postgres")
    meeting = MeetingFactory(theme="Lokaler")
    clients = []
    for name in ("forsta", "andra"):
        user = UserFactory(username=name, is_staff=True)
        user.user_permissions.set(staff_user.user_permissions.all())
        client = Client()
        client.force_login(user)
        clients.append(client)
    posts = [change_form_data(client, meeting) for client in clients]
    posts[0]["theme"], posts[1]["theme"] = "Först", "Sedan"

    checked = threading.Event()
    real_fingerprint = admin_concurrency.meeting_fingerprint

    def slow_fingerprint(meeting_id, *, for_update=False):
        fingerprint = real_fingerprint(meeting_id, for_update=for_update)
        if for_update and not checked.is_set():
            checked.set()
            time.sleep(0.5)  # the other save arrives while this one holds the lock
        return fingerprint

    monkeypatch.setattr(admin_concurrency, "meeting_fingerprint", slow_fingerprint)
    statuses = {}

    def save(index):
        try:
            statuses[index] = clients[index].post(change_url(meeting), posts[index]).status_code
        finally:
            connection.close()

    first = threading.Thread(target=save, args=[0])
    first.start()
    assert checked.wait(5)
    second = threading.Thread(target=save, args=[1])
    second.start()
    first.join(10)
    second.join(10)

    assert statuses == {0: 302, 1: 409}
    meeting.refresh_from_db()
    assert meeting.theme == "Först"


def test_a_row_deleted_meanwhile_is_listed_with_what_was_typed_in_it(staff_client, meeting):
    first = meeting.agenda_items.get()
    other = AgendaItemFactory(meeting=meeting, order=2, title="Övrigt")
    last = AgendaItemFactory(meeting=meeting, order=3, title="Nästa möte")
    data = change_form_data(staff_client, meeting)
    data["theme"] = "Sysselsättning"
    set_row(data, "agenda_items", other, body="Text jag skrev i en borttagen punkt.")
    set_row(data, "agenda_items", last, body="Vi ses i mars.")
    other.delete()  # by a colleague, on another page

    conflict = staff_client.post(change_url(meeting), data)

    assert conflict.status_code == 409
    differences = {d.label: (d.yours, d.saved) for d in conflict.context["edit_differences"]}
    yours, saved = differences["Punkter, rad 2"]
    assert "Text jag skrev i en borttagen punkt." in yours
    assert saved == "borttagen av någon annan"
    # The form shows the rows that still exist, each with what was typed in it.
    rows = {f.instance.pk: f for f in conflict.context["inline_admin_formsets"][1].formset.forms}
    assert set(rows) == {first.pk, last.pk}
    assert rows[last.pk]["body"].value() == "Vi ses i mars."
    assert "Vi ses i mars." in conflict.content.decode()

    resubmitted = resubmit_data(conflict)
    resubmitted |= {
        SAVE_ANYWAY: "1",
        CURRENT_FINGERPRINT: conflict.context["edit_conflict"].fingerprint,
    }
    response = staff_client.post(change_url(meeting), resubmitted)

    assert response.status_code == 302, form_errors(response)
    meeting.refresh_from_db()
    last.refresh_from_db()
    assert meeting.theme == "Sysselsättning"
    assert last.body == "Vi ses i mars."
    assert list(meeting.agenda_items.values_list("title", flat=True)) == ["Lokaler", "Nästa möte"]
