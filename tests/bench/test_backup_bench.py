"""End to end: ``python -m bench.backup`` at a tiny scale, in its own directory.

It starts its own PostgreSQL cluster like ``make bench-backup``, so it needs the
PostgreSQL server binaries and pg_dump; without them it is skipped, except in CI.
Under a minute on a quiet machine, most of it three runs of ``migrate``.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps

from tests.postgres_harness import _find_binary

BASE_DIR = Path(__file__).resolve().parent.parent.parent
TIMEOUT = 600  # seconds; under a minute on a quiet machine, minutes on a busy one
CASES = ("demo_sqlite", "demo_postgres", "scale_postgres")

pytestmark = [
    pytest.mark.skipif(
        (_find_binary("initdb") is None or shutil.which("pg_dump") is None)
        and not os.environ.get("CI"),
        reason="the PostgreSQL server and client binaries are not installed",
    ),
]


@pytest.fixture(scope="module")
def run() -> Any:
    """One run of the benchmark, kept (--keep) so that its restored files can be read."""
    # Not tmp_path: as root the cluster belongs to the postgres user, who must be able
    # to reach it, and pytest's temporary directories are private to the user.
    workdir = Path(tempfile.mkdtemp(prefix="delaktig-bench-backup-", dir="/tmp"))
    workdir.chmod(0o755)
    output = workdir / "backup.json"
    command = [sys.executable, "-m", "bench.backup", "--scale", "0.002", "--keep"]
    command += ["--workdir", str(workdir), "--output", str(output)]
    process = subprocess.Popen(
        command, cwd=BASE_DIR, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        stdout, _ = process.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        # SIGTERM lets the harness stop PostgreSQL before it exits.
        process.send_signal(signal.SIGTERM)
        stdout, _ = process.communicate(timeout=90)
        shutil.rmtree(workdir, ignore_errors=True)
        pytest.fail(f"the benchmark took longer than {TIMEOUT} s:\n{stdout[-5000:]}")
    try:
        yield process.returncode, stdout, workdir, output
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def test_it_times_backup_and_restore_of_every_case(run) -> None:
    returncode, stdout, workdir, output = run

    assert returncode == 0, stdout[-5000:]
    assert not (workdir / "pg" / "data" / "postmaster.pid").exists(), "PostgreSQL left running"
    report = json.loads(output.read_text())
    assert report["completed"] is True
    assert list(report["cases"]) == list(CASES)
    for name, case in report["cases"].items():
        assert case["backup_seconds"] > 0, name
        assert case["restore_seconds"] > 0, name
        assert case["set_bytes"] == sum(case["parts"].values()) > 0, name
        assert {"manifest.json", "media.tar.gz"} < set(case["parts"]), name
        assert case["rows"] == sum(case["row_counts"].values()) > 0, name
        assert case["rows_match"] is True and case["mismatches"] == {}, name
    cases = report["cases"]
    assert "database.sqlite3.gz" in cases["demo_sqlite"]["parts"]
    assert "database.pgdump" in cases["demo_postgres"]["parts"]
    assert cases["demo_sqlite"]["row_counts"] == cases["demo_postgres"]["row_counts"]
    assert cases["scale_postgres"]["meetings"] == 40
    assert "scale_postgres" in stdout and "restore s" in stdout


def test_the_restored_database_holds_every_row_of_the_manifest(run) -> None:
    """Counted here, not by the benchmark: the SQLite copy the demo was restored into."""
    returncode, stdout, workdir, _output = run
    assert returncode == 0, stdout[-5000:]
    folder = workdir / "backup" / "demo_sqlite"
    (manifest_path,) = (folder / "sets").glob("*/manifest.json")
    expected = json.loads(manifest_path.read_text())["row_counts"]
    tables = {
        model._meta.label_lower: model._meta.db_table
        for model in apps.get_models(include_auto_created=True)
    }

    with closing(
        sqlite3.connect(f"file:{folder / 'demo-restored.sqlite3'}?mode=ro", uri=True)
    ) as db:
        counted = {
            label: db.execute(f'SELECT COUNT(*) FROM "{tables[label]}"').fetchone()[0]  # noqa: S608
            for label in expected
        }

    # The restore records its own run in the restored database, after the rows are in.
    expected["operations.backuprun"] += 1
    assert counted == expected
    assert expected["meetings.meeting"] > 0
