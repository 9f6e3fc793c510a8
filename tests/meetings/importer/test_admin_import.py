"""The admin page “Import protocol text”: preview side by side, then one click for a draft."""

from __future__ import annotations

import datetime

import pytest
from django.conf import settings
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from meetings.models import AgendaItem, Attendance, Meeting
from people.models import Person
from tests.factories import MeetingFactory, UserFactory
from tests.meetings.importer.test_command import PROTOCOL
from tests.meetings.importer.test_matching import make_network

pytestmark = pytest.mark.django_db

URL = reverse("admin:meetings_meeting_import")


@pytest.fixture
def network():
    return make_network()


@pytest.fixture
def staff(staff_client):
    staff_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return staff_client


def counts() -> tuple[int, ...]:
    return tuple(m.objects.count() for m in (Meeting, Attendance, AgendaItem, Person))


def test_staff_get_the_form(staff):
    response = staff.get(URL)

    assert response.status_code == 200
    page = response.content.decode()
    assert 'name="text"' in page
    assert 'type="file"' in page
    assert 'name="preview"' in page


def test_the_meeting_list_links_to_the_import_page(staff):
    page = staff.get(reverse("admin:meetings_meeting_changelist")).content.decode()

    assert f'href="{URL}"' in page
    assert "Import protocol text" in page


def test_a_preview_shows_what_would_be_imported_and_writes_nothing(staff, network):
    before = counts()

    response = staff.post(URL, {"text": PROTOCOL, "preview": "1"})

    assert response.status_code == 200
    assert counts() == before
    page = response.content.decode()
    for text in [
        "Lokaler",
        "Stadsbyggnadsförvaltningen",
        "Ledningsgrupp för utveckling",
        "Allan jobbar vidare med frågan.",
        "‘Ivan Kuzhicov’ matched to Ivan Kuzhikov (similar spelling)",
        "Fritidsbank",  # the working group named in "Lokaler"
        'name="create"',
    ]:
        assert text in page, text
    # The original, line by line, beside the result; and the text carried for "create".
    assert "<li>Närvarande</li>" in page
    assert 'type="hidden" name="text"' in page


def test_a_file_can_be_uploaded_in_windows_1252(staff, network):
    upload = SimpleUploadedFile("lg.txt", PROTOCOL.encode("cp1252"), content_type="text/plain")

    response = staff.post(URL, {"file": upload, "preview": "1"})

    page = response.content.decode()
    assert "Original: lg.txt" in page
    assert "Pernilla Kvist" in page
    assert 'name="create"' in page


def test_create_makes_a_draft_and_opens_it(staff, network, staff_user):
    response = staff.post(URL, {"text": PROTOCOL, "file_name": "lg.txt", "create": "1"})

    meeting = Meeting.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("admin:meetings_meeting_change", args=[meeting.pk])
    assert meeting.protocol_state == Meeting.ProtocolState.DRAFT
    assert meeting.attendances.count() == 3
    assert meeting.history.first().history_user == staff_user
    page = staff.get(response.url).content.decode()
    assert "Created a draft protocol for Ledningsgrupp för utveckling" in page


def test_the_series_and_date_can_be_adjusted(staff, network):
    staff.post(
        URL,
        {"text": PROTOCOL, "series": network.ug.pk, "date": "2017-01-30", "create": "1"},
    )

    meeting = Meeting.objects.get()
    assert (meeting.series, meeting.date) == (network.ug, datetime.date(2017, 1, 30))


def test_a_protocol_that_cannot_be_read_is_shown_plainly(staff, network):
    before = counts()

    response = staff.post(
        URL, {"text": PROTOCOL.replace("23 januari 2017", "30 februari 2017"), "create": "1"}
    )

    assert response.status_code == 200
    assert counts() == before
    page = response.content.decode()
    assert "Nothing was written." in page
    assert "line 1:" in page
    assert "does not exist" in page


def test_an_existing_meeting_is_not_imported_again(staff, network):
    MeetingFactory(series=network.lg, date=datetime.date(2017, 1, 23))
    before = counts()

    response = staff.post(URL, {"text": PROTOCOL, "create": "1"})

    assert response.status_code == 200
    assert counts() == before
    page = response.content.decode()
    assert "already has a meeting on" in page
    assert 'name="create"' not in page


def test_an_unknown_series_must_be_chosen(staff, network):
    response = staff.post(
        URL, {"text": PROTOCOL.replace("Gemensam ledningsgrupp", "Styrgruppen"), "create": "1"}
    )

    assert not Meeting.objects.exists()
    assert "No meeting series is called “Styrgruppen”. Choose the series." in (
        response.content.decode()
    )


def test_nothing_to_read_is_an_error(staff, network):
    response = staff.post(URL, {"text": "   ", "preview": "1"})

    assert "Paste the text of the protocol or choose a file." in response.content.decode()


def test_a_non_staff_user_is_sent_to_the_admin_login(client):
    client.force_login(UserFactory(username="brukare"))

    response = client.get(URL)

    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


def test_staff_without_the_add_permission_are_refused(client, network):
    user = UserFactory(username="lasare", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename="view_meeting"))
    client.force_login(user)

    assert client.get(URL).status_code == 403
    assert client.post(URL, {"text": PROTOCOL, "create": "1"}).status_code == 403
    assert not Meeting.objects.exists()


def test_new_people_need_the_permission_to_add_people(client, network):
    user = UserFactory(username="sekr2", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="meetings"))
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    text = PROTOCOL.replace("Allan Hedman", "Ny Person")
    response = client.post(URL, {"text": text, "create": "1"})

    assert response.status_code == 200
    assert not Meeting.objects.exists()
    assert "you may not add them" in response.content.decode()


def test_an_uploaded_file_that_cannot_be_read_comes_back_as_text_to_correct(staff, network):
    bad = PROTOCOL.replace("23 januari 2017", "30 februari 2017")
    upload = SimpleUploadedFile("lg.txt", bad.encode("cp1252"), content_type="text/plain")

    response = staff.post(URL, {"file": upload, "preview": "1"})

    page = response.content.decode()
    assert "lg.txt, line 1:" in page
    assert "Gemensam ledningsgrupp 30 februari 2017" in page  # in the text area
    assert 'name="file_name" value="lg.txt"' in page
    assert not Meeting.objects.exists()
