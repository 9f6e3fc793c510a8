"""A user's own data: contact details, publication level, export; staff export and anonymise."""

from __future__ import annotations

import json
import re

import pytest
from django.contrib import admin
from django.contrib.messages import get_messages
from django.urls import reverse

from meetings.models import ActionItem, Attendance, ProtocolNotification
from meetings.policy import public_label
from meetings.services import protocol_name_confirm, protocol_publish
from people.admin_data_actions import anonymise_people, export_people_json
from people.data import ANONYMISATION_REASON, person_anonymise, person_export
from people.models import Follow, Person, PublicationLevel
from projects.models import GroupNote
from tests.factories import (
    ActionItemFactory,
    AffiliationFactory,
    AgendaItemFactory,
    AttendanceFactory,
    MeetingFactory,
    MeetingSeriesFactory,
    MembershipFactory,
    OrganisationFactory,
    PersonFactory,
    UserFactory,
    WorkingGroupFactory,
)

pytestmark = pytest.mark.django_db

NAME = "Karin Svensson"
LABEL = "Deltagare, Vorta Drom"  # role and organisation, as the attendance list wrote it


@pytest.fixture
def association():
    return OrganisationFactory(name="Vorta Drom", slug="vorta-drom")


@pytest.fixture
def user():
    return UserFactory(username="karin", email="karin@example.org")


@pytest.fixture
def person(user, association):
    person = PersonFactory(
        name=NAME,
        aliases="Kajsa",
        user=user,
        email="karin@example.org",
        phone="070-123 45 67",
        publication_level=PublicationLevel.FULL_NAME,
    )
    AffiliationFactory(person=person, organisation=association, role="brukarutvecklare")
    return person


@pytest.fixture
def other_person():
    return PersonFactory(name="Olle Annansson", email="olle@example.org", phone="08-999")


@pytest.fixture
def published(person, association, staff_user):
    """A published protocol where the person attends, promises something and signs."""
    meeting = MeetingFactory(
        series=MeetingSeriesFactory(name="Gemensam utvecklingsgrupp", slug="gug"),
        note_taker_signature=f"Vid pennan {NAME}",
        approved=True,
    )
    attendance = AttendanceFactory(
        meeting=meeting, person=person, name_as_written=NAME, affiliation_as_written="Vorta Drom"
    )
    attendance.organisations.add(association)
    AgendaItemFactory(meeting=meeting, order=1, title="Fritidsbanken", body="Vi pratade.")
    action = ActionItemFactory(meeting=meeting, assignees_as_written="Karin och Allan")
    action.assigned_people.add(person)
    # She chose her full name: staff confirm that the signature may show it as written.
    protocol_name_confirm(meeting=meeting, text=NAME, by=staff_user)
    return protocol_publish(meeting=meeting, by=staff_user)


@pytest.fixture
def logged_in(client, user):
    client.force_login(user)
    return client


def template_names(response) -> list[str]:
    return [t.name for t in response.templates]


# --- The user's own pages ----------------------------------------------------------


@pytest.mark.parametrize("url_name", ["people:my_data", "people:my_data_export"])
def test_my_data_pages_ask_an_anonymous_visitor_to_log_in(client, url_name):
    response = client.get(reverse(url_name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("people:login"))


@pytest.mark.parametrize("url_name", ["people:my_data", "people:my_data_export"])
def test_a_user_without_a_linked_person_is_told_to_contact_staff(client, url_name):
    client.force_login(UserFactory(username="ny"))
    response = client.get(reverse(url_name))
    assert response.status_code == 200
    assert "people/my_data_no_person.html" in template_names(response)


def test_my_data_shows_each_publication_level_with_an_example(logged_in, person):
    response = logged_in.get(reverse("people:my_data"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    for level in PublicationLevel.values:
        example = public_label(level, NAME, "brukarutvecklare", "Vorta Drom")
        assert f"<q>{example}</q>" in html
    assert "<q>K. S.</q>" in html
    assert "<q>Brukarutvecklare, Vorta Drom</q>" in html
    assert re.search(r'<input type="radio"[^>]*value="full_name"[^>]*checked>', html)
    assert len(re.findall(r"<input[^>]* checked>", html)) == 1


def test_a_person_with_the_default_level_sees_it_chosen(logged_in, person):
    person.publication_level = ""
    person.save()
    form = logged_in.get(reverse("people:my_data")).context["form"]
    assert form["publication_level"].value() == PublicationLevel.ROLE_AND_ORGANISATION


def test_saving_my_data_changes_contact_details_and_level_and_says_so(logged_in, person, user):
    response = logged_in.post(
        reverse("people:my_data"),
        {"email": "ny@example.org", "phone": "070-000", "publication_level": "initials"},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("people:my_data")
    person.refresh_from_db()
    assert (person.email, person.phone, person.publication_level) == (
        "ny@example.org",
        "070-000",
        PublicationLevel.INITIALS,
    )
    assert person.history.first().history_user == user
    assert [m.level_tag for m in get_messages(response.wsgi_request)] == ["success"]


def test_saving_without_changes_says_nothing_was_changed(logged_in, person):
    response = logged_in.post(
        reverse("people:my_data"),
        {"email": person.email, "phone": person.phone, "publication_level": "full_name"},
    )
    assert [m.level_tag for m in get_messages(response.wsgi_request)] == ["info"]


@pytest.mark.parametrize(
    "data",
    [
        {"email": "inte-en-adress", "phone": "", "publication_level": "initials"},
        {"email": "", "phone": "", "publication_level": "public"},
        {"email": "", "phone": ""},
    ],
)
def test_invalid_my_data_is_shown_again_and_not_saved(logged_in, person, data):
    response = logged_in.post(reverse("people:my_data"), data)
    assert response.status_code == 200
    assert response.context["form"].errors
    person.refresh_from_db()
    assert person.email == "karin@example.org"
    assert person.publication_level == PublicationLevel.FULL_NAME
    assert [m.level_tag for m in get_messages(response.wsgi_request)] == ["error"]


def test_a_user_cannot_reach_another_persons_data(logged_in, person, other_person):
    page = logged_in.get(
        reverse("people:my_data"), {"person": other_person.pk, "pk": other_person.pk}
    )
    assert page.context["person"] == person
    assert "Olle Annansson" not in page.content.decode()

    logged_in.post(
        reverse("people:my_data") + f"?person={other_person.pk}",
        {
            "id": other_person.pk,
            "person": other_person.pk,
            "email": "kapad@example.org",
            "phone": "1",
            "publication_level": "initials",
        },
    )
    other_person.refresh_from_db()
    assert other_person.email == "olle@example.org"
    assert Person.objects.get(pk=person.pk).email == "kapad@example.org"

    export = logged_in.get(reverse("people:my_data_export"), {"person": other_person.pk})
    data = json.loads(export.content)
    assert data["person"]["id"] == person.pk
    assert "Olle" not in export.content.decode()


def test_the_export_is_a_json_attachment_with_everything_and_no_password(
    logged_in, person, user, published, association
):
    group = WorkingGroupFactory(name="Fritidsbank", slug="fritidsbank")
    MembershipFactory(working_group=group, person=person)
    Follow.objects.create(user=user, working_group=group)
    Follow.objects.create(user=user, series=published.series)
    ProtocolNotification.objects.create(meeting=published, user=user)
    GroupNote.objects.create(working_group=group, title="Min anteckning", created_by=user)

    response = logged_in.get(reverse("people:my_data_export"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="mina-uppgifter.json"'
    assert "no-store" in response["Cache-Control"]
    text = response.content.decode()
    data = json.loads(text)

    assert data["person"]["name"] == NAME
    assert data["person"]["other_names"] == ["Kajsa"]
    assert data["person"]["phone"] == "070-123 45 67"
    assert data["person"]["publication_level"] == "full_name"
    assert data["affiliations"] == [
        {"organisation": "Vorta Drom", "role": "brukarutvecklare", "from": None, "until": None}
    ]
    assert data["working_group_memberships"][0]["working_group"] == "Fritidsbank"
    assert {f["working_group"] or f["meeting_series"] for f in data["follows"]} == {
        "Fritidsbank",
        "Gemensam utvecklingsgrupp",
    }
    [line] = data["attendance"]
    assert line["meeting"] == {
        "date": published.date.isoformat(),
        "series": "Gemensam utvecklingsgrupp",
        "published": True,
    }
    assert line["name_as_written"] == NAME
    assert line["affiliation_as_written"] == "Vorta Drom"
    assert [a["assignees_as_written"] for a in data["action_items"]] == ["Karin och Allan"]
    assert data["notifications_sent"][0]["meeting"]["date"] == published.date.isoformat()
    assert data["internal_notes_written"][0]["title"] == "Min anteckning"
    assert data["user_account"]["username"] == "karin"
    assert data["user_account"]["email"] == "karin@example.org"

    assert "password" not in text
    assert user.password not in text
    assert user.password.split("$")[-1] not in text


def test_person_export_is_plain_json_even_for_a_person_without_account(other_person):
    data = person_export(person=other_person)
    assert data["user_account"] is None
    assert data["follows"] == []
    json.dumps(data)


# --- Anonymisation -----------------------------------------------------------------


def test_anonymising_replaces_the_name_in_every_protocol_line(person, published, staff_user):
    changed = person_anonymise(person=person, by=staff_user)
    assert changed == 3  # attendance line, signature, action item

    attendance = Attendance.objects.get(person=person)
    assert attendance.name_as_written == LABEL
    published.refresh_from_db()
    assert published.note_taker_signature == f"Vid pennan {LABEL}"
    assert ActionItem.objects.get().assignees_as_written == f"{LABEL} och Allan"
    person.refresh_from_db()
    assert person.publication_level == PublicationLevel.ROLE_AND_ORGANISATION
    assert person.name == NAME  # the person record itself keeps the name, for staff


def test_anonymising_is_recorded_in_history_with_the_staff_user_and_reason(
    person, published, staff_user
):
    person_anonymise(person=person, by=staff_user)
    for record in (
        Attendance.objects.get(person=person).history.first(),
        ActionItem.objects.get().history.first(),
        published.history.first(),
        Person.objects.get(pk=person.pk).history.first(),
    ):
        assert record.history_user == staff_user
        assert record.history_change_reason == ANONYMISATION_REASON
    previous = Attendance.objects.get(person=person).history.all()[1]
    assert previous.name_as_written == NAME


def test_after_anonymising_the_public_protocol_shows_the_label_not_the_name(
    client, person, published, staff_user
):
    before = client.get(published.get_absolute_url()).content.decode()
    assert NAME in before
    person_anonymise(person=person, by=staff_user)
    after = client.get(published.get_absolute_url()).content.decode()
    assert NAME not in after
    assert LABEL in after


def test_anonymising_twice_changes_nothing_more(person, published, staff_user):
    person_anonymise(person=person, by=staff_user)
    assert person_anonymise(person=person, by=staff_user) == 0


def test_anonymising_leaves_other_people_and_short_names_inside_words_alone(
    person, published, staff_user
):
    other = AttendanceFactory(meeting=published, name_as_written="Karina Berg", order=2)
    linked_elsewhere = ActionItemFactory(
        meeting=published, assignees_as_written=f"{NAME} och Karina"
    )
    unlinked_first_name = ActionItemFactory(meeting=published, assignees_as_written="Karin")
    person_anonymise(person=person, by=staff_user)
    other.refresh_from_db()
    assert other.name_as_written == "Karina Berg"
    linked_elsewhere.refresh_from_db()
    assert linked_elsewhere.assignees_as_written == f"{LABEL} och Karina"
    unlinked_first_name.refresh_from_db()
    assert unlinked_first_name.assignees_as_written == "Karin"


# --- Admin actions -----------------------------------------------------------------


@pytest.fixture
def person_actions(monkeypatch):
    """The actions as people/admin.py registers them."""
    model_admin = admin.site._registry[Person]
    monkeypatch.setattr(model_admin, "actions", [export_people_json, anonymise_people])
    return model_admin


def run_action(client, action: str, people, **extra):
    return client.post(
        reverse("admin:people_person_changelist"),
        {"action": action, "_selected_action": [p.pk for p in people], **extra},
    )


def test_staff_export_selected_people_as_one_json_list(
    staff_client, person_actions, person, other_person, user
):
    response = run_action(staff_client, "export_people_json", [person, other_person])
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="personuppgifter-')
    data = json.loads(response.content)
    assert [p["person"]["name"] for p in data] == [NAME, "Olle Annansson"]
    assert "password" not in response.content.decode()
    assert user.password not in response.content.decode()


def test_the_anonymise_action_asks_for_confirmation_first(
    staff_client, person_actions, person, published
):
    response = run_action(staff_client, "anonymise_people", [person])
    assert response.status_code == 200
    assert "people/my_data_anonymise_confirmation.html" in template_names(response)
    html = response.content.decode()
    assert 'name="post" value="yes"' in html
    assert f'name="_selected_action" value="{person.pk}"' in html
    assert Attendance.objects.get(person=person).name_as_written == NAME


def test_confirming_the_anonymise_action_changes_the_protocols_and_reports_how_many(
    staff_client, person_actions, person, published, staff_user
):
    AgendaItemFactory(meeting=published, order=2, title="Övrigt", body=f"{NAME} berättade.")
    response = run_action(staff_client, "anonymise_people", [person], post="yes")
    assert response.status_code == 302
    assert Attendance.objects.get(person=person).name_as_written == LABEL
    record = Attendance.objects.get(person=person).history.first()
    assert record.history_user == staff_user
    assert record.history_change_reason == ANONYMISATION_REASON
    sent = list(get_messages(response.wsgi_request))
    assert [m.level_tag for m in sent] == ["success", "warning"]
    assert "3" in sent[0].message
    assert reverse("admin:meetings_meeting_change", args=[published.pk]) in sent[1].message


def test_staff_without_the_right_to_change_protocols_cannot_anonymise(
    client, person_actions, person, published
):
    from django.contrib.auth.models import Permission

    clerk = UserFactory(username="handlaggare", is_staff=True)
    clerk.user_permissions.set(
        Permission.objects.filter(content_type__app_label="people", codename__endswith="person")
    )
    client.force_login(clerk)
    response = run_action(client, "anonymise_people", [person], post="yes")
    assert response.status_code == 302
    assert Attendance.objects.get(person=person).name_as_written == NAME
    assert [m.level_tag for m in get_messages(response.wsgi_request)] == ["error"]
