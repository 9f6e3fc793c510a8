from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OperationsConfig(AppConfig):
    """Keeping the site running: backup sets, restore, health checks, the task worker.

    The top floor of the house: it reads every app's models, and no app imports it.
    """

    name = "operations"
    verbose_name = _("Operations")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from .models import BackupRun
        from .sets import forget_backup_status

        # The admin's backup warning is cached; a recorded run must show at once.
        post_save.connect(forget_backup_status, sender=BackupRun, dispatch_uid="backup-status")
        post_delete.connect(forget_backup_status, sender=BackupRun, dispatch_uid="backup-status")
