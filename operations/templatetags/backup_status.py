"""``{% backup_warning %}``: the box on every admin page that says backups need attention.

Loaded by templates/admin/base_site.html, so it runs on admin pages only. The status
comes from ``cached_backup_status``, so most admin page views ask the database nothing.
"""

from __future__ import annotations

from datetime import datetime

from django import template
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from operations.sets import BackupStatus, cached_backup_status

register = template.Library()

VIEW_PERMISSION = "operations.view_backuprun"


def warning_text(status: BackupStatus, now: datetime) -> str:
    """What staff are told, or "" when backups are fine."""
    if not status.needs_attention(now):
        return ""
    if status.failed_last and status.last_failure is not None:
        when = date_format(timezone.localtime(status.last_failure), "DATETIME_FORMAT")
        message = Truncator(status.failure_message.strip()).chars(200)
        if message:
            return _("The last backup failed %(time)s: %(message)s") % {
                "time": when,
                "message": message,
            }
        return _("The last backup failed %(time)s.") % {"time": when}
    if status.last_success is None:
        return _("No backup has been made yet.")
    return _("No successful backup in over %(hours)s hours (the last one: %(time)s).") % {
        "hours": settings.BACKUP_MAX_AGE_HOURS,
        "time": date_format(timezone.localtime(status.last_success), "DATETIME_FORMAT"),
    }


@register.inclusion_tag("operations/_backup_warning.html", takes_context=True)
def backup_warning(context: template.Context) -> dict[str, str]:
    """For logged-in staff only (not on the login page); a link for those who may follow it."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not (user.is_active and user.is_staff):
        return {"warning": ""}
    warning = warning_text(cached_backup_status(), timezone.now())
    link = ""
    if warning and user.has_perm(VIEW_PERMISSION):
        link = reverse("admin:operations_backuprun_changelist")
        if link == request.path:
            link = ""
    return {"warning": warning, "link": link}
