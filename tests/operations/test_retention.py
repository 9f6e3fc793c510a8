"""Retention keeps exactly the configured sets, tested with a fixed clock."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import InMemoryStorage

from operations.backup import apply_retention
from operations.management.commands.backup import next_run
from operations.sets import MANIFEST, list_sets, set_name_for, set_time, sets_to_keep

NOW = datetime(2026, 12, 2, 3, 0, tzinfo=UTC)  # a Wednesday


def nightly(days: int) -> list[datetime]:
    """A set at 02:30 every night for ``days`` nights, and a manual one at noon some days."""
    times = []
    for back in range(days):
        night = NOW.replace(hour=2, minute=30) - timedelta(days=back)
        times.append(night)
        if back % 3 == 1:
            times.append(night.replace(hour=12))
    return times


# 7 days, 5 ISO weeks and 12 months back from Wednesday 2 December 2026.
EXPECTED = {
    # the newest of each of the last seven days (noon sets win their day)
    date(2026, 12, 2),
    date(2026, 12, 1),
    date(2026, 11, 30),
    date(2026, 11, 29),
    date(2026, 11, 28),
    date(2026, 11, 27),
    date(2026, 11, 26),
    # weeks: this week's and last week's newest are among the days already
    date(2026, 11, 22),
    date(2026, 11, 15),
    date(2026, 11, 8),
    # months: December's and November's newest are among the days already
    date(2026, 10, 31),
    date(2026, 9, 30),
    date(2026, 8, 31),
    date(2026, 7, 31),
    date(2026, 6, 30),
    date(2026, 5, 31),
    date(2026, 4, 30),
    date(2026, 3, 31),
    date(2026, 2, 28),
    date(2026, 1, 31),
}


def test_grandfather_father_son_keeps_the_newest_of_each_period():
    kept = sets_to_keep(nightly(500), daily=7, weekly=5, monthly=12, now=NOW)
    assert {moment.date() for moment in kept} == EXPECTED
    assert len(kept) == len(EXPECTED)  # one set per kept day, the newest of it
    assert datetime(2026, 12, 1, 2, 30, tzinfo=UTC) not in kept  # noon of 1 Dec won
    assert datetime(2026, 12, 1, 12, 30, tzinfo=UTC) in kept


def test_the_newest_set_is_kept_even_when_every_period_is_past():
    old = [datetime(2020, 1, day, tzinfo=UTC) for day in (1, 2, 3)]
    assert sets_to_keep(old, daily=7, weekly=5, monthly=12, now=NOW) == {old[-1]}


@pytest.mark.parametrize(("daily", "weekly", "monthly"), [(1, 0, 0), (3, 2, 0), (0, 0, 3)])
def test_the_counts_are_honoured(daily, weekly, monthly):
    kept = sets_to_keep(nightly(200), daily=daily, weekly=weekly, monthly=monthly, now=NOW)
    periods = {moment.date() for moment in kept if (NOW - moment).days < daily} if daily else set()
    assert len(periods) == daily
    assert len(kept) <= daily + weekly + monthly + 1


def make_set(storage, moment: datetime, *, complete: bool = True) -> str:
    name = set_name_for(moment)
    storage.save(f"{name}/database.sqlite3.gz", ContentFile(b"x" * 10))
    if complete:
        storage.save(f"{name}/{MANIFEST}", ContentFile(b"{}"))
    return name


def test_retention_deletes_exactly_the_sets_it_does_not_keep(settings):
    settings.BACKUP_KEEP_DAILY, settings.BACKUP_KEEP_WEEKLY = 7, 5
    settings.BACKUP_KEEP_MONTHLY = 12
    storage = InMemoryStorage()
    for moment in nightly(500):
        make_set(storage, moment)
    running = make_set(storage, NOW - timedelta(minutes=20), complete=False)
    dead = make_set(storage, NOW - timedelta(days=2, hours=1), complete=False)
    storage.save("notes.txt", ContentFile(b"not a set"))

    deleted = apply_retention(storage, now=NOW)

    left = list_sets(storage)
    complete = {found.created.date() for found in left if found.complete}
    assert complete == EXPECTED
    assert len([found for found in left if found.complete]) == len(EXPECTED)
    # A set being written now is left alone; one that died two days ago is removed.
    assert [found.name for found in left if not found.complete] == [running]
    assert dead in deleted
    assert len(deleted) == len(nightly(500)) - len(EXPECTED) + 1
    assert storage.exists("notes.txt")
    assert not any(storage.exists(name) for name in deleted)  # nothing of them is left


def test_set_names_carry_the_site_and_utc_time(settings):
    settings.BACKUP_SITE_NAME = "natverket"
    stockholm = datetime(2026, 6, 1, 4, 30, tzinfo=UTC).astimezone()
    name = set_name_for(stockholm)
    assert name == "natverket-20260601T043000Z"
    assert set_time(name) == datetime(2026, 6, 1, 4, 30, tzinfo=UTC)
    assert set_time("natverket-2026-06-01") is None
    assert set_time("../delaktig-20260601T043000Z") is None


def test_the_daily_service_waits_for_the_next_local_time(settings):
    settings.TIME_ZONE = "Europe/Stockholm"
    before = datetime(2026, 12, 2, 1, 0, tzinfo=UTC)  # 02:00 in Stockholm
    assert next_run(before, (2, 30)) == datetime(2026, 12, 2, 1, 30, tzinfo=UTC)
    after = datetime(2026, 12, 2, 1, 30, tzinfo=UTC)  # exactly 02:30: the next night
    assert next_run(after, (2, 30)) == datetime(2026, 12, 3, 1, 30, tzinfo=UTC)
    # Across the change to summer time (29 March 2026) the local time holds: 04:00 summer
    # time is 02:00 UTC, not 03:00.
    spring = datetime(2026, 3, 28, 12, 0, tzinfo=UTC)
    assert next_run(spring, (4, 0)) == datetime(2026, 3, 29, 2, 0, tzinfo=UTC)
