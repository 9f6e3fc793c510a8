"""A disk that is full, or a media folder that cannot be written, on an upload: the user
gets a clear form error, and neither a row nor a (partial) file remains.

The fault is the kernel's own: the process's file size limit (RLIMIT_FSIZE) is lowered
to LIMIT for the request, with SIGXFSZ ignored, so a write past LIMIT bytes fails with
EFBIG halfway through the document, as a full disk fails with ENOSPC. The in-memory
SQLite database and PostgreSQL (another process) write no file of this process, so the
database goes on working meanwhile.
"""

from __future__ import annotations

import errno
import os
import resource
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import SimpleUploadedFile, TemporaryUploadedFile
from django.db import connection
from django.urls import reverse

from config.storage import MediaStorage
from projects.models import GroupNote
from tests.factories import MembershipFactory, PersonFactory, UserFactory, WorkingGroupFactory
from tests.meetings.admin_forms import add_row, admin_change_data

pytestmark = pytest.mark.django_db

LIMIT = 64 * 1024
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
# A valid PDF as check_document sees it, four times the limit: the write fails partway.
BIG_PDF = PDF + b"0" * (4 * LIMIT)

NO_ROOM = (
    "Dokumentet kunde inte sparas: servern har inte plats för det just nu. "
    "Ingenting sparades. Försök igen senare, eller hör av dig till personalen."
)
FAULT = (
    "Dokumentet kunde inte sparas på grund av ett fel på servern. "
    "Ingenting sparades. Försök igen senare, eller hör av dig till personalen."
)


def use_media_storage(settings, folder: Path) -> Path:
    """The production storage (tests use InMemoryStorage) on a folder of the test's own."""
    folder.mkdir(exist_ok=True)
    settings.MEDIA_ROOT = str(folder)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "config.storage.MediaStorage", "OPTIONS": {"location": folder}},
    }
    return folder


def files_in(folder: Path) -> list[str]:
    """Every file under ``folder`` (empty folders do not count), with its size."""
    return sorted(
        f"{path.relative_to(folder)} ({path.stat().st_size} bytes)"
        for path in folder.rglob("*")
        if path.is_file()
    )


@pytest.fixture
def media(settings, tmp_path) -> Path:
    return use_media_storage(settings, tmp_path / "media")


@pytest.fixture
def file_size_limit() -> Iterator:
    """``with file_size_limit():`` no file of this process may grow past LIMIT bytes.

    Only the soft limit is lowered, so it can be raised again; SIGXFSZ is ignored so the
    write fails with EFBIG instead of the signal ending the process. Both are restored
    after the block and again after the test, whatever happened.
    """
    # A database in a file would be refused its writes as well.
    assert connection.vendor != "sqlite" or connection.is_in_memory_db()
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    handler = signal.getsignal(signal.SIGXFSZ)
    limit = LIMIT if hard == resource.RLIM_INFINITY else min(LIMIT, hard)

    def restore() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, handler)

    @contextmanager
    def limited() -> Iterator[None]:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, hard))
        try:
            yield
        finally:
            restore()

    yield limited
    restore()


# --- The storage -------------------------------------------------------------------


def temporary_upload(content: bytes) -> TemporaryUploadedFile:
    """An upload as Django keeps a large one: in a temporary file (written before the limit)."""
    upload = TemporaryUploadedFile("stor.pdf", "application/pdf", len(content), None)
    upload.write(content)
    upload.seek(0)
    return upload


@pytest.mark.parametrize(
    "make_content",
    [lambda: ContentFile(BIG_PDF), lambda: temporary_upload(BIG_PDF)],
    ids=["in memory", "temporary file"],
)
def test_the_storage_removes_a_partly_written_file_and_reraises(
    tmp_path, file_size_limit, make_content
):
    storage = MediaStorage(location=tmp_path)
    content = make_content()

    with file_size_limit(), pytest.raises(OSError) as error:
        storage.save("group-notes/2026/stor.pdf", content)

    assert error.value.errno == errno.EFBIG
    assert files_in(tmp_path) == []


def test_without_it_django_would_leave_the_partial_file(tmp_path, file_size_limit):
    # The fault is real: Django's own storage keeps what it wrote before the failure.
    storage = FileSystemStorage(location=tmp_path)

    with file_size_limit(), pytest.raises(OSError):
        storage.save("stor.pdf", ContentFile(BIG_PDF))

    assert files_in(tmp_path) == [f"stor.pdf ({LIMIT} bytes)"]


def test_a_failed_write_never_removes_another_file_of_the_same_name(tmp_path, file_size_limit):
    (tmp_path / "stor.pdf").write_bytes(PDF)
    storage = MediaStorage(location=tmp_path)

    # _save itself, as when another request took the name after get_available_name().
    with file_size_limit(), pytest.raises(OSError):
        storage._save("stor.pdf", ContentFile(BIG_PDF))

    assert files_in(tmp_path) == [f"stor.pdf ({len(PDF)} bytes)"]


def test_the_storage_saves_whole_files_under_a_free_name(tmp_path):
    (tmp_path / "stor.pdf").write_bytes(PDF)
    storage = MediaStorage(location=tmp_path, file_permissions_mode=0o640)

    name = storage._save("stor.pdf", temporary_upload(BIG_PDF))

    assert name != "stor.pdf" and name.endswith(".pdf")
    assert (tmp_path / name).read_bytes() == BIG_PDF
    assert (tmp_path / "stor.pdf").read_bytes() == PDF
    assert os.stat(tmp_path / name).st_mode & 0o777 == 0o640


# --- The members' page ---------------------------------------------------------------


@pytest.fixture
def group():
    return WorkingGroupFactory(name="Fritidsbank", slug="fritidsbank")


@pytest.fixture
def member(group):
    user = UserFactory(username="medlem")
    MembershipFactory(working_group=group, person=PersonFactory(name="Mona Medlem", user=user))
    return user


def post_note(client, group, content: bytes):
    return client.post(
        reverse("projects:note_add", args=[group.slug]),
        {
            "title": "Protokoll från träffen",
            "body": "Texten som inte får försvinna",
            "attachment": SimpleUploadedFile("protokoll.pdf", content),
        },
    )


def test_a_member_whose_document_finds_no_room_gets_a_form_error_and_nothing_is_saved(
    client, member, group, media, file_size_limit
):
    client.force_login(member)

    with file_size_limit():
        response = post_note(client, group, BIG_PDF)

    assert response.status_code == 200
    html = response.content.decode()
    assert NO_ROOM in html
    form = response.context["form"]
    assert form.errors.as_data()["attachment"][0].code == "no_room"
    # What the member wrote is still in the form.
    assert form["title"].value() == "Protokoll från träffen"
    assert "Texten som inte får försvinna" in html
    assert not GroupNote.objects.exists()
    assert files_in(media) == []


def test_the_same_document_is_saved_when_there_is_room(client, member, group, media):
    client.force_login(member)

    response = post_note(client, group, BIG_PDF)

    assert response.status_code == 302
    note = GroupNote.objects.get()
    assert (media / note.attachment.name).read_bytes() == BIG_PDF
    assert files_in(media) == [f"{note.attachment.name} ({len(BIG_PDF)} bytes)"]


def test_a_media_folder_that_cannot_be_written_is_a_form_error_too(client, member, group, media):
    # Where the documents' folder should be there is a file: every write fails (as root,
    # a folder without write permission would not stop it).
    (media / "group-notes").write_bytes(b"")
    client.force_login(member)

    response = post_note(client, group, PDF)

    assert response.status_code == 200
    assert FAULT in response.content.decode()
    assert response.context["form"].errors.as_data()["attachment"][0].code == "not_stored"
    assert not GroupNote.objects.exists()
    assert files_in(media) == ["group-notes (0 bytes)"]


# --- The working group's admin page ----------------------------------------------------


def group_url(group) -> str:
    return reverse("admin:projects_workinggroup_change", args=[group.pk])


def group_change_data(client, group) -> dict:
    """What saving the group's admin page unchanged would post."""
    return admin_change_data(client, group_url(group))


def post_group_with_note(client, group, content: bytes, **changes):
    data = group_change_data(client, group) | changes
    add_row(
        data,
        "notes",
        title="Från personalen",
        body="Anteckningen som inte får försvinna",
        attachment=SimpleUploadedFile("protokoll.pdf", content),
    )
    return client.post(group_url(group), data)


def inline_errors(response) -> dict:
    formsets = {fs.formset.prefix: fs.formset for fs in response.context["inline_admin_formsets"]}
    return {
        field: [error.code for error in errors]
        for form in formsets["notes"].forms
        for field, errors in form.errors.as_data().items()
    }


def test_staff_whose_document_finds_no_room_see_the_error_beside_the_note(
    staff_client, group, media, file_size_limit
):
    with file_size_limit():
        response = post_group_with_note(staff_client, group, BIG_PDF, name="Fritidsbanken")

    assert response.status_code == 200
    html = response.content.decode()
    assert NO_ROOM in html
    assert inline_errors(response) == {"attachment": ["no_room"]}
    # The page keeps what was typed; nothing of it is saved.
    assert "Anteckningen som inte får försvinna" in html
    assert response.context["adminform"].form["name"].value() == "Fritidsbanken"
    group.refresh_from_db()
    assert group.name == "Fritidsbank"
    assert not GroupNote.objects.exists()
    assert files_in(media) == []


def test_a_document_stored_for_a_page_that_is_not_saved_is_deleted_again(
    staff_client, group, media
):
    # The note and its document are fine, the group's name is missing: nothing is saved,
    # and the document written while the page was checked does not stay behind.
    response = post_group_with_note(staff_client, group, PDF, name="")

    assert response.status_code == 200
    assert "name" in response.context["adminform"].form.errors
    assert not GroupNote.objects.exists()
    assert files_in(media) == []


def test_staff_add_a_note_with_a_document_when_there_is_room(staff_client, group, media):
    response = post_group_with_note(staff_client, group, BIG_PDF)

    assert response.status_code == 302
    note = GroupNote.objects.get()
    assert note.working_group == group
    assert files_in(media) == [f"{note.attachment.name} ({len(BIG_PDF)} bytes)"]
