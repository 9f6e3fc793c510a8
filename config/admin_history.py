"""The history pages of the staff admin: who may see them, who may revert, and in Swedish.

Every admin class of the project derives from ``HistoryAdmin`` instead of
django-simple-history's ``SimpleHistoryAdmin``, which

- saves a POST of the revert form for anyone who may *see* the history: it only
  hides the button (upstream issue 1362). Here a revert needs the change permission,
  and the publish permission when the object is or would become public
  (``revert_needs_publish_permission``); anyone else gets 403 before the form is read;
- shows a version with editable fields to someone who may not revert it;
- prints some strings of its own that have no Swedish translation (titles, messages,
  "None" for a change without a user, "Deleted användare" for an empty foreign key).

The templates are overridden in ``templates/simple_history/``, so that their strings
live in this project's catalog.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib import messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import flatten_fieldsets, quote, unquote
from django.contrib.auth import get_user_model
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.db import models, router, transaction
from django.http import Http404, HttpResponseRedirect
from django.template.defaultfilters import yesno
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from simple_history.admin import SimpleHistoryAdmin
from simple_history.models import DeletedObject
from simple_history.template_utils import HistoricalRecordContextHelper
from simple_history.utils import get_history_model_for_model

from config.admin_changelist import SafeChangeListMixin

# Where django-simple-history keeps, on an instance built from a historical record,
# the record it came from (simple_history.models.SIMPLE_HISTORY_REVERSE_ATTR_NAME).
HISTORICAL_RECORD_ATTR = "_history"

PUBLISH_PERMISSION = "meetings.publish_meeting"


def history_display_value(field: models.Field, value):
    """A value of a change in the history list, as a reader understands it."""
    if isinstance(value, list):
        return [history_display_value(field, item) for item in value]
    if isinstance(value, DeletedObject):
        if value.pk is None:
            return _("(empty)")
        if value.model is get_user_model():
            return _("Deleted user")
        return capfirst(
            _("%(type_name)s that was deleted") % {"type_name": value.model._meta.verbose_name}
        )
    if value is None or value == "":
        return _("(empty)")
    if isinstance(value, bool):
        return capfirst(yesno(value))
    if field.choices and not field.many_to_many:
        return dict(field.flatchoices).get(value, value)
    if isinstance(value, datetime.datetime):
        return formats.localize(timezone.localtime(value) if timezone.is_aware(value) else value)
    if isinstance(value, datetime.date | datetime.time):
        return formats.localize(value)
    return value


class HistoryRecordContextHelper(HistoricalRecordContextHelper):
    """The changes of a version with labels instead of raw values, "(tomt)" for nothing."""

    def prepare_delta_change_value(self, change, value):
        value = super().prepare_delta_change_value(change, value)
        return history_display_value(self.model._meta.get_field(change.field), value)


class HistoryAdmin(SafeChangeListMixin, SimpleHistoryAdmin):
    # The permission that makes changes to what the public sees.
    publish_permission = PUBLISH_PERMISSION
    # Change reasons the code writes, shown in words ({"published": _("…")}).
    history_change_reason_labels: dict = {}

    # Who may do what ---------------------------------------------------------------

    def has_view_history_permission(self, request, obj=None) -> bool:
        # With SIMPLE_HISTORY_ENFORCE_HISTORY_MODEL_PERMISSIONS, the permission on the
        # historical model is needed as well as, never instead of, the one on the model.
        allowed = self.has_view_permission(request, obj)
        return allowed and super().has_view_history_permission(request, obj)

    def has_change_history_permission(self, request, obj=None) -> bool:
        allowed = self.has_change_permission(request, obj)
        return allowed and super().has_change_history_permission(request, obj)

    def has_view_history_or_change_history_permission(self, request, obj=None) -> bool:
        # Django's view permission is already "view or change".
        return self.has_view_history_permission(request, obj)

    def revert_needs_publish_permission(self, request, obj, historical_instance) -> bool:
        """Whether reverting ``obj`` (None if deleted) to ``historical_instance`` (None:
        to any version) touches what the public sees. Protocol admins say yes when their
        meeting is or would become published."""
        return False

    def has_revert_permission(self, request, obj, historical_instance=None) -> bool:
        """May the user save ``historical_instance`` over ``obj`` (None if it was deleted)?"""
        if getattr(settings, "SIMPLE_HISTORY_REVERT_DISABLED", False):
            return False
        target = obj if obj is not None else historical_instance
        if not self.has_change_history_permission(request, target):
            return False
        if obj is None and historical_instance is not None and not self.has_add_permission(request):
            return False  # a revert of a deleted object creates it again
        needs_publish = self.revert_needs_publish_permission(request, obj, historical_instance)
        return not needs_publish or request.user.has_perm(self.publish_permission)

    def revert_disabled(self, request, obj=None) -> bool:
        """Hides the revert button and text. ``obj`` is the current object on the history
        list, and the version (an instance built from a historical record) on its page."""
        if obj is not None and getattr(obj, HISTORICAL_RECORD_ATTR, None) is not None:
            return not self.has_revert_permission(
                request, self.current_object(request, obj.pk), obj
            )
        return not self.has_revert_permission(request, obj, None)

    def current_object(self, request, pk):
        """The object as it is in the database now, or None if it was deleted."""
        cache = request.__dict__.setdefault("_history_current_objects", {})
        key = (self.model._meta.label, str(pk))
        if key not in cache:
            cache[key] = self.model._default_manager.filter(pk=pk).first()
        return cache[key]

    # Views ---------------------------------------------------------------------

    def history_view(self, request, object_id, extra_context=None):
        # Upstream looks the id up as it comes: "abc" for a numeric key is a ValueError.
        try:
            self.model._meta.pk.to_python(unquote(object_id))
        except ValidationError:
            raise Http404 from None
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        record = self.get_historical_record(object_id, version_id)
        version = record.instance
        current = self.current_object(request, version.pk)
        if not self.has_view_history_permission(request, current or version):
            raise PermissionDenied
        if request.method == "POST":
            # Upstream saves any POST here; the button being hidden is no protection.
            if not self.has_revert_permission(request, current, version):
                raise PermissionDenied
            request._history_reverted_record = record
            # Upstream saves the reverted object and its inlines without a transaction of
            # its own: one error halfway must not leave half of the old version in place.
            with transaction.atomic(using=router.db_for_write(self.model)):
                return super().history_form_view(request, object_id, version_id, extra_context)
        return super().history_form_view(request, object_id, version_id, extra_context)

    def get_historical_record(self, object_id, version_id):
        history_model = get_history_model_for_model(self.model)
        try:
            return history_model._default_manager.get(
                **{self.model._meta.pk.attname: unquote(object_id), "history_id": version_id}
            )
        except (history_model.DoesNotExist, ValueError, ValidationError):
            raise Http404 from None

    def render_history_view(self, request, template, context, **kwargs):
        adminform = context.get("adminform")
        if adminform is not None and context.get("revert_disabled"):
            # Someone who may not revert sees the version, not a form to edit.
            obj = context["original"]
            fieldsets = self.get_fieldsets(request, obj)
            context["adminform"] = helpers.AdminForm(
                adminform.form,
                fieldsets,
                {},
                flatten_fieldsets(fieldsets),
                model_admin=self,
            )
        return super().render_history_view(request, template, context, **kwargs)

    def response_change(self, request, obj):
        record = getattr(request, "_history_reverted_record", None)
        if record is None:
            return super().response_change(request, obj)
        self.message_user(
            request,
            _("“%(obj)s” is back as it was on %(date)s. You can go on editing it below.")
            % {
                "obj": obj,
                "date": formats.date_format(
                    timezone.localtime(record.history_date), "DATETIME_FORMAT"
                ),
            },
            messages.SUCCESS,
        )
        opts = self.model._meta
        return HttpResponseRedirect(
            reverse(
                f"admin:{opts.app_label}_{opts.model_name}_change",
                args=[quote(obj.pk)],
                current_app=self.admin_site.name,
            )
        )

    # What the pages say ----------------------------------------------------------

    def history_view_title(self, request, obj):
        return _("History: %s") % obj

    def history_form_view_title(self, request, obj):
        if self.revert_disabled(request, obj):
            return _("Earlier version of %s") % obj
        return _("Revert %s") % obj

    def get_historical_record_context_helper(self, request, historical_record):
        return HistoryRecordContextHelper(self.model, historical_record)

    def set_history_delta_changes(self, request, historical_records, foreign_keys_are_objs=True):
        super().set_history_delta_changes(request, historical_records, foreign_keys_are_objs)
        for record in historical_records:
            record.history_type_label = self.history_type_label(record)
            record.history_user_label = self.history_user_label(record)
            reason = record.history_change_reason or ""
            record.history_change_reason_label = self.history_change_reason_labels.get(
                reason, reason
            )

    def history_type_label(self, record) -> str:
        labels = {
            "+": pgettext("history", "Created"),
            "~": pgettext("history", "Changed"),
            "-": pgettext("history", "Deleted"),
        }
        return labels.get(record.history_type, record.history_type)

    def history_user_label(self, record) -> str:
        """Who made a change, for a change without a user link (see the list template)."""
        if record.history_user_id is None:
            return _("No user (the system)")
        try:
            user = record.history_user
        except ObjectDoesNotExist:
            user = None
        return _("Deleted user") if user is None else str(user)
