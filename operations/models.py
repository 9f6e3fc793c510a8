from django.db import models
from django.utils.translation import gettext_lazy as _


class BackupRun(models.Model):
    """One run of `manage.py backup` or `manage.py restore`, recorded when it ends.

    Written after the dump, so a set never holds the row of its own run. Staff see the
    runs in the admin, and every admin page warns when the last backup failed or is old.
    """

    class Kind(models.TextChoices):
        BACKUP = "backup", _("backup")
        RESTORE = "restore", _("restore")

    class Status(models.TextChoices):
        SUCCEEDED = "succeeded", _("succeeded")
        FAILED = "failed", _("failed")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    set_name = models.CharField(_("backup set"), max_length=200, blank=True)
    started_at = models.DateTimeField(_("started"))
    finished_at = models.DateTimeField(_("finished"))
    size = models.BigIntegerField(_("size in bytes"), null=True, blank=True)
    message = models.TextField(_("message"), blank=True)

    class Meta:
        verbose_name = _("backup run")
        verbose_name_plural = _("backup runs")
        ordering = ["-finished_at"]
        indexes = [models.Index(fields=["kind", "status", "-finished_at"], name="backuprun_latest")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.set_name or ''} {self.finished_at:%Y-%m-%d %H:%M}"
