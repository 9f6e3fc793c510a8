"""Internal notes and documents of a working group: only its members and staff see them.

Everyone else gets 404, exactly as for a group that does not exist, so that the pages
do not even reveal that a group has notes. Documents are served through Django, never
from a public URL.

A note is saved whole or not at all: its document is written while the form is checked,
so that a full disk is a form error (projects/uploads.py), and a file whose note is not
saved after all is deleted again.
"""

from __future__ import annotations

import uuid
from functools import partial

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache

from .models import GroupNote, WorkingGroup
from .uploads import (
    DOCUMENT_TYPES,
    check_document,
    document_extension,
    store_upload,
    uploads_kept_only_if_saved,
)

NOTES_PER_PAGE = 20


def groups_with_notes_visible_to(user) -> QuerySet[WorkingGroup]:
    """The one rule: staff see the notes of every group, a member those of their own groups."""
    if not user.is_authenticated or not user.is_active:
        return WorkingGroup.objects.none()
    if user.is_staff:
        return WorkingGroup.objects.all()
    return WorkingGroup.objects.filter(memberships__person__user=user)


def group_for_member_or_404(user, slug: str) -> WorkingGroup:
    """The group, if ``user`` is a member or staff; otherwise 404, as for a missing group."""
    return get_object_or_404(groups_with_notes_visible_to(user), slug=slug)


# --- Uploads -----------------------------------------------------------------------


class PrivateFileInput(forms.ClearableFileInput):
    """Shows the current file's name without a link: the file has no public address."""

    template_name = "projects/groupnote_file_input.html"


class GroupNoteForm(forms.ModelForm):
    """A note with an optional document. Used on the members' page and in the admin."""

    class Meta:
        model = GroupNote
        fields = ["title", "body", "attachment"]
        widgets = {
            "attachment": PrivateFileInput(attrs={"accept": ",".join(DOCUMENT_TYPES)}),
        }
        help_texts = {
            "body": gettext_lazy(
                "Start a line with “-” to make a list. Write **word** for bold text."
            ),
            "attachment": gettext_lazy(
                "Optional. PDF, Word (docx), OpenDocument (odt), text (txt), JPG or PNG, "
                "at most 10 MB."
            ),
        }

    def clean_attachment(self):
        upload = self.cleaned_data.get("attachment")
        # Nothing new uploaded: keep (or clear) what is there.
        if not upload or not hasattr(upload, "content_type"):
            return upload
        extension = check_document(upload)
        # The name someone typed is never used on the server.
        upload.name = f"{uuid.uuid4().hex}{extension}"
        return upload

    def _post_clean(self) -> None:
        super()._post_clean()  # the upload is now on the instance, not yet written
        if not self.errors:
            # Written now, while a failed write can still be shown as a form error.
            # The view (or the admin) deletes it again if the note is not saved.
            store_upload(self, "attachment")

    def save(self, commit: bool = True) -> GroupNote:
        old_name = ""
        if self.instance.pk and "attachment" in self.changed_data:
            old_name = (
                GroupNote.objects.filter(pk=self.instance.pk)
                .values_list("attachment", flat=True)
                .first()
                or ""
            )
        note = super().save(commit=commit)
        if commit and old_name and old_name != note.attachment.name:
            # A replaced or cleared document must not stay behind on the disk; but only
            # once the change is committed: a rolled-back save still points to it.
            transaction.on_commit(partial(note.attachment.storage.delete, old_name), robust=True)
        return note


def document_download_name(note: GroupNote) -> str:
    extension = document_extension(note.attachment.name)
    return f"{slugify(note.title) or 'dokument'}{extension}"


# --- Views -------------------------------------------------------------------------


@never_cache
def note_list(request: HttpRequest, slug: str) -> HttpResponse:
    group = group_for_member_or_404(request.user, slug)
    notes = group.notes.select_related("created_by__person").order_by("-created_at", "-pk")
    page = Paginator(notes, NOTES_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "projects/groupnote_list.html",
        {"group": group, "page_obj": page, "notes": page.object_list},
    )


@never_cache
@uploads_kept_only_if_saved()  # outside the transaction: sees whether the note was saved
def note_add(request: HttpRequest, slug: str) -> HttpResponse:
    group = group_for_member_or_404(request.user, slug)
    if request.method == "POST":
        form = GroupNoteForm(request.POST, request.FILES)
        if form.is_valid():
            form.instance.working_group = group
            form.instance.created_by = request.user
            with transaction.atomic():  # the note and what its save writes besides
                note = form.save()
            messages.success(request, _("The note “%(title)s” is saved.") % {"title": note.title})
            return redirect("projects:notes", slug=group.slug)
        messages.error(request, _("The note was not saved. Look at the fields marked in red."))
    else:
        form = GroupNoteForm()
    return render(request, "projects/groupnote_form.html", {"group": group, "form": form})


@never_cache
def note_document(request: HttpRequest, slug: str, pk: int) -> FileResponse:
    group = group_for_member_or_404(request.user, slug)
    note = get_object_or_404(GroupNote, working_group=group, pk=pk)
    if not note.attachment:
        raise Http404
    try:
        document = note.attachment.open("rb")
    except (FileNotFoundError, OSError) as error:
        raise Http404 from error
    extension = document_extension(note.attachment.name)
    response = FileResponse(
        document,
        as_attachment=True,
        filename=document_download_name(note),
        content_type=DOCUMENT_TYPES.get(extension, "application/octet-stream"),
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
