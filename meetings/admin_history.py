"""History pages of protocol content in the admin: publication rules and personnummer purge.

Mixed into the admin classes of meetings, agenda items and action items, before
``config.admin_history.HistoryAdmin``:

- reverting a meeting that is published, or to a version that was, needs the publish
  permission; so does reverting content of a meeting that is published, or of the
  meeting a version belonged to;
- the history page warns when an earlier version still holds something that looks
  like a personal identity number, and offers to remove it from every version
  (``<object_id>/history/purge-personnummer/``, POST only). A meeting's purge also
  covers its agenda items, decisions, action items and attendance lines.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.admin.utils import quote, unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponseNotAllowed, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from . import policy
from .history import history_has_personnummer, history_purge_personnummer
from .models import Meeting


def _meeting_of(obj):
    return policy.protocol_for_check(obj.pk if isinstance(obj, Meeting) else obj.meeting_id)


class ProtocolHistoryAdminMixin:
    history_change_reason_labels = {
        "published": gettext_lazy("The protocol was published"),
        "unpublished": gettext_lazy("The protocol was unpublished"),
    }

    def _meeting_ids(self, *objs) -> set[int]:
        if self.model is Meeting:
            return {obj.pk for obj in objs if obj is not None}
        return {obj.meeting_id for obj in objs if obj is not None and obj.meeting_id}

    def revert_needs_publish_permission(self, request, obj, historical_instance) -> bool:
        if self.model is Meeting:
            # The meeting as it is, and as the version would make it.
            return any(
                meeting is not None and meeting.protocol_state == Meeting.ProtocolState.PUBLISHED
                for meeting in (obj, historical_instance)
            )
        # The meeting the content is in now, and the one the version puts it back in.
        meeting_ids = self._meeting_ids(obj, historical_instance)
        return Meeting.objects.published().filter(pk__in=meeting_ids).exists()

    def has_purge_personnummer_permission(self, request: HttpRequest, obj) -> bool:
        if not self.has_change_permission(request, obj):
            return False
        published = Meeting.objects.published().filter(pk__in=self._meeting_ids(obj)).exists()
        return not published or request.user.has_perm(self.publish_permission)

    def save_related(self, request, form, formsets, change) -> None:
        """A number removed from the text still stands in earlier versions: offer to
        remove it there too (the history page holds the button)."""
        super().save_related(request, form, formsets, change)
        obj = form.instance
        if history_has_personnummer(obj=obj) and not any(
            p.key[0] == "personnummer" for p in policy.personnummer_problems(_meeting_of(obj))
        ):
            url = reverse(
                f"admin:{obj._meta.app_label}_{obj._meta.model_name}_history",
                args=[quote(obj.pk)],
            )
            messages.warning(
                request,
                format_html(
                    '{} <a href="{}">{}</a>',
                    _(
                        "Earlier versions in the history still hold what looks like a "
                        "personal identity number."
                    ),
                    url,
                    _("Remove it from the history"),
                ),
            )

    def get_urls(self):
        opts = self.model._meta
        urls = [
            # Before the history URLs, whose "<id>/history/<version>/" would take it.
            path(
                "<path:object_id>/history/purge-personnummer/",
                self.admin_site.admin_view(self.purge_personnummer_view),
                name=f"{opts.app_label}_{opts.model_name}_purge_personnummer",
            )
        ]
        return urls + super().get_urls()

    def history_view(self, request, object_id, extra_context=None):
        context = {}
        obj = self.get_object(request, unquote(object_id))
        if (
            obj is not None
            and self.has_view_history_permission(request, obj)
            and history_has_personnummer(obj=obj)
        ):
            context["personnummer_in_history"] = True
            if self.has_purge_personnummer_permission(request, obj):
                opts = self.model._meta
                context["purge_personnummer_url"] = reverse(
                    f"admin:{opts.app_label}_{opts.model_name}_purge_personnummer",
                    args=[quote(obj.pk)],
                    current_app=self.admin_site.name,
                )
        context.update(extra_context or {})
        return super().history_view(request, object_id, context)

    def purge_personnummer_view(self, request: HttpRequest, object_id: str):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            raise Http404
        if not self.has_purge_personnummer_permission(request, obj):
            raise PermissionDenied
        count = history_purge_personnummer(obj=obj)
        if count:
            message = ngettext(
                "Done: the number is removed from %(count)d earlier version.",
                "Done: the number is removed from %(count)d earlier versions.",
                count,
            ) % {"count": count}
            self.log_change(request, obj, message)
            self.message_user(request, message, messages.SUCCESS)
        else:
            self.message_user(
                request,
                _("The history holds nothing that looks like a personal identity number."),
                messages.INFO,
            )
        opts = self.model._meta
        return HttpResponseRedirect(
            reverse(
                f"admin:{opts.app_label}_{opts.model_name}_history",
                args=[quote(obj.pk)],
                current_app=self.admin_site.name,
            )
        )
