"""Publishing through the policy: preconditions, the publish page with its preview, the
names page, and the guard around every admin write to a published protocol."""

import datetime

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from meetings import policy
from meetings.models import AgendaItem, Meeting, ShownName
from meetings.services import meeting_create_next, protocol_publish
from people.models import PublicationLevel
from tests.factories import (
    ActionItemFactory,
    AffiliationFactory,
    AgendaItemFactory,
    AttendanceFactory,
    MeetingFactory,
    MeetingSeriesFactory,
    PersonFactory,
    UserFactory,
)
from tests.meetings.admin_forms import change_form_data, change_url, set_row

pytestmark = pytest.mark.django_db


def ready(**kwargs) -> Meeting:
    """A protocol that may be published: held, approved, someone present, one item."""
    meeting = MeetingFactory(approved=True, **kwargs)
    AttendanceFactory(meeting=meeting)
    AgendaItemFactory(meeting=meeting, order=1, title="Lokaler", body="Vi pratade om lokaler.")
    return meeting


def publish_url(meeting) -> str:
    return reverse("admin:meetings_meeting_publish", args=[meeting.pk])


def names_url(meeting) -> str:
    return reverse("admin:meetings_meeting_names", args=[meeting.pk])


@pytest.fixture
def totte():
    person = PersonFactory(
        name="Torbjörn Ek", aliases="Totte", publication_level=PublicationLevel.INITIALS
    )
    AffiliationFactory(person=person, role="brukarutvecklare")
    return person


# --- Preconditions, by the service, the publish page and the bulk action ----------------


def future_meeting():
    return ready(date=timezone.localdate() + datetime.timedelta(days=23))


def unapproved_meeting():
    meeting = ready()
    Meeting.objects.filter(pk=meeting.pk).update(
        protocol_state=Meeting.ProtocolState.DRAFT, approved_by=None, approved_on=None
    )
    return meeting


PRECONDITIONS = [
    pytest.param(future_meeting, "Mötet har inte hållits än", id="future"),
    pytest.param(unapproved_meeting, "Protokollet är inte justerat", id="unapproved"),
]


@pytest.mark.parametrize(("make", "message"), PRECONDITIONS)
def test_the_service_refuses_to_publish(make, message, staff_user):
    meeting = make()
    with pytest.raises(ValidationError) as error:
        protocol_publish(meeting=meeting, by=staff_user)
    assert any(text.startswith(message) for text in error.value.messages)
    meeting.refresh_from_db()
    assert not meeting.is_published


@pytest.mark.parametrize(("make", "message"), PRECONDITIONS)
def test_the_publish_page_refuses_to_publish(make, message, staff_client):
    meeting = make()

    page = staff_client.get(publish_url(meeting))
    assert message in page.content.decode()
    assert 'name="confirm"' not in page.content.decode()  # no button while it is refused

    response = staff_client.post(publish_url(meeting), {"confirm": "yes"}, follow=True)
    assert message in response.content.decode()
    meeting.refresh_from_db()
    assert not meeting.is_published


@pytest.mark.parametrize(("make", "message"), PRECONDITIONS)
def test_the_bulk_action_refuses_each_meeting_and_says_why(make, message, staff_client):
    refused, fine = make(), ready()
    response = staff_client.post(
        reverse("admin:meetings_meeting_changelist"),
        {"action": "publish_protocols", "_selected_action": [refused.pk, fine.pk]},
        follow=True,
    )
    content = response.content.decode()
    assert f"{refused} publicerades inte" in content
    assert message in content
    assert "1 protokoll är publicerat." in content
    refused.refresh_from_db()
    fine.refresh_from_db()
    assert not refused.is_published and fine.is_published


def test_the_publish_page_shows_the_preview_and_publishes_after_the_confirmation(staff_client):
    meeting = ready()

    page = staff_client.get(publish_url(meeting))
    assert page.status_code == 200
    preview_url = reverse("admin:meetings_meeting_preview", args=[meeting.pk])
    assert preview_url in page.content.decode()
    preview = staff_client.get(preview_url)
    assert preview.status_code == 200
    assert "Lokaler" in preview.content.decode()
    assert preview.headers["X-Frame-Options"] == "SAMEORIGIN"

    unconfirmed = staff_client.post(publish_url(meeting), {}, follow=True)
    assert "Kryssa i rutan" in unconfirmed.content.decode()
    meeting.refresh_from_db()
    assert not meeting.is_published

    done = staff_client.post(publish_url(meeting), {"confirm": "yes"}, follow=True)
    assert "Protokollet är publicerat." in done.content.decode()
    meeting.refresh_from_db()
    assert meeting.is_published


def test_the_preview_names_people_as_the_public_will_see_them(staff_client, totte):
    meeting = ready()
    item = meeting.agenda_items.get()
    item.body = f"{policy.mention(totte.pk)} berättar om lokalerna."
    item.save()

    preview = staff_client.get(reverse("admin:meetings_meeting_preview", args=[meeting.pk]))

    content = preview.content.decode()
    assert "T. E. berättar om lokalerna." in content
    assert "Torbjörn" not in content and "Totte" not in content


def test_publishing_needs_the_publish_permission(client, staff_user):
    meeting = ready()
    staff_user.user_permissions.remove(Permission.objects.get(codename="publish_meeting"))
    client.force_login(staff_user)

    assert client.get(publish_url(meeting)).status_code == 403
    assert client.post(publish_url(meeting), {"confirm": "yes"}).status_code == 403
    meeting.refresh_from_db()
    assert not meeting.is_published


def test_the_meeting_page_links_to_the_check_and_the_names(staff_client):
    meeting = ready()
    content = staff_client.get(change_url(meeting)).content.decode()
    assert publish_url(meeting) in content
    assert names_url(meeting) in content


def test_a_missing_meeting_answers_404_on_the_staff_pages(staff_client):
    for name in ("publish", "preview", "names"):
        url = reverse(f"admin:meetings_meeting_{name}", args=[999999])
        assert staff_client.get(url).status_code == 404


# --- Names in free text -------------------------------------------------------------------


def test_an_alias_in_the_text_stops_publishing_until_it_is_linked(staff_client, totte):
    meeting = ready()
    item = meeting.agenda_items.get()
    item.body = "Totte berättar om fritidsbanken. Tottes idé var bra."
    item.save()

    with pytest.raises(ValidationError) as error:
        protocol_publish(meeting=meeting, by=None)
    assert "”Totte”" in " ".join(error.value.messages)

    page = staff_client.get(names_url(meeting)).content.decode()
    assert "Totte" in page and "Koppla till Torbjörn Ek" in page
    response = staff_client.post(
        names_url(meeting), {"action": "link", "word": "Totte", "person": totte.pk}, follow=True
    )
    assert "Besökare ser ”T. E.”" in response.content.decode()

    item.refresh_from_db()
    token = policy.mention(totte.pk)
    assert item.body == f"{token} berättar om fritidsbanken. {token}:s idé var bra."
    protocol_publish(meeting=meeting, by=None)
    public = staff_client.get(meeting.get_absolute_url()).content.decode()
    assert "T. E. berättar om fritidsbanken. T. E.:s idé var bra." in public


def test_staff_may_confirm_that_a_word_is_not_the_person(staff_client, totte):
    meeting = ready()
    AgendaItemFactory(meeting=meeting, order=2, title="Ek", body="Totte är ett smeknamn.")

    staff_client.post(names_url(meeting), {"action": "confirm", "word": "Totte"})

    assert ShownName.objects.filter(meeting=meeting, text="Totte").exists()
    assert policy.problem_messages(policy.text_problems(meeting)) == []
    protocol_publish(meeting=meeting, by=None)


def test_a_view_only_staff_member_cannot_link_or_confirm_names(client, totte):
    meeting = ready()
    AgendaItemFactory(meeting=meeting, order=2, body="Totte kom.")
    viewer = UserFactory(is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_meeting"))
    client.force_login(viewer)

    assert client.get(names_url(meeting)).status_code == 200
    response = client.post(
        names_url(meeting), {"action": "link", "word": "Totte", "person": totte.pk}
    )
    assert response.status_code == 403
    assert AgendaItem.objects.get(meeting=meeting, order=2).body == "Totte kom."


def test_saving_a_draft_with_a_name_warns_at_once(staff_client, totte):
    meeting = ready()
    data = change_form_data(staff_client, meeting)
    set_row(data, "agenda_items", meeting.agenda_items.get(), body="Totte visade runt.")

    response = staff_client.post(change_url(meeting), data, follow=True)

    content = response.content.decode()
    assert "nämner ”Totte”" in content
    assert names_url(meeting) in content
    assert meeting.agenda_items.get().body == "Totte visade runt."  # a draft is saved


# --- The guard around admin writes to a published protocol -------------------------------


def test_a_refused_change_to_a_published_protocol_keeps_what_was_typed(staff_client):
    meeting = ready()
    protocol_publish(meeting=meeting, by=None)
    item = meeting.agenda_items.get()
    data = change_form_data(staff_client, meeting)
    data["theme"] = "Ett nytt tema som någon skrev"
    set_row(data, "agenda_items", item, body="Ring 19811218-9877 om saken.")

    response = staff_client.post(change_url(meeting), data)

    assert response.status_code == 200
    content = response.content.decode()
    assert "fältet ”text” innehåller något som ser ut som ett personnummer" in content
    assert "Ett nytt tema som någon skrev" in content  # nothing typed is lost
    assert "Ring 19811218-9877 om saken." in content
    meeting.refresh_from_db()
    item.refresh_from_db()
    assert meeting.theme == "" and item.body == "Vi pratade om lokaler."
    assert meeting.is_published


def test_a_clean_change_to_a_published_protocol_is_saved(staff_client):
    meeting = ready()
    protocol_publish(meeting=meeting, by=None)
    data = change_form_data(staff_client, meeting)
    set_row(data, "agenda_items", meeting.agenda_items.get(), body="Rättat stavfel.")

    response = staff_client.post(change_url(meeting), data)

    assert response.status_code == 302
    assert meeting.agenda_items.get().body == "Rättat stavfel."


def test_deleting_the_last_item_of_a_published_protocol_is_refused(staff_client):
    meeting = ready()
    protocol_publish(meeting=meeting, by=None)
    item = meeting.agenda_items.get()

    response = staff_client.post(
        reverse("admin:meetings_agendaitem_delete", args=[item.pk]), {"post": "yes"}, follow=True
    )

    assert "Protokollet har inga punkter." in response.content.decode()
    assert AgendaItem.objects.filter(pk=item.pk).exists()


def test_a_script_change_runs_in_the_guard_and_rolls_back(totte):
    meeting = ready()
    protocol_publish(meeting=meeting, by=None)
    item = meeting.agenda_items.get()

    with (
        pytest.raises(policy.ProtocolChangeRefused),
        transaction.atomic(),
        policy.protocol_guard(),
    ):
        item.body = "Totte tycker till."
        item.save()

    item.refresh_from_db()
    assert item.body == "Vi pratade om lokaler."


def test_a_problem_already_there_does_not_block_other_corrections(totte):
    meeting = ready()
    protocol_publish(meeting=meeting, by=None)
    AgendaItem.objects.filter(meeting=meeting).update(body="Totte tycker till.")  # legacy text

    with transaction.atomic(), policy.protocol_guard():
        meeting.theme = "Rättat tema"
        meeting.save()

    meeting.refresh_from_db()
    assert meeting.theme == "Rättat tema"


# --- The next meeting ------------------------------------------------------------------------


def test_the_next_meeting_copies_nothing_from_an_unpublished_protocol(totte):
    series = MeetingSeriesFactory()
    draft = MeetingFactory(series=series, date=datetime.date(2017, 1, 9))
    ActionItemFactory(meeting=draft, text="Hemlig uppgift om Totte").assigned_people.add(totte)
    AgendaItemFactory(meeting=draft, order=2, kind="tabled", title="Hemlig bordlagd")

    meeting = meeting_create_next(series=series, today=datetime.date(2017, 1, 10))

    body = meeting.agenda_items.get().body
    assert "Hemlig" not in body and "Totte" not in body
    assert body == "Inga öppna uppgifter och inga bordlagda punkter."


def test_removing_a_number_offers_to_purge_it_from_the_history(staff_client):
    meeting = ready()
    item = meeting.agenda_items.get()
    data = change_form_data(staff_client, meeting)
    set_row(data, "agenda_items", item, body="Ring 811218-9876.")
    staff_client.post(change_url(meeting), data)  # a draft: saved, with a warning

    data = change_form_data(staff_client, meeting)
    set_row(data, "agenda_items", item, body="Ring henne.")
    response = staff_client.post(change_url(meeting), data, follow=True)

    content = response.content.decode()
    assert "Tidigare versioner i historiken innehåller fortfarande" in content
    assert reverse("admin:meetings_meeting_history", args=[meeting.pk]) in content


def test_a_number_typed_into_a_persons_name_or_role_never_reaches_a_page():
    person = PersonFactory(name="Anna 811218-9876", publication_level=PublicationLevel.FULL_NAME)
    AffiliationFactory(person=person, role="kontakt 19811218-9877")
    assert policy.person_public_name(person) == "Anna [personnummer borttaget]"
    person.publication_level = PublicationLevel.ROLE_AND_ORGANISATION
    assert "9877" not in policy.person_public_name(person)


def test_moving_an_item_with_a_number_into_a_published_protocol_is_refused(staff_client):
    published, draft = ready(), ready()
    protocol_publish(meeting=published, by=None)
    item = AgendaItemFactory(meeting=draft, order=5, title="Kontakt", body="Ring 811218-9877.")
    url = reverse("admin:meetings_agendaitem_change", args=[item.pk])
    data = {
        "meeting": published.pk,
        "order": 5,
        "level": 1,
        "kind": item.kind,
        "title": item.title,
        "body": item.body,
    }

    response = staff_client.post(url, data)

    assert response.status_code == 200
    assert "personnummer" in response.content.decode()
    item.refresh_from_db()
    assert item.meeting == draft


@pytest.mark.parametrize(
    "body",
    [
        "Tottes förslag antogs.",
        "__Totte__ kom i tid.",
        "_Totte_ kom i tid.",
        "&#84;otte kom.",
        "To**tte** kom.",
        "Torbjörns förslag antogs.",
    ],
)
def test_a_name_in_any_written_form_stops_publishing(body, totte):
    meeting = ready()
    AgendaItemFactory(meeting=meeting, order=2, body=body)

    with pytest.raises(ValidationError) as error:
        protocol_publish(meeting=meeting, by=None)

    assert "nämner" in " ".join(error.value.messages)
    meeting.refresh_from_db()
    assert not meeting.is_published


def test_a_name_inside_another_word_is_not_a_name(totte):
    meeting = ready()
    AgendaItemFactory(meeting=meeting, order=2, body="Tottenham och Ekonomi, Torbjörn-stigen.")
    assert policy.problem_messages(policy.text_problems(meeting)) == []
