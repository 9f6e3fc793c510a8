"""`manage.py restore SET`: restore a backup set after checking all of it (operations.restore)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from operations.models import BackupRun
from operations.restore import RestoreFailed, SetRefused, restore_backup


class Command(BaseCommand):
    help = "Restore a backup set into this site's database and media folder."

    def add_arguments(self, parser):
        parser.add_argument("set", help="The set's name, as `manage.py backup --list` shows it.")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Replace data that is there already (a backup of it is taken first).",
        )

    def handle(self, *args, **options):
        started = timezone.now()
        try:
            result = restore_backup(
                options["set"], force=options["force"], progress=self.stdout.write
            )
        except SetRefused as refusal:
            raise CommandError(
                _("Nothing was restored, and nothing was changed: %(reason)s") % {"reason": refusal}
            ) from refusal
        except RestoreFailed as failure:
            raise CommandError(
                _("The restore failed, and the database was left as it was: %(reason)s")
                % {"reason": failure}
            ) from failure
        if result.differences:
            self.stdout.write(self.style.WARNING(_("Rows that differ from the manifest:")))
            for label, (expected, found) in sorted(result.differences.items()):
                self.stdout.write(
                    _("  %(model)s: %(expected)s in the set, %(found)s now")
                    % {"model": label, "expected": expected, "found": found}
                )
        else:
            self.stdout.write(
                _("Every model matches the manifest: %(models)s models, %(rows)s rows.")
                % {"models": result.models, "rows": result.rows}
            )
        if result.migrated:
            self.stdout.write(
                _("Applied %(count)s migrations newer than the set.")
                % {"count": len(result.migrated)}
            )
        BackupRun.objects.create(
            kind=BackupRun.Kind.RESTORE,
            status=BackupRun.Status.SUCCEEDED,
            set_name=result.name,
            started_at=started,
            finished_at=timezone.now(),
            message=_("Backup of the replaced data: %(name)s") % {"name": result.safety_backup}
            if result.safety_backup
            else "",
        )
        self.stdout.write(self.style.SUCCESS(_("Restored %(name)s.") % {"name": result.name}))
