"""`manage.py backup`: write one backup set, record the run, apply retention.

`--daily-at 02:30` keeps running and makes a set every day at that local time: the
backup service in docker-compose.yml. A systemd timer (deploy/systemd/) runs the plain
command instead.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta

from django.core.management.base import BaseCommand, CommandError
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from operations.backup import create_backup
from operations.models import BackupRun
from operations.sets import list_sets, record_run

KIND = BackupRun.Kind.BACKUP


def next_run(now: datetime, at: tuple[int, int]) -> datetime:
    """The next moment at the local time ``at`` (hour, minute), strictly after ``now``."""
    local = timezone.localtime(now)
    candidate = local.replace(hour=at[0], minute=at[1], second=0, microsecond=0)
    if candidate <= local:
        candidate = timezone.localtime(
            timezone.make_aware(candidate.replace(tzinfo=None) + timedelta(days=1))
        )
    return candidate


def clock_time(value: str) -> tuple[int, int]:
    try:
        moment = datetime.strptime(value, "%H:%M")
    except ValueError as error:
        raise CommandError(_("Give the time as HH:MM, for example 02:30.")) from error
    return moment.hour, moment.minute


class Command(BaseCommand):
    help = "Write a backup set (database, media files, manifest) and apply retention."

    def add_arguments(self, parser):
        parser.add_argument(
            "--no-retention", action="store_true", help="Keep every older set this time."
        )
        parser.add_argument(
            "--daily-at",
            type=clock_time,
            metavar="HH:MM",
            help="Keep running and make a set every day at this local time.",
        )
        parser.add_argument("--list", action="store_true", help="List the sets and exit.")

    def handle(self, *args, **options):
        if options["list"]:
            return self.list_sets()
        if options["daily_at"] is None:
            if not self.run_once(retention=not options["no_retention"]):
                raise CommandError(_("The backup failed."))
            return None
        while True:  # a service: one failed night must not stop the next
            moment = next_run(timezone.now(), options["daily_at"])
            self.stdout.write(_("Next backup at %(time)s.") % {"time": f"{moment:%Y-%m-%d %H:%M}"})
            time.sleep(max(0.0, (moment - timezone.now()).total_seconds()))
            self.run_once(retention=not options["no_retention"])

    def run_once(self, *, retention: bool) -> bool:
        started = timezone.now()
        try:
            result = create_backup(progress=self.stdout.write, now=started, retention=retention)
        except Exception as error:
            self.stderr.write(_("The backup failed: %(error)s") % {"error": error})
            record_run(KIND, BackupRun.Status.FAILED, started, message=str(error)[:2000])
            return False
        record_run(
            KIND, BackupRun.Status.SUCCEEDED, started, set_name=result.name, size=result.size
        )
        self.stdout.write(
            self.style.SUCCESS(
                _("Backup set %(name)s written (%(size)s).")
                % {"name": result.name, "size": filesizeformat(result.size)}
            )
        )
        for name in result.deleted:
            self.stdout.write(_("Retention deleted %(name)s.") % {"name": name})
        return True

    def list_sets(self):
        for found in list_sets():
            state = "" if found.complete else _(" (unfinished)")
            self.stdout.write(f"{found.name}  {filesizeformat(found.size)}{state}")
