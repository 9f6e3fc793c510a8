"""Backups in the admin: the sets in storage above the recorded runs, all read-only.

Only staff with the dedicated permission ``operations.view_backuprun`` see them;
superusers have it. Runs are written by ``manage.py backup`` and ``restore``, never here.
"""

from __future__ import annotations

import logging

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.template.defaultfilters import filesizeformat
from django.utils.text import Truncator
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .models import BackupRun
from .sets import BackupSet, list_sets

logger = logging.getLogger(__name__)


def sets_in_storage() -> tuple[list[BackupSet], str]:
    """The sets, newest first, and an error line when the storage could not be read.

    Any storage may hold the sets (a folder, a bucket), each with its own errors: none of
    them may turn the backups page into a server error, since that is where staff look
    when something is wrong with backups.
    """
    try:
        return list_sets(), ""
    except Exception as error:
        logger.exception("Could not list the backup sets")
        return [], gettext("The backup sets could not be read from their storage (%(error)s).") % {
            "error": error
        }


@admin.register(BackupRun)
class BackupRunAdmin(admin.ModelAdmin):
    list_display = ["kind", "status", "set_name", "finished_at", "size_display", "short_message"]
    list_filter = ["kind", "status"]
    list_per_page = 50

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: BackupRun | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: BackupRun | None = None) -> bool:
        return False

    @admin.display(description=_("size"), ordering="size")
    def size_display(self, run: BackupRun) -> str:
        return "" if run.size is None else filesizeformat(run.size)

    @admin.display(description=BackupRun._meta.get_field("message").verbose_name)
    def short_message(self, run: BackupRun) -> str:
        return Truncator(run.message).chars(80)

    def changelist_view(
        self, request: HttpRequest, extra_context: dict | None = None
    ) -> HttpResponse:
        extra_context = {"title": _("Backups"), **(extra_context or {})}
        response = super().changelist_view(request, extra_context)
        # Read the storage only once the permission is checked and the page is rendered
        # (not for the redirect that an invalid filter gets).
        if getattr(response, "context_data", None) is not None:
            sets, error = sets_in_storage()
            response.context_data.update(
                backup_sets=sets,
                backup_sets_error=error,
                has_incomplete_sets=any(not backup_set.complete for backup_set in sets),
                last_success=BackupRun.objects.filter(
                    kind=BackupRun.Kind.BACKUP, status=BackupRun.Status.SUCCEEDED
                ).first(),
            )
        return response
