"""Uploads are checked before anything reads them whole: size, kind, content, zip bombs."""

from __future__ import annotations

import io
import json
import os
import random
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from django import forms
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile, TemporaryUploadedFile
from django.test import RequestFactory
from django.urls import reverse

from projects.models import GroupNote
from projects.uploads import (
    MAX_UPLOAD_SIZE,
    TEXT_CHUNK_SIZE,
    BoundedUploadHandler,
    TooBigUploadedFile,
    check_document,
    read_upload,
)
from tests.factories import MembershipFactory, PersonFactory, UserFactory, WorkingGroupFactory
from tests.projects.upload_requests import admin_note_fields, note_form, refusal
from tests.projects.zipbombs import (
    MB,
    Member,
    docx_bomb,
    odt_bomb,
    odt_with_lying_mimetype,
    odt_with_mimetype_bomb,
    write_zip,
)

GB = 1024 * MB
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def bombs(tmp_path_factory) -> dict[str, Path]:
    """Documents of about 2 MB on disk that unpack to 2 GB each."""
    folder = tmp_path_factory.mktemp("bombs")
    return {
        "bomb.odt": odt_bomb(folder / "bomb.odt", 2 * GB),
        "bomb.docx": docx_bomb(folder / "bomb.docx", 2 * GB),
        "mimetype-bomb.odt": odt_with_mimetype_bomb(folder / "mimetype-bomb.odt", 2 * GB),
        "lying.odt": odt_with_lying_mimetype(folder / "lying.odt", 2 * GB),
    }


@pytest.fixture
def group(db):
    return WorkingGroupFactory(name="Fritidsbank", slug="fritidsbank")


@pytest.fixture
def member_client(client, group):
    user = UserFactory(username="medlem")
    MembershipFactory(working_group=group, person=PersonFactory(name="Mona Medlem", user=user))
    client.force_login(user)
    return client


def upload_from(path: Path, name: str | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name or path.name, path.read_bytes())


def refused_code(upload, **options) -> str:
    with pytest.raises(forms.ValidationError) as refused:
        check_document(upload, **options)
    return refused.value.code


def post_to_members_page(client, group, upload):
    url = reverse("projects:note_add", args=[group.slug])
    return client.post(url, {"title": "Dokumentet", "body": "", "attachment": upload})


def post_to_admin(client, group, upload):
    url = reverse("admin:projects_workinggroup_change", args=[group.pk])
    return client.post(url, {**admin_note_fields(group), "notes-0-attachment": upload})


# --- The bombs are real ------------------------------------------------------------


def test_the_zip_bomb_builder_writes_real_zips(tmp_path, bombs):
    # The same construction as the 2 GB bombs, small enough to unpack here whole:
    # zipfile checks every member's size and CRC as it reads.
    small = odt_bomb(tmp_path / "small.odt", 20 * MB + 7)
    with zipfile.ZipFile(small) as archive:
        for info in archive.infolist():
            with archive.open(info) as member:
                unpacked = sum(len(chunk) for chunk in iter(lambda: member.read(MB), b""))
            assert unpacked == info.file_size
        assert archive.read("mimetype") == b"application/vnd.oasis.opendocument.text"
    for name in ["bomb.odt", "bomb.docx", "mimetype-bomb.odt"]:
        with zipfile.ZipFile(bombs[name]) as archive:
            assert sum(info.file_size for info in archive.infolist()) >= 2 * GB
        assert bombs[name].stat().st_size < 3 * MB


# --- Zip bombs ---------------------------------------------------------------------


@pytest.mark.parametrize("name", ["bomb.odt", "bomb.docx", "mimetype-bomb.odt"])
def test_a_zip_bomb_is_refused_on_the_members_page_with_a_message(
    member_client, group, bombs, name
):
    response = post_to_members_page(member_client, group, upload_from(bombs[name]))
    assert response.status_code == 200
    codes, message_shown = refusal(response)
    assert codes == ["zip_too_big"]
    assert message_shown
    assert not GroupNote.objects.exists()


@pytest.mark.parametrize("name", ["bomb.odt", "bomb.docx"])
def test_a_zip_bomb_is_refused_in_the_admin_with_a_message(staff_client, group, bombs, name):
    response = post_to_admin(staff_client, group, upload_from(bombs[name]))
    assert response.status_code == 200
    codes, message_shown = refusal(response)
    assert codes == ["zip_too_big"]
    assert message_shown
    assert not GroupNote.objects.exists()


def test_the_admin_saves_a_good_document_with_the_same_form(staff_client, group):
    response = post_to_admin(staff_client, group, SimpleUploadedFile("ok.pdf", PDF))
    assert response.status_code == 302
    assert GroupNote.objects.get().attachment.name.endswith(".pdf")


def test_a_member_packed_too_tightly_is_refused(tmp_path):
    # 50 MB of zeros: under the unpacked limit, but packed a thousand times.
    docx = write_zip(
        tmp_path / "tight.docx",
        [Member("[Content_Types].xml", b"<Types/>"), Member("word/document.xml", zeros=50 * MB)],
    )
    assert refused_code(upload_from(docx)) == "zip_ratio"


def test_many_small_members_that_unpack_to_too_much_are_refused(tmp_path):
    # Each member is too small for the ratio to count; together they are 135 MB.
    members = [Member("word/document.xml", b"<w:document/>")]
    members += [Member(f"word/media/part{n}.xml", zeros=900 * 1024) for n in range(150)]
    docx = write_zip(tmp_path / "many.docx", members)
    assert refused_code(upload_from(docx)) == "zip_too_big"


def test_a_zip_with_absurdly_many_members_is_refused(tmp_path):
    members = [Member("word/document.xml", b"<w:document/>")]
    members += [Member(f"word/part{n}.xml", b"<x/>") for n in range(1000)]
    docx = write_zip(tmp_path / "parts.docx", members)
    assert refused_code(upload_from(docx)) == "zip_entries"


def test_a_directory_that_understates_a_member_is_not_believed(bombs):
    # "mimetype" claims 39 bytes, but 2 MB of packed data follow it (2 GB unpacked).
    assert refused_code(upload_from(bombs["lying.odt"])) == "wrong_content"


# --- Kinds and contents ------------------------------------------------------------


def document_text(words: int) -> bytes:
    vocabulary = [
        "möte",
        "protokoll",
        "beslut",
        "grupp",
        "ärende",
        "budget",
        "vår",
        "höst",
        "plats",
        "tid",
    ]
    rng = random.Random(14)
    return " ".join(
        rng.choice(vocabulary) + str(rng.randrange(1000)) for _ in range(words)
    ).encode()


def ordinary_zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "files", "allowed"),
    [
        (
            "rapport.docx",
            {"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"},
            None,
        ),
        (
            "lang-rapport.docx",
            {"[Content_Types].xml": b"<Types/>", "word/document.xml": document_text(400_000)},
            None,
        ),
        (
            "anteckningar.odt",
            {
                "mimetype": b"application/vnd.oasis.opendocument.text",
                "content.xml": document_text(400_000),
            },
            None,
        ),
        ("budget.xlsx", {"xl/workbook.xml": b"<workbook/>"}, {".xlsx"}),
    ],
)
def test_ordinary_documents_are_accepted(name, files, allowed):
    upload = SimpleUploadedFile(name, ordinary_zip(files))
    options = {"allowed": allowed} if allowed else {}
    assert check_document(upload, **options) == Path(name).suffix


def test_the_long_document_really_has_a_large_member():
    # So that the accepted long report above is one the ratio check had to look at.
    content = ordinary_zip({"word/document.xml": document_text(400_000)})
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        assert archive.getinfo("word/document.xml").file_size > 2 * MB


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("rapport.docx", PDF),
        ("rapport.odt", PDF),
        ("rapport.odt", ordinary_zip({"mimetype": b"application/zip", "content.xml": b"<x/>"})),
        ("rapport.docx", ordinary_zip({"content.xml": b"<x/>"})),
        ("kalkyl.pdf", ordinary_zip({"word/document.xml": b"<w:document/>"})),
    ],
)
def test_a_document_whose_content_is_not_what_its_name_says_is_refused(name, content):
    assert refused_code(SimpleUploadedFile(name, content)) == "wrong_content"


def test_a_kind_the_caller_does_not_allow_is_refused():
    xlsx = ordinary_zip({"xl/workbook.xml": b"<workbook/>"})
    assert refused_code(SimpleUploadedFile("budget.xlsx", xlsx)) == "wrong_type"


def test_text_is_read_in_chunks_and_a_character_across_chunks_is_fine():
    # "ö" is two bytes in UTF-8: put it across the boundary between two chunks.
    text = b"a" * (TEXT_CHUNK_SIZE - 1) + "ö".encode() + b" slut\n"
    assert check_document(SimpleUploadedFile("lang.txt", text)) == ".txt"


@pytest.mark.parametrize(
    "tail", [b"\x00", b"\xff\xfe", "ö".encode()[:1]], ids=["nul", "not utf-8", "cut off"]
)
def test_text_that_is_not_utf8_is_refused_even_far_into_the_file(tail):
    text = b"a" * (3 * TEXT_CHUNK_SIZE) + tail
    assert refused_code(SimpleUploadedFile("lang.txt", text)) == "wrong_content"


# --- Size --------------------------------------------------------------------------


def over_the_limit() -> SimpleUploadedFile:
    return SimpleUploadedFile("stor.pdf", PDF + bytes(11 * MB - len(PDF)))


def test_an_over_size_upload_is_refused_on_the_members_page_with_the_size_message(
    member_client, group
):
    response = post_to_members_page(member_client, group, over_the_limit())
    assert response.status_code == 200
    codes, message_shown = refusal(response)
    assert codes == ["too_big"]
    assert message_shown
    assert not GroupNote.objects.exists()
    # The handler kept the name and the real size, not the content.
    kept = response.wsgi_request.FILES["attachment"]
    assert isinstance(kept, TooBigUploadedFile)
    assert kept.size == 11 * MB


def test_an_over_size_upload_is_refused_in_the_admin_with_the_size_message(staff_client, group):
    response = post_to_admin(staff_client, group, over_the_limit())
    assert response.status_code == 200
    codes, message_shown = refusal(response)
    assert codes == ["too_big"]
    assert message_shown
    assert not note_form(response).is_valid()
    assert not GroupNote.objects.exists()


@pytest.mark.parametrize("size", [2 * MB, 11 * MB])
def test_the_importer_refuses_an_over_size_file_with_the_size_message(staff_client, size):
    upload = SimpleUploadedFile("protokoll.txt", b"Lokal grupp\n" * (size // 12 + 1))
    response = staff_client.post(
        reverse("admin:meetings_meeting_import"), {"file": upload, "preview": "1"}
    )
    assert response.status_code == 200
    codes, message_shown = refusal(response, field="file")
    assert codes == ["too_big"]
    assert message_shown
    # Only the size: not also "paste the text or choose a file".
    assert not response.context["form"].non_field_errors()


def test_reading_an_upload_stops_at_the_limit_whatever_its_size_says():
    upload = SimpleUploadedFile("protokoll.txt", b"x" * (2 * MB))
    upload.size = 100  # a size that lies
    with pytest.raises(forms.ValidationError) as refused:
        read_upload(upload, max_size=MB)
    assert refused.value.code == "too_big"
    small = SimpleUploadedFile("protokoll.txt", b"Lokal grupp\n")
    assert read_upload(small, max_size=MB) == b"Lokal grupp\n"


def parsed_upload(size: int):
    """A real multipart request with one file of ``size`` bytes, parsed by the handlers
    in settings; returns the uploaded file and the handler that kept it on disk."""
    request = RequestFactory().post(
        "/", {"attachment": SimpleUploadedFile("stor.pdf", PDF + bytes(size - len(PDF)))}
    )
    uploaded = request.FILES["attachment"]
    (bounded,) = [h for h in request.upload_handlers if isinstance(h, BoundedUploadHandler)]
    return uploaded, bounded


def test_the_upload_handler_keeps_nothing_of_a_file_past_the_limit():
    assert "projects.uploads.BoundedUploadHandler" in settings.FILE_UPLOAD_HANDLERS
    uploaded, handler = parsed_upload(30 * MB)
    assert isinstance(uploaded, TooBigUploadedFile)
    assert uploaded.size == 30 * MB
    assert uploaded.read() == b""
    # The part stored before the limit was passed is gone from the disk.
    assert not os.path.exists(handler.file.temporary_file_path())


def test_the_upload_handler_keeps_a_file_of_exactly_the_limit_whole():
    uploaded, _ = parsed_upload(MAX_UPLOAD_SIZE)
    assert isinstance(uploaded, TemporaryUploadedFile)
    assert uploaded.size == MAX_UPLOAD_SIZE
    assert os.path.getsize(uploaded.temporary_file_path()) == MAX_UPLOAD_SIZE
    assert check_document(uploaded) == ".pdf"


# --- Memory of the worker ----------------------------------------------------------


def test_a_worker_taking_zip_bombs_and_a_2_gb_post_stays_under_300_mb(bombs):
    """A fresh Django process takes each bomb and a 2 GB file on the members' page and
    in the admin, then prints its own peak memory: VmHWM, since ru_maxrss would carry
    pytest's own size over into the child (see upload_memory_child.py)."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "DELAKTIG_TEST_DATABASE", "DJANGO_SETTINGS_MODULE"}
    }
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "tests.projects.upload_memory_child",
            str(2 * GB),
            *(f"{name}={path}" for name, path in bombs.items()),
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    report = json.loads(completed.stdout.strip().splitlines()[-1])
    expected = {
        "bomb.odt": "zip_too_big",
        "bomb.docx": "zip_too_big",
        "mimetype-bomb.odt": "zip_too_big",
        "lying.odt": "wrong_content",
        "oversize.pdf": "too_big",
    }
    refused = {(r["path"], r["file"]): r for r in report["results"]}
    assert set(refused) == {(path, name) for path in ["members", "admin"] for name in expected}
    for (_, name), result in refused.items():
        assert result["status"] == 200, result
        assert result["codes"] == [expected[name]], result
        assert result["message_shown"], result
        assert result["notes_saved"] == 0, result
    print(f"worker peak memory: {report['peak_kb'] // 1024} MB")
    assert report["peak_kb"] < 300 * 1024


def test_a_request_with_more_than_10_files_is_refused_before_they_are_stored(member_client, group):
    def pdfs(count: int) -> list[SimpleUploadedFile]:
        return [SimpleUploadedFile(f"{n}.pdf", PDF) for n in range(count)]

    assert post_to_members_page(member_client, group, pdfs(11)).status_code == 400
    assert not GroupNote.objects.exists()
    # Ten are allowed in a request (the form takes one of them).
    assert post_to_members_page(member_client, group, pdfs(10)).status_code == 302
