"""`manage.py backup` in this process: what it records, prints and writes."""

from __future__ import annotations

import json
import stat
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from operations.models import BackupRun
from operations.sets import list_sets
from tests.factories import MeetingFactory


@pytest.fixture
def backup_dir(settings, tmp_path):
    folder = tmp_path / "backups"
    settings.STORAGES = {
        **settings.STORAGES,
        "backups": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {
                "location": folder,
                "file_permissions_mode": 0o600,
                "directory_permissions_mode": 0o700,
            },
        },
    }
    return folder


def test_a_backup_is_recorded_with_its_set_and_size(transactional_db, backup_dir):
    MeetingFactory.create_batch(2)
    output = StringIO()
    call_command("backup", stdout=output)

    run = BackupRun.objects.get()
    assert (run.kind, run.status) == (BackupRun.Kind.BACKUP, BackupRun.Status.SUCCEEDED)
    (found,) = list_sets()
    assert found.complete and found.name == run.set_name and found.size == run.size
    manifest = json.loads((backup_dir / run.set_name / "manifest.json").read_text())
    assert manifest["row_counts"]["meetings.meeting"] == 2
    assert manifest["row_counts"]["operations.backuprun"] == 0  # written after the dump
    assert stat.S_IMODE((backup_dir / run.set_name).stat().st_mode) == 0o700
    text = output.getvalue()
    for step in ("Databasen kopieras", "Mediefilerna packas", f"Säkerhetskopian {run.set_name}"):
        assert step in text  # the steps as they happen, in Swedish


def test_a_failed_backup_is_recorded_and_exits_with_an_error(transactional_db, backup_dir):
    backup_dir.parent.mkdir(exist_ok=True)
    backup_dir.write_text("a file where the folder should be")
    errors = StringIO()
    with pytest.raises(CommandError, match="misslyckades"):
        call_command("backup", stdout=StringIO(), stderr=errors)
    run = BackupRun.objects.get()
    assert run.status == BackupRun.Status.FAILED and run.set_name == ""
    assert run.message and run.message in errors.getvalue()


def test_the_list_shows_sets_and_marks_unfinished_ones(transactional_db, backup_dir):
    call_command("backup", stdout=StringIO())
    (backup_dir / "delaktig-20200101T000000Z").mkdir()
    (backup_dir / "delaktig-20200101T000000Z" / "database.sqlite3.gz").write_bytes(b"x")
    output = StringIO()
    call_command("backup", "--list", stdout=output)
    lines = output.getvalue().splitlines()
    assert len(lines) == 2
    assert "ofullständig" in lines[1] and "ofullständig" not in lines[0]


def test_a_clock_time_must_be_hours_and_minutes(db):
    with pytest.raises(CommandError, match="TT:MM"):
        call_command("backup", "--daily-at", "25:99")
