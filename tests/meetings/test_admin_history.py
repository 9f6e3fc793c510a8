"""The admin's history pages: who may see and revert what, in Swedish, and the purge of
personal identity numbers from earlier versions (issue #13)."""

from __future__ import annotations

import datetime

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.db import models
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from config.admin_history import HistoryAdmin
from meetings.models import ActionItem, AgendaItem, Attendance, Decision, Meeting
from meetings.personnummer import find_personnummer
from tests.factories import (
    AgendaItemFactory,
    AttendanceFactory,
    DecisionFactory,
    MeetingFactory,
    PersonFactory,
    UserFactory,
)
from tests.meetings.admin_forms import form_values

pytestmark = pytest.mark.django_db

PROJECT_APPS = ["meetings", "people", "projects", "organisations"]
NUMBER = "19800101-1234"


# Roles -------------------------------------------------------------------------------


def staff_client(username: str, permissions) -> Client:
    user = UserFactory(username=username, is_staff=True)
    user.user_permissions.set(permissions)
    client = Client()
    client.force_login(user)
    return client


def project_permissions():
    return Permission.objects.filter(content_type__app_label__in=PROJECT_APPS)


ROLES = {
    "view_only": lambda: staff_client(
        "bara-läsa", project_permissions().filter(codename__startswith="view_")
    ),
    "change_without_publish": lambda: staff_client(
        "ändra-inte-publicera", project_permissions().exclude(codename="publish_meeting")
    ),
    "full": lambda: staff_client("full-behörighet", project_permissions()),
}


# Objects: each returns (object, the historical record to revert to, "is it reverted?")


def ready_meeting(**kwargs) -> Meeting:
    """A protocol that passes the publish check: held, approved, with an item and someone present."""
    defaults = {
        "date": datetime.date(2020, 3, 2),
        "approved_by": PersonFactory(),
        "approved_on": datetime.date(2020, 3, 9),
        "protocol_state": Meeting.ProtocolState.APPROVED,
        "theme": "Lokaler",
    }
    meeting = MeetingFactory(**(defaults | kwargs))
    AttendanceFactory(meeting=meeting)
    AgendaItemFactory(meeting=meeting)
    return meeting


def published(**kwargs) -> dict:
    return {
        "protocol_state": Meeting.ProtocolState.PUBLISHED,
        "published_at": timezone.now(),
        **kwargs,
    }


def draft_meeting():
    meeting = MeetingFactory(theme="Lokaler")
    version = meeting.history.get()
    meeting.theme = "Budget"
    meeting.save()
    return meeting, version, lambda: Meeting.objects.get(pk=meeting.pk).theme == "Lokaler"


def published_meeting():
    meeting = ready_meeting(**published())
    version = meeting.history.get()
    meeting.theme = "Budget"
    meeting.save()
    return meeting, version, lambda: Meeting.objects.get(pk=meeting.pk).theme == "Lokaler"


def item_of_published_meeting():
    meeting = ready_meeting(**published())
    item = meeting.agenda_items.get()
    version = item.history.get()
    item.title = "Ny rubrik"
    item.save()
    return item, version, lambda: AgendaItem.objects.get(pk=item.pk).title == version.title


def published_version_of_draft():
    """The meeting was published, then taken back: the old version would publish it again."""
    meeting = ready_meeting(**published())
    version = meeting.history.get()
    meeting.protocol_state = Meeting.ProtocolState.APPROVED
    meeting.published_at = None
    meeting.save()
    return meeting, version, lambda: Meeting.objects.get(pk=meeting.pk).is_published


OBJECTS = {
    "draft_meeting": draft_meeting,
    "published_meeting": published_meeting,
    "item_of_published_meeting": item_of_published_meeting,
    "published_version_of_draft": published_version_of_draft,
}

# Who may revert what; everyone here may see every history.
MAY_REVERT = {
    ("view_only", "draft_meeting"): False,
    ("view_only", "published_meeting"): False,
    ("view_only", "item_of_published_meeting"): False,
    ("view_only", "published_version_of_draft"): False,
    ("change_without_publish", "draft_meeting"): True,
    ("change_without_publish", "published_meeting"): False,
    ("change_without_publish", "item_of_published_meeting"): False,
    ("change_without_publish", "published_version_of_draft"): False,
    ("full", "draft_meeting"): True,
    ("full", "published_meeting"): True,
    ("full", "item_of_published_meeting"): True,
    ("full", "published_version_of_draft"): True,
}


def admin_url(obj, view: str, *args) -> str:
    opts = obj._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=[obj.pk, *args])


def version_url(obj, version) -> str:
    return admin_url(obj, "simple_history", version.history_id)


def revert_data(obj, version) -> dict:
    """The revert form of ``version`` as someone who may revert it would post it."""
    client = Client()
    client.force_login(UserFactory(username="admin", is_staff=True, is_superuser=True))
    response = client.get(version_url(obj, version))
    assert response.status_code == 200
    return form_values(response.context["adminform"].form)


def database_state(obj) -> tuple:
    model = type(obj)
    return (
        model.objects.filter(pk=obj.pk).values().get(),
        model.history.filter(id=obj.pk).count(),
    )


@pytest.mark.parametrize(("role", "case"), sorted(MAY_REVERT))
def test_history_permission_matrix(role, case):
    client = ROLES[role]()
    obj, version, is_reverted = OBJECTS[case]()
    data = revert_data(obj, version)

    assert client.get(admin_url(obj, "history")).status_code == 200

    response = client.get(version_url(obj, version))
    assert response.status_code == 200
    content = response.content.decode()
    assert ('name="_save"' in content) is MAY_REVERT[role, case]

    before = database_state(obj)
    response = client.post(version_url(obj, version), data)
    if MAY_REVERT[role, case]:
        assert response.status_code == 302
        assert is_reverted()
    else:
        assert response.status_code in {403, 404}
        assert database_state(obj) == before
        assert not is_reverted()


def test_without_view_permission_the_history_is_closed(client):
    meeting, version, is_reverted = published_version_of_draft()
    data = revert_data(meeting, version)
    nobody = staff_client("ingen-behörighet", [])
    assert nobody.get(admin_url(meeting, "history")).status_code == 403
    assert nobody.get(version_url(meeting, version)).status_code == 403
    before = database_state(meeting)
    assert nobody.post(version_url(meeting, version), data).status_code == 403
    assert database_state(meeting) == before

    # Not staff at all: the admin's login page, and no change either.
    visitor = Client()
    visitor.force_login(UserFactory(username="besökare"))
    assert visitor.post(version_url(meeting, version), data).status_code == 302
    assert database_state(meeting) == before
    assert not is_reverted()


def test_a_view_only_user_sees_the_version_read_only():
    meeting, version, _ = draft_meeting()
    response = ROLES["view_only"]().get(version_url(meeting, version))
    content = response.content.decode()
    assert 'name="theme"' not in content  # shown as text, not as a field
    assert "Lokaler" in content
    assert "Du kan titta på den men inte gå tillbaka till den." in content
    assert "Tidigare version av" in content


def test_a_revert_says_so_in_swedish_and_leads_back_to_the_object():
    meeting, version, _ = draft_meeting()
    data = revert_data(meeting, version)
    response = ROLES["full"]().post(version_url(meeting, version), data, follow=True)
    assert response.redirect_chain[-1][0] == admin_url(meeting, "change")
    assert "är tillbaka som det var" in response.content.decode()


def test_every_admin_of_a_model_with_history_uses_the_project_rules():
    for model, model_admin in admin.site._registry.items():
        if hasattr(model, "history"):
            assert isinstance(model_admin, HistoryAdmin), model


# Swedish ------------------------------------------------------------------------------


def test_the_history_list_is_in_swedish(staff_client):
    meeting = ready_meeting()
    meeting.protocol_state = Meeting.ProtocolState.PUBLISHED
    meeting.published_at = timezone.now()
    meeting.published_by = UserFactory(username="publicerare")
    meeting._change_reason = "published"
    meeting.save()  # outside a request: no user is recorded

    response = staff_client.get(admin_url(meeting, "history"))
    content = response.content.decode()
    for swedish in [
        "Historik:",
        "Datum och tid",
        "Ändrad av",
        "Ändringar",
        "Ingen användare (systemet)",
        "Protokollet publicerades",
        "Skapades",
        "Ändrades",
        "(tomt)",  # published by: nobody before
        "Publicerat",  # the label of the new protocol state, not "published"
        "2 versioner",
    ]:
        assert swedish in content, swedish
    for english in ["Revert", "Deleted", "Change history", "Changed by", "None"]:
        assert english not in content, english


def test_the_version_page_is_in_swedish(staff_client):
    meeting, version, _ = draft_meeting()
    content = staff_client.get(version_url(meeting, version)).content.decode()
    assert "Återställ " in content  # title
    assert 'value="Återställ"' in content
    assert "Tryck på ”Återställ”" in content or "Tryck på “Återställ”" in content
    assert "Tidigare version" in content
    for english in ["Revert", "Press the", "Close"]:
        assert english not in content, english


def test_who_made_a_change_reads_plainly():
    model_admin = admin.site._registry[Meeting]
    record = Meeting.history.model(history_user_id=None)
    gone = Meeting.history.model(history_user_id=987654)  # a user that no longer exists
    with translation.override("sv"):
        assert model_admin.history_user_label(record) == "Ingen användare (systemet)"
        assert model_admin.history_user_label(gone) == "Borttagen användare"


# Personnummer purge -------------------------------------------------------------------

HISTORY_MODELS = [Meeting, AgendaItem, Decision, ActionItem, Attendance]


def numbers_in_history(meeting) -> list[str]:
    found = []
    for model in HISTORY_MODELS:
        records = model.history.all()
        if model is not Meeting:
            records = records.filter(meeting_id=meeting.pk)
        else:
            records = records.filter(id=meeting.pk)
        for record in records:
            for field in record._meta.concrete_fields:
                if isinstance(field, models.CharField | models.TextField):
                    found += find_personnummer(getattr(record, field.name) or "")
    return found


def meeting_whose_history_holds_a_number() -> tuple[Meeting, AgendaItem]:
    meeting = MeetingFactory()
    item = AgendaItemFactory(meeting=meeting, body=f"Ring Kim, {NUMBER}, om lokalen.")
    item.body = "Ring Kim om lokalen."
    item.save()
    decision = DecisionFactory(meeting=meeting, text=f"Kim ({NUMBER}) får nyckel.")
    decision.text = "Kim får nyckel."
    decision.save()
    return meeting, item


def test_the_history_page_offers_to_purge_a_personnummer_and_the_purge_removes_it(
    staff_client,
):
    meeting, item = meeting_whose_history_holds_a_number()
    assert numbers_in_history(meeting) == [NUMBER, NUMBER]
    purge_url = admin_url(meeting, "purge_personnummer")

    content = staff_client.get(admin_url(meeting, "history")).content.decode()
    assert "Historiken innehåller något som ser ut som ett personnummer" in content
    assert f'action="{purge_url}"' in content
    assert "csrfmiddlewaretoken" in content

    assert staff_client.get(purge_url).status_code == 405
    response = staff_client.post(purge_url, follow=True)
    assert response.redirect_chain == [(admin_url(meeting, "history"), 302)]
    content = response.content.decode()
    assert "Klart: numret är borttaget ur 2 tidigare versioner." in content
    assert "ser ut som ett personnummer" not in content

    assert numbers_in_history(meeting) == []
    assert "[personnummer borttaget]" in item.history.earliest().body
    item.refresh_from_db()
    assert item.body == "Ring Kim om lokalen."  # the protocol itself is not touched


def test_an_agenda_item_history_can_be_purged_on_its_own(staff_client):
    meeting, item = meeting_whose_history_holds_a_number()
    content = staff_client.get(admin_url(item, "history")).content.decode()
    assert "ser ut som ett personnummer" in content
    staff_client.post(admin_url(item, "purge_personnummer"))
    assert not any(find_personnummer(record.body) for record in item.history.all())
    # The decision is the meeting's; only the meeting's purge covers it.
    assert numbers_in_history(meeting) == [NUMBER]


def test_the_purge_needs_the_change_permission():
    meeting, _item = meeting_whose_history_holds_a_number()
    client = ROLES["view_only"]()
    content = client.get(admin_url(meeting, "history")).content.decode()
    assert "ser ut som ett personnummer" in content
    assert "purge-personnummer" not in content  # no button, but a word on whom to ask
    assert client.post(admin_url(meeting, "purge_personnummer")).status_code == 403
    assert numbers_in_history(meeting) == [NUMBER, NUMBER]


def test_the_purge_of_a_published_protocol_needs_the_publish_permission():
    meeting = ready_meeting(**published())
    item = meeting.agenda_items.get()
    item.body = f"Ring {NUMBER}."
    item.save()
    item.body = "Ring."
    item.save()
    url = admin_url(meeting, "purge_personnummer")
    assert ROLES["change_without_publish"]().post(url).status_code == 403
    assert numbers_in_history(meeting) == [NUMBER]
    assert ROLES["full"]().post(url).status_code == 302
    assert numbers_in_history(meeting) == []
