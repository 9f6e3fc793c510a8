"""Internal notes and documents of a working group: members and staff only, 404 for everyone else."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.contrib import admin
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory
from django.urls import reverse

from projects.admin_notes import GroupNoteInline
from projects.models import GroupNote, WorkingGroup
from projects.note_views import group_for_member_or_404
from projects.uploads import MAX_UPLOAD_SIZE
from tests.factories import MembershipFactory, PersonFactory, UserFactory, WorkingGroupFactory

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPG = b"\xff\xd8\xff\xe0" + b"\x00" * 32


def zipped(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


DOCX = zipped({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"})
ODT = zipped({"mimetype": b"application/vnd.oasis.opendocument.text", "content.xml": b"<x/>"})


@pytest.fixture
def group(db):
    return WorkingGroupFactory(name="Fritidsbank", slug="fritidsbank")


@pytest.fixture
def member(group):
    user = UserFactory(username="medlem")
    MembershipFactory(working_group=group, person=PersonFactory(name="Mona Medlem", user=user))
    return user


@pytest.fixture
def non_member(group):
    user = UserFactory(username="utanfor")
    other = WorkingGroupFactory(name="Klarspråk", slug="klarsprak")
    MembershipFactory(working_group=other, person=PersonFactory(name="Ulf Utanför", user=user))
    return user


@pytest.fixture
def note(group, member):
    return GroupNote.objects.create(
        working_group=group,
        title="Budget för våren",
        body="Vi har **500 kronor** kvar.",
        attachment=SimpleUploadedFile("budget.pdf", PDF),
        created_by=member,
    )


@pytest.fixture
def as_who(client, member, non_member, staff_user):
    def log_in(who: str):
        users = {"member": member, "non_member": non_member, "staff": staff_user}
        if who in users:
            client.force_login(users[who])
        return client

    return log_in


def note_url(name: str, note: GroupNote) -> str:
    slug = note.working_group.slug
    if name == "projects:note_document":
        return reverse(name, args=[slug, note.pk])
    return reverse(name, args=[slug])


@pytest.mark.parametrize(
    ("who", "status"),
    [("anonymous", 404), ("non_member", 404), ("member", 200), ("staff", 200)],
)
@pytest.mark.parametrize(
    "url_name", ["projects:notes", "projects:note_add", "projects:note_document"]
)
def test_only_members_and_staff_reach_the_notes_pages_everyone_else_gets_404(
    as_who, note, who, status, url_name
):
    response = as_who(who).get(note_url(url_name, note))
    assert response.status_code == status


@pytest.mark.parametrize("who", ["anonymous", "non_member"])
def test_posting_a_note_as_an_outsider_gets_404_and_saves_nothing(as_who, group, who):
    response = as_who(who).post(
        reverse("projects:note_add", args=[group.slug]), {"title": "Intrång", "body": "x"}
    )
    assert response.status_code == 404
    assert not GroupNote.objects.exists()


def test_a_user_without_a_linked_person_gets_404(client, note):
    client.force_login(UserFactory(username="utan-person"))
    assert client.get(note_url("projects:notes", note)).status_code == 404


def test_a_missing_group_answers_404_even_to_staff(staff_client):
    response = staff_client.get(reverse("projects:notes", args=["finns-inte"]))
    assert response.status_code == 404


def test_a_note_of_another_group_is_not_found_under_this_group(client, member, note):
    other_group = WorkingGroupFactory(slug="annan-grupp")
    other_note = GroupNote.objects.create(
        working_group=other_group, title="Annan", attachment=SimpleUploadedFile("a.pdf", PDF)
    )
    client.force_login(member)
    url = reverse("projects:note_document", args=[note.working_group.slug, other_note.pk])
    assert client.get(url).status_code == 404
    url = reverse("projects:note_document", args=[other_group.slug, other_note.pk])
    assert client.get(url).status_code == 404


def test_the_membership_rule_lives_in_one_helper(member, non_member, staff_user, group):
    from django.http import Http404

    assert group_for_member_or_404(member, group.slug) == group
    assert group_for_member_or_404(staff_user, group.slug) == group
    with pytest.raises(Http404):
        group_for_member_or_404(non_member, group.slug)


def test_the_list_renders_markdown_newest_first_and_is_not_cached(client, member, note):
    GroupNote.objects.create(working_group=note.working_group, title="Nyaste anteckningen")
    client.force_login(member)
    response = client.get(note_url("projects:notes", note))
    html = response.content.decode()
    assert "<strong>500 kronor</strong>" in html
    assert html.index("Nyaste anteckningen") < html.index("Budget för våren")
    assert "Mona Medlem" in html
    assert note_url("projects:note_document", note) in html
    assert "no-store" in response["Cache-Control"]


def test_the_list_is_paginated(client, member, group):
    for number in range(25):
        GroupNote.objects.create(working_group=group, title=f"Anteckning {number:02}")
    client.force_login(member)
    url = reverse("projects:notes", args=[group.slug])
    first = client.get(url).content.decode()
    second = client.get(url, {"page": 2}).content.decode()
    assert "Anteckning 24" in first and "Anteckning 00" not in first
    assert "Anteckning 00" in second and "Anteckning 24" not in second


def test_the_document_is_downloaded_as_an_attachment_with_a_safe_name(client, member, note):
    client.force_login(member)
    response = client.get(note_url("projects:note_document", note))
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="budget-for-varen.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "private" in response["Cache-Control"]


def test_the_document_has_no_public_address(client, note):
    assert client.get(note.attachment.url).status_code == 404


def test_a_note_without_a_document_has_no_download(client, member, group):
    plain = GroupNote.objects.create(working_group=group, title="Bara text")
    client.force_login(member)
    assert client.get(note_url("projects:note_document", plain)).status_code == 404


def post_note(client, group, upload=None, **data):
    payload = {"title": "Protokoll från träffen", "body": "- punkt ett", **data}
    if upload is not None:
        payload["attachment"] = upload
    return client.post(reverse("projects:note_add", args=[group.slug]), payload)


def test_a_member_adds_a_note_with_a_document_and_is_told_so(client, member, group):
    client.force_login(member)
    response = post_note(client, group, SimpleUploadedFile("../../Mitt hemliga namn.pdf", PDF))
    assert response.status_code == 302
    assert response["Location"] == reverse("projects:notes", args=[group.slug])
    note = GroupNote.objects.get()
    assert note.working_group == group
    assert note.created_by == member
    assert note.attachment.name.startswith("group-notes/")
    assert note.attachment.name.endswith(".pdf")
    assert "hemliga" not in note.attachment.name and ".." not in note.attachment.name
    assert [m.level_tag for m in get_messages(response.wsgi_request)] == ["success"]


def test_staff_add_a_note_without_a_document(staff_client, group):
    response = post_note(staff_client, group)
    assert response.status_code == 302
    assert not GroupNote.objects.get().attachment


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("a.pdf", PDF),
        ("b.DOCX", DOCX),
        ("c.odt", ODT),
        ("d.txt", "Hej på er!".encode()),
        ("e.jpeg", JPG),
        ("f.png", PNG),
    ],
)
def test_common_document_types_are_accepted(client, member, group, name, content):
    client.force_login(member)
    assert post_note(client, group, SimpleUploadedFile(name, content)).status_code == 302
    assert GroupNote.objects.count() == 1


def test_a_file_over_10_mb_is_refused_and_nothing_is_saved(client, member, group):
    client.force_login(member)
    too_big = SimpleUploadedFile("stor.pdf", PDF + b"0" * (MAX_UPLOAD_SIZE + 1 - len(PDF)))
    response = post_note(client, group, too_big)
    assert response.status_code == 200
    assert "attachment" in response.context["form"].errors
    assert response.context["form"].errors.as_data()["attachment"][0].code == "too_big"
    assert not GroupNote.objects.exists()
    assert [m.level_tag for m in get_messages(response.wsgi_request)] == ["error"]


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("program.exe", b"MZ\x90\x00", "wrong_type"),
        ("sida.html", b"<script>alert(1)</script>", "wrong_type"),
        ("utan-andelse", PDF, "wrong_type"),
        ("forklatt.pdf", b"MZ\x90\x00 not a pdf", "wrong_content"),
        ("forklatt.docx", b"PK\x03\x04 broken", "wrong_content"),
        ("forklatt.odt", DOCX, "wrong_content"),
        ("bild.png", JPG, "wrong_content"),
        ("binar.txt", b"\x00\x01\x02", "wrong_content"),
    ],
)
def test_a_wrong_kind_of_file_is_refused_and_nothing_is_saved(
    client, member, group, name, content, code
):
    client.force_login(member)
    response = post_note(client, group, SimpleUploadedFile(name, content))
    assert response.status_code == 200
    assert response.context["form"].errors.as_data()["attachment"][0].code == code
    assert not GroupNote.objects.exists()


@pytest.mark.parametrize(
    ("who", "shown"),
    [("anonymous", False), ("non_member", False), ("member", True), ("staff", True)],
)
def test_the_group_page_link_to_the_notes_is_shown_only_to_members_and_staff(
    client, group, member, non_member, staff_user, who, shown
):
    users = {"member": member, "non_member": non_member, "staff": staff_user}
    if who in users:
        client.force_login(users[who])
    html = client.get(group.get_absolute_url()).content.decode()
    assert (reverse("projects:notes", args=[group.slug]) in html) is shown


def test_the_admin_inline_links_the_document_through_the_members_page(note, superuser):
    inline = GroupNoteInline(WorkingGroup, admin.site)
    assert note_url("projects:note_document", note) in inline.document_link(note)
    request = RequestFactory().get("/")
    request.user = superuser
    formset = inline.get_formset(request, note.working_group)(instance=note.working_group)
    html = str(formset.forms[0]["attachment"])
    assert note.attachment.url not in html


def admin_note_formset(inline, user, group, upload):
    request = RequestFactory().post("/")
    request.user = user
    formset_class = inline.get_formset(request, group)
    prefix = formset_class.get_default_prefix()
    data = {
        f"{prefix}-TOTAL_FORMS": "1",
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-0-title": "Från personalen",
        f"{prefix}-0-body": "",
    }
    return formset_class(data, {f"{prefix}-0-attachment": upload}, instance=group, prefix=prefix)


def test_the_admin_inline_checks_uploads_and_records_the_writer(group, superuser):
    inline = GroupNoteInline(WorkingGroup, admin.site)
    refused = admin_note_formset(inline, superuser, group, SimpleUploadedFile("x.exe", b"MZ"))
    assert not refused.is_valid()
    accepted = admin_note_formset(inline, superuser, group, SimpleUploadedFile("x.pdf", PDF))
    assert accepted.is_valid(), accepted.errors
    accepted.save()
    assert GroupNote.objects.get().created_by == superuser


def test_deleting_a_note_in_the_admin_removes_its_document_once_committed(
    note, superuser, django_capture_on_commit_callbacks
):
    inline = GroupNoteInline(WorkingGroup, admin.site)
    request = RequestFactory().post("/")
    request.user = superuser
    formset_class = inline.get_formset(request, note.working_group)
    prefix = formset_class.get_default_prefix()
    data = {
        f"{prefix}-TOTAL_FORMS": "1",
        f"{prefix}-INITIAL_FORMS": "1",
        f"{prefix}-0-id": str(note.pk),
        f"{prefix}-0-working_group": str(note.working_group.pk),
        f"{prefix}-0-title": note.title,
        f"{prefix}-0-body": note.body,
        f"{prefix}-0-DELETE": "on",
    }
    formset = formset_class(data, {}, instance=note.working_group, prefix=prefix)
    assert formset.is_valid(), formset.errors
    storage, name = note.attachment.storage, note.attachment.name
    assert storage.exists(name)
    with django_capture_on_commit_callbacks(execute=True):
        formset.save()
        assert storage.exists(name)  # a save that still rolls back keeps its document
    assert not GroupNote.objects.exists()
    assert not storage.exists(name)


def test_replacing_a_document_removes_the_old_file_once_committed(
    note, django_capture_on_commit_callbacks
):
    from projects.note_views import GroupNoteForm

    storage, old_name = note.attachment.storage, note.attachment.name
    form = GroupNoteForm(
        {"title": note.title, "body": note.body},
        {"attachment": SimpleUploadedFile("ny.png", PNG)},
        instance=note,
    )
    assert form.is_valid(), form.errors
    with django_capture_on_commit_callbacks(execute=True):
        form.save()
        assert storage.exists(old_name)  # a save that still rolls back keeps its document
    note.refresh_from_db()
    assert note.attachment.name.endswith(".png")
    assert storage.exists(note.attachment.name)
    assert not storage.exists(old_name)
