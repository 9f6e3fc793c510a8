"""Internal notes in the admin, as an inline of the working group.

Add to projects/admin.py::

    from .admin_notes import GroupNoteInline

    inlines = [MembershipInline, GroupNoteInline]
"""

from __future__ import annotations

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from .models import GroupNote
from .note_views import GroupNoteForm


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
                if commit and obj.attachment:
                    obj.attachment.delete(save=False)
                super().delete_existing(obj, commit=commit)

        return GroupNoteFormSet
