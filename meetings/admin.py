from __future__ import annotations

import datetime

from django.contrib import admin, messages
from django.contrib.admin.widgets import AutocompleteSelectMultiple, RelatedFieldWidgetWrapper
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from config.admin_history import HistoryAdmin
from config.admin_preload import PreloadingInlineMixin

from . import admin_publish
from .admin_concurrency import MeetingConcurrencyMixin
from .admin_guard import ProtocolGuardAdminMixin
from .admin_history import ProtocolHistoryAdminMixin
from .forms import (
    ActionItemForm,
    AgendaItemForm,
    AgendaItemFormSet,
    AttendanceForm,
    AttendanceFormSet,
    MeetingAdminForm,
)
from .importer.admin_views import protocol_import_view
from .models import ActionItem, AgendaItem, Attendance, Decision, Meeting, MeetingSeries
from .services import meeting_create_next, protocol_publish, protocol_unpublish


class YearListFilter(admin.SimpleListFilter):
    title = _("year")
    parameter_name = "year"

    def lookups(self, request, model_admin):
        years = Meeting.objects.dates("date", "year", order="DESC")
        return [(str(year.year), str(year.year)) for year in years]

    def queryset(self, request, queryset):
        value = self.value()
        # isdecimal(), not isdigit(): int() refuses "²". A date's year is 1 to 9999; the
        # database cannot bound year 0 or 10000 (a server error before).
        year = int(value) if value and value.isdecimal() and len(value) <= 4 else 0
        if datetime.MINYEAR <= year <= datetime.MAXYEAR:
            return queryset.filter(date__year=year)
        return queryset  # not a year: the whole list


def redirect_to_meeting(meeting: Meeting) -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("admin:meetings_meeting_change", args=[meeting.pk]))


def create_next_meetings(request: HttpRequest, series_list) -> HttpResponseRedirect | None:
    # One transaction for the whole action: a failure in the third series must not
    # leave the first two planned behind an error page.
    with transaction.atomic():
        created = [meeting_create_next(series=series) for series in series_list]
    for meeting in created:
        messages.success(
            request,
            _("Created %(meeting)s with the open action items and tabled items to follow up.")
            % {"meeting": meeting},
        )
    return redirect_to_meeting(created[0]) if len(created) == 1 else None


class ProtocolLinksMixin:
    """Edit the many-to-many links of protocol content in the admin.

    Those links use explicit through models whose far side is PROTECTed (see
    models.py), and the admin would otherwise hide such fields. The through models
    have no extra columns, so editing them as plain many-to-many is safe. Their
    field order comes from the form's Meta.fields, since the admin's ``fields``
    may not name them.
    """

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name in self.get_autocomplete_fields(request):
            kwargs.setdefault(
                "widget",
                AutocompleteSelectMultiple(db_field, self.admin_site, using=kwargs.get("using")),
            )
        kwargs.setdefault(
            "queryset", self.get_field_queryset(kwargs.get("using"), db_field, request)
        )
        if kwargs["queryset"] is None:
            del kwargs["queryset"]
        return db_field.formfield(**kwargs)


class MeetingChildInline:
    """Decisions and action items may point to an item of the same meeting only."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "agenda_item":
            meeting_id = request.resolver_match.kwargs.get("object_id")
            kwargs["queryset"] = AgendaItem.objects.filter(meeting_id=meeting_id or 0)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class AttendanceInline(PreloadingInlineMixin, ProtocolLinksMixin, admin.TabularInline):
    model = Attendance
    form = AttendanceForm
    formset = AttendanceFormSet
    extra = 1
    autocomplete_fields = ["person", "organisations"]
    preload_select_related = ["person"]
    preload_prefetch_related = ["organisations"]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        # No edit/add/delete/view icons beside each row's person: the table stays narrow.
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        if formfield is not None and isinstance(formfield.widget, RelatedFieldWidgetWrapper):
            widget = formfield.widget
            widget.can_add_related = widget.can_change_related = False
            widget.can_delete_related = widget.can_view_related = False
        return formfield


class AgendaItemInline(PreloadingInlineMixin, ProtocolLinksMixin, admin.StackedInline):
    model = AgendaItem
    form = AgendaItemForm
    formset = AgendaItemFormSet
    extra = 1
    autocomplete_fields = ["working_groups", "picked_up_by"]
    preload_select_related = ["picked_up_by"]
    preload_prefetch_related = ["working_groups"]


class DecisionInline(MeetingChildInline, PreloadingInlineMixin, admin.TabularInline):
    model = Decision
    extra = 1
    fields = ["agenda_item", "text"]


class ActionItemInline(
    MeetingChildInline, PreloadingInlineMixin, ProtocolLinksMixin, admin.StackedInline
):
    model = ActionItem
    form = ActionItemForm
    fk_name = "meeting"
    extra = 1
    autocomplete_fields = ["assigned_people", "assigned_organisations", "followed_up_at"]
    preload_select_related = ["followed_up_at__series"]
    preload_prefetch_related = ["assigned_people", "assigned_organisations"]


@admin.register(Meeting)
class MeetingAdmin(
    MeetingConcurrencyMixin, ProtocolGuardAdminMixin, ProtocolHistoryAdminMixin, HistoryAdmin
):
    form = MeetingAdminForm
    list_display = ["__str__", "date", "series", "status", "protocol_state", "published_at"]
    list_filter = [
        "series",
        YearListFilter,
        "protocol_state",
        "status",
        ("agenda_items__working_groups", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = [
        "series__name",
        "theme",
        "place",
        "agenda_items__title",
        "agenda_items__body",
    ]
    date_hierarchy = "date"
    list_select_related = ["series"]
    autocomplete_fields = ["series", "approved_by"]
    readonly_fields = ["published_by", "published_at"]
    fieldsets = [
        (
            None,
            {"fields": ["series", ("date", "start_time", "end_time"), "place", "theme", "status"]},
        ),
        (
            _("Protocol"),
            {
                "fields": [
                    "protocol_state",
                    ("approved_by", "approved_on"),
                    "note_taker_signature",
                    ("published_by", "published_at"),
                ]
            },
        ),
    ]
    inlines = [AttendanceInline, AgendaItemInline, DecisionInline, ActionItemInline]
    change_list_template = "admin/meetings/meeting/change_list.html"
    change_form_template = "admin/meetings/meeting/change_form.html"

    class Media:
        css = {"all": ["css/admin-meeting.css"]}

    def get_urls(self):
        # Before the default URLs, whose "<object_id>/" would otherwise take "import/".
        view = self.admin_site.admin_view
        urls = [
            path("import/", view(self.import_protocol), name="meetings_meeting_import"),
            path(
                "<path:object_id>/publicera/",
                view(admin_publish.publish_view),
                name="meetings_meeting_publish",
            ),
            path(
                "<path:object_id>/publicera/forhandsvisning/",
                view(admin_publish.preview_view),
                name="meetings_meeting_preview",
            ),
            path(
                "<path:object_id>/namn/",
                view(admin_publish.names_view),
                name="meetings_meeting_names",
            ),
        ]
        return urls + super().get_urls()

    def import_protocol(self, request: HttpRequest) -> HttpResponse:
        return protocol_import_view(request, model_admin=self)

    actions = ["publish_protocols", "unpublish_protocols", "create_next_meeting"]

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if obj is not None and obj.is_published:
            readonly.append("protocol_state")
        return readonly

    def save_related(self, request, form, formsets, change) -> None:
        super().save_related(request, form, formsets, change)
        meeting = form.instance
        for action in meeting.action_items.prefetch_related(
            "assigned_people", "assigned_organisations"
        ):
            action.fill_assignees_as_written()
        # A published protocol is checked by the guard around the whole save; a draft
        # may hold problems for now, and staff hear of them at once.
        if not meeting.is_published:
            admin_publish.warn_about_text(request, meeting)

    def has_publish_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("meetings.publish_meeting")

    @admin.action(description=_("Publish protocols"), permissions=["publish"])
    def publish_protocols(self, request: HttpRequest, queryset: QuerySet[Meeting]) -> None:
        published = 0
        for meeting in queryset.select_related("series"):
            try:
                protocol_publish(meeting=meeting, by=request.user)
            except ValidationError as error:
                self.message_user(
                    request,
                    _("%(meeting)s was not published: %(problems)s")
                    % {"meeting": meeting, "problems": " ".join(error.messages)},
                    messages.ERROR,
                )
            else:
                published += 1
        if published:
            self.message_user(
                request,
                ngettext(
                    "%(count)d protocol is published.",
                    "%(count)d protocols are published.",
                    published,
                )
                % {"count": published},
                messages.SUCCESS,
            )

    @admin.action(description=_("Unpublish protocols"), permissions=["publish"])
    def unpublish_protocols(self, request: HttpRequest, queryset: QuerySet[Meeting]) -> None:
        meetings = list(queryset.filter(protocol_state=Meeting.ProtocolState.PUBLISHED))
        for meeting in meetings:
            protocol_unpublish(meeting=meeting)
        self.message_user(
            request,
            ngettext(
                "%(count)d protocol is no longer public.",
                "%(count)d protocols are no longer public.",
                len(meetings),
            )
            % {"count": len(meetings)},
            messages.SUCCESS,
        )

    @admin.action(description=_("Create the next meeting in the series"), permissions=["add"])
    def create_next_meeting(self, request: HttpRequest, queryset: QuerySet[Meeting]):
        series_ids = queryset.values_list("series", flat=True).distinct()
        return create_next_meetings(request, MeetingSeries.objects.filter(pk__in=series_ids))


@admin.register(MeetingSeries)
class MeetingSeriesAdmin(HistoryAdmin):
    list_display = ["name", "weekday", "start_time", "default_place", "open_to_all"]
    search_fields = ["name", "aliases"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["standing_members"]
    actions = ["create_next_meeting"]

    @admin.action(description=_("Create the next meeting"), permissions=["add"])
    def create_next_meeting(self, request: HttpRequest, queryset: QuerySet[MeetingSeries]):
        return create_next_meetings(request, queryset)


@admin.register(AgendaItem)
class AgendaItemAdmin(
    ProtocolGuardAdminMixin, ProtocolHistoryAdminMixin, ProtocolLinksMixin, HistoryAdmin
):
    form = AgendaItemForm
    list_display = ["title", "meeting", "order", "kind", "picked_up_by"]

    def save_related(self, request, form, formsets, change) -> None:
        super().save_related(request, form, formsets, change)
        if not form.instance.meeting.is_published:
            admin_publish.warn_about_text(request, form.instance.meeting)

    list_filter = ["kind", "meeting__series", "working_groups"]
    search_fields = ["title", "body", "meeting__series__name"]
    list_select_related = ["meeting__series", "picked_up_by"]
    autocomplete_fields = ["meeting", "working_groups", "picked_up_by"]


@admin.register(ActionItem)
class ActionItemAdmin(
    ProtocolGuardAdminMixin, ProtocolHistoryAdminMixin, ProtocolLinksMixin, HistoryAdmin
):
    form = ActionItemForm
    list_display = ["text", "assignees_as_written", "status", "meeting", "due_date"]
    list_editable = ["status"]
    list_filter = ["status", "meeting__series", "due_next_meeting"]
    search_fields = ["text", "assignees_as_written"]
    list_select_related = ["meeting__series"]
    autocomplete_fields = [
        "meeting",
        "agenda_item",
        "assigned_people",
        "assigned_organisations",
        "followed_up_at",
    ]

    def save_related(self, request, form, formsets, change) -> None:
        super().save_related(request, form, formsets, change)
        form.instance.fill_assignees_as_written()
        if not form.instance.meeting.is_published:
            admin_publish.warn_about_text(request, form.instance.meeting)
