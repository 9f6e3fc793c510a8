from django.contrib import admin

from config.admin_history import HistoryAdmin
from config.admin_preload import PreloadingInlineMixin

from .admin_notes import GroupNoteDocumentsAdminMixin, GroupNoteInline
from .models import Membership, WorkingGroup


class MembershipInline(PreloadingInlineMixin, admin.TabularInline):
    model = Membership
    extra = 1
    autocomplete_fields = ["person"]
    preload_select_related = ["person"]


@admin.register(WorkingGroup)
class WorkingGroupAdmin(GroupNoteDocumentsAdminMixin, HistoryAdmin):
    list_display = ["name", "status", "parent"]
    list_filter = ["status", "organisations"]
    search_fields = ["name", "aliases", "description"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["parent", "organisations", "formed_at"]
    list_select_related = ["parent"]
    inlines = [MembershipInline, GroupNoteInline]
