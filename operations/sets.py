"""Backup sets in their storage: names, listing, retention and the status staff see.

A set is a folder in the "backups" storage, named by site and UTC time
(``delaktig-20261202T023000Z/``). It holds its parts (the database dump, the media
archive) and ``manifest.json``, written last: a folder without a manifest is a set that
was never finished, and it is neither listed as a set nor restored.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.core.files.storage import Storage, storages
from django.utils import timezone

logger = logging.getLogger(__name__)

MANIFEST = "manifest.json"
TIME_FORMAT = "%Y%m%dT%H%M%SZ"
NAME_PATTERN = re.compile(r"^(?P<site>[a-z0-9][a-z0-9-]*)-(?P<time>\d{8}T\d{6}Z)$")


def backup_storage() -> Storage:
    return storages["backups"]


def set_name_for(moment: datetime, site: str | None = None) -> str:
    site = site or settings.BACKUP_SITE_NAME
    return f"{site}-{moment.astimezone(UTC).strftime(TIME_FORMAT)}"


def set_time(name: str) -> datetime | None:
    """The UTC time in a set's name, or None for a name that is not a set's."""
    match = NAME_PATTERN.match(name)
    if not match:
        return None
    return datetime.strptime(match["time"], TIME_FORMAT).replace(tzinfo=UTC)


@dataclass(frozen=True)
class BackupSet:
    name: str
    created: datetime
    size: int  # bytes, all files of the set
    complete: bool  # has its manifest


def list_sets(storage: Storage | None = None) -> list[BackupSet]:
    """Every folder in the storage that is named like a set, newest first."""
    storage = storage or backup_storage()
    try:
        folders, _files = storage.listdir("")
    except FileNotFoundError:  # no backup has been made yet
        return []
    found = []
    for name in folders:
        created = set_time(name)
        if created is None:
            continue
        _subfolders, files = storage.listdir(name)
        size = sum(storage.size(f"{name}/{file}") for file in files)
        found.append(BackupSet(name, created, size, MANIFEST in files))
    return sorted(found, key=lambda backup_set: backup_set.created, reverse=True)


def sets_to_keep(
    times: list[datetime], *, daily: int, weekly: int, monthly: int, now: datetime
) -> set[datetime]:
    """Grandfather-father-son retention.

    Keeps the newest set of each of the last ``daily`` days, ``weekly`` ISO weeks and
    ``monthly`` months (counted back from ``now``, in UTC, the current one included), and
    always the newest set of all, so a long pause in backups never deletes the last copy.
    """
    now = now.astimezone(UTC)
    periods = [
        (daily, lambda t: t.date(), lambda n: [(now - timedelta(days=i)).date() for i in range(n)]),
        (
            weekly,
            lambda t: t.isocalendar()[:2],
            lambda n: [(now - timedelta(weeks=i)).isocalendar()[:2] for i in range(n)],
        ),
        (monthly, lambda t: (t.year, t.month), lambda n: _last_months(now, n)),
    ]
    keep: set[datetime] = set()
    newest_first = sorted(times, reverse=True)
    if newest_first:
        keep.add(newest_first[0])
    for count, period_of, last_periods in periods:
        wanted = set(last_periods(count))
        seen: set = set()
        for moment in newest_first:
            period = period_of(moment.astimezone(UTC))
            if period in wanted and period not in seen:
                seen.add(period)
                keep.add(moment)
    return keep


def _last_months(now: datetime, count: int) -> list[tuple[int, int]]:
    year, month = now.year, now.month
    months = []
    for _ in range(count):
        months.append((year, month))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return months


@dataclass(frozen=True)
class BackupStatus:
    """What the admin tells staff about backups: the last success and whether to worry."""

    last_success: datetime | None
    last_failure: datetime | None
    failure_message: str

    @property
    def failed_last(self) -> bool:
        return self.last_failure is not None and (
            self.last_success is None or self.last_failure > self.last_success
        )

    def too_old(self, now: datetime | None = None) -> bool:
        now = now or timezone.now()
        limit = timedelta(hours=settings.BACKUP_MAX_AGE_HOURS)
        return self.last_success is None or now - self.last_success > limit

    def needs_attention(self, now: datetime | None = None) -> bool:
        return self.failed_last or self.too_old(now)


def record_run(kind: str, status: str, started: datetime, **fields) -> None:
    """Record a finished backup or restore run. A database that is down must not hide the
    run's own outcome, which the command's output and exit status report already."""
    from .models import BackupRun

    try:
        BackupRun.objects.create(
            kind=kind, status=status, started_at=started, finished_at=timezone.now(), **fields
        )
    except Exception:
        logger.exception("Could not record the %s run", kind)


def backup_status() -> BackupStatus:
    """The status from the recorded backup runs: two small indexed queries."""
    from .models import BackupRun

    runs = BackupRun.objects.filter(kind=BackupRun.Kind.BACKUP).order_by("-finished_at")
    success = runs.filter(status=BackupRun.Status.SUCCEEDED).values("finished_at").first()
    failure = runs.filter(status=BackupRun.Status.FAILED).values("finished_at", "message").first()
    return BackupStatus(
        last_success=success["finished_at"] if success else None,
        last_failure=failure["finished_at"] if failure else None,
        failure_message=failure["message"] if failure else "",
    )


STATUS_CACHE_KEY = "operations:backup-status"
# The backup command runs in a process of its own: with a per-process cache (no
# DJANGO_CACHE_URL) the web servers learn of its run when this runs out.
STATUS_CACHE_SECONDS = 60


def cached_backup_status() -> BackupStatus:
    """``backup_status()``, kept in the "default" cache for a minute."""
    status = cache.get(STATUS_CACHE_KEY)
    if status is None:
        status = backup_status()
        cache.set(STATUS_CACHE_KEY, status, STATUS_CACHE_SECONDS)
    return status


def forget_backup_status(**kwargs) -> None:
    """Receiver of post_save and post_delete of BackupRun (OperationsConfig.ready)."""
    cache.delete(STATUS_CACHE_KEY)
