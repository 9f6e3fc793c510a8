"""`manage.py restore SET`: restore a backup set after checking all of it (operations.restore)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from operations.models import BackupRun
from operations.restore import PartlyRestored, RestoreFailed, SetRefused, restore_backup
from operations.sets import record_run

KIND, FAILED = BackupRun.Kind.RESTORE, BackupRun.Status.FAILED


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
        name = options["set"]
        try:
            result = restore_backup(name, force=options["force"], progress=self.stdout.write)
        except SetRefused as refusal:
            raise CommandError(
                _("Nothing was restored, and nothing was changed: %(reason)s") % {"reason": refusal}
            ) from refusal
        except PartlyRestored as failure:
            record_run(KIND, FAILED, started, set_name=name, message=str(failure)[:2000])
            raise CommandError(str(failure)) from failure
        except RestoreFailed as failure:
            record_run(KIND, FAILED, started, set_name=name, message=str(failure)[:2000])
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
            message = _(
                "The set was restored, but %(count)s models do not hold the rows the manifest "
                "lists. Check the set and the restored data before the site is used again."
            ) % {"count": len(result.differences)}
            record_run(KIND, FAILED, started, set_name=name, message=message)
            raise CommandError(message)
        self.stdout.write(
            _("Every model matches the manifest: %(models)s models, %(rows)s rows.")
            % {"models": result.models, "rows": result.rows}
        )
        if result.migrated:
            self.stdout.write(
                _("Applied %(count)s migrations newer than the set.")
                % {"count": len(result.migrated)}
            )
        safety = result.safety_backup
        record_run(
            KIND,
            BackupRun.Status.SUCCEEDED,
            started,
            set_name=result.name,
            message=_("Backup of the replaced data: %(name)s") % {"name": safety} if safety else "",
        )
        self.stdout.write(self.style.SUCCESS(_("Restored %(name)s.") % {"name": result.name}))
