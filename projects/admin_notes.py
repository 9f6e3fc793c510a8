"""Internal notes in the admin, as an inline of the working group.

Add to projects/admin.py::

    from .admin_notes import GroupNoteDocumentsAdminMixin, GroupNoteInline

    class WorkingGroupAdmin(GroupNoteDocumentsAdminMixin, HistoryAdmin):
        inlines = [MembershipInline, GroupNoteInline]

A document is written while the page is checked (projects/uploads.py), so that a full
disk shows as an error beside the note and the page keeps what staff typed. The mixin
deletes such a file again when the page is not saved after all.
"""

from __future__ import annotations

from functools import partial

from django.contrib import admin
from django.db import transaction
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from .models import GroupNote
from .note_views import GroupNoteForm
from .uploads import uploads_kept_only_if_saved


class GroupNoteDocumentsAdminMixin:
    """For the admin whose change page holds ``GroupNoteInline``.

    Django's admin saves the object and its inlines in one transaction, and a save that
    fails there cannot show the page again. The inline therefore writes each new
    document while the page is checked; around the whole view (and so outside its
    transaction) a document is kept only if its note was saved.
    """

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        with uploads_kept_only_if_saved():
            return super().changeform_view(request, object_id, form_url, extra_context)


class GroupNoteInline(admin.StackedInline):
    model = GroupNote
    form = GroupNoteForm  # the same size and type checks as the members' page
    extra = 0
    fields = ["title", "body", "attachment", "document_link", "created_by", "created_at"]
    readonly_fields = ["document_link", "created_by", "created_at"]
    show_change_link = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("working_group", "created_by")

    @admin.display(description=_("download"))
    def document_link(self, note: GroupNote) -> str:
        if not note.pk or not note.attachment:
            return "–"
        url = reverse("projects:note_document", args=[note.working_group.slug, note.pk])
        return format_html('<a href="{}">{}</a>', url, _("Download the document"))

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        user = request.user

        class GroupNoteFormSet(formset):
            def save_new(self, form, commit=True):
                form.instance.created_by = user
                return super().save_new(form, commit=commit)

            def delete_existing(self, obj, commit=True):
                # A deleted note takes its document with it: nothing stays on the disk.
                # Once committed: a save that rolls back keeps the note and its document.
                if commit and obj.attachment:
                    storage, name = obj.attachment.storage, obj.attachment.name
                    transaction.on_commit(partial(storage.delete, name), robust=True)
                super().delete_existing(obj, commit=commit)

        return GroupNoteFormSet
