"""The restore drill: back up a site with data and uploads, restore it into an empty one.

Runs on the pass's database (SQLite files on the SQLite pass, databases on the test
cluster on the PostgreSQL pass), through `manage.py backup` and `manage.py restore` in
their own processes, as an operator would.
"""

from __future__ import annotations

import json
import os
import shutil
import stat

import pytest

from operations.backup import manifest_digest
from tests.operations.drill import UPLOADS, Site, add_uploads


@pytest.fixture(scope="module")
def drill(tmp_path_factory):
    """A demo site with uploads, its set, and an empty site it was restored into."""
    folder = tmp_path_factory.mktemp("drill")
    backups = folder / "backups"
    source = Site(folder, "source", backups)
    source.manage("migrate", "-v0")
    source.manage("load_demo")
    stored = add_uploads(source)
    before = {"pages": source.pages(), "counts": source.counts(), "media": source.media_files()}
    name = source.backup()
    target = Site(folder, "target", backups)
    restored = target.manage("restore", name)
    return {
        "source": source,
        "target": target,
        "name": name,
        "stored": stored,
        "before": before,
        "restore_output": restored.stdout,
    }


def without_runs(counts: dict[str, int]) -> dict[str, int]:
    """Counts without the backup runs: a restore records itself after it is done."""
    return {label: count for label, count in counts.items() if label != "operations.backuprun"}


def test_every_model_count_is_equal_after_the_restore(drill):
    after = drill["target"].counts()
    assert without_runs(after) == without_runs(drill["before"]["counts"])
    assert after["meetings.meeting"] > 0 and after["projects.groupnote"] == len(UPLOADS)
    assert after["dangling references"] == 0
    assert after["operations.backuprun"] == 1  # the restore's own record


def test_the_restore_says_every_model_matches_the_manifest(drill):
    manifest = json.loads((drill["source"].backups / drill["name"] / "manifest.json").read_text())
    assert f"{sum(manifest['row_counts'].values())} rader" in drill["restore_output"]
    assert "Varje modell stämmer med manifestet" in drill["restore_output"]


def test_every_uploaded_file_is_byte_identical(drill):
    before = drill["before"]["media"]
    assert len(before) == len(UPLOADS)
    assert sorted(before) == sorted(drill["stored"])
    assert drill["target"].media_files() == before


def test_public_pages_are_identical_after_the_restore(drill):
    before, after = drill["before"]["pages"], drill["target"].pages()
    assert list(after) == list(before)
    for path, page in before.items():
        assert page.startswith("200\n"), path
        assert after[path] == page, path


def test_the_set_has_a_manifest_that_vouches_for_every_part(drill):
    folder = drill["source"].backups / drill["name"]
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["sha256"] == manifest_digest(manifest)
    assert manifest["name"] == drill["name"] and manifest["delaktig_version"]
    assert "meetings.0001_initial" in manifest["migrations"]
    assert manifest["row_counts"]["projects.groupnote"] == len(UPLOADS)
    assert manifest["parts"]["media"]["files"] == len(UPLOADS)
    assert sorted(path.name for path in folder.iterdir()) == sorted(
        ["manifest.json", *(part["file"] for part in manifest["parts"].values())]
    )
    for path in [folder, *folder.iterdir()]:  # personal data: the site's own user only
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode & 0o077 == 0, (path, oct(mode))


def test_a_second_restore_into_the_filled_site_is_refused_without_force(drill):
    target = drill["target"]
    before = target.counts()
    refused = target.manage("restore", drill["name"], check=False)
    assert refused.returncode == 1
    assert "innehåller redan data" in refused.stderr
    assert "--force" in refused.stderr
    assert target.counts() == before


def test_force_takes_a_backup_of_what_it_replaces_first(drill, tmp_path):
    source = drill["source"]
    other = Site(tmp_path, "other", source.backups)
    other.manage("migrate", "-v0")
    other.shell(
        "from organisations.models import Organisation;"
        "Organisation.objects.create(name='Bara här', slug='bara-har')"
    )
    sets_before = other.set_names()
    restored = other.manage("restore", drill["name"], "--force")
    made = other.set_names() - sets_before
    assert len(made) == 1, restored.stdout
    safety = made.pop()
    assert safety in restored.stdout
    assert without_runs(other.counts()) == without_runs(drill["before"]["counts"])
    # The safety set holds the replaced data and restores like any other.
    again = Site(tmp_path, "again", source.backups)
    again.manage("restore", safety)
    assert (
        again.shell(
            "from organisations.models import Organisation;"
            "print(list(Organisation.objects.values_list('name', flat=True)))"
        ).strip()
        == "['Bara här']"
    )


def test_a_set_from_an_older_version_gets_the_newer_migrations(tmp_path):
    """A set made before the operations app existed: restored, then migrated forward."""
    older = Site(tmp_path, "older", tmp_path / "backups")
    older.manage("migrate", "-v0")
    older.manage("migrate", "operations", "zero", "-v0")
    name = older.backup()
    manifest = json.loads((older.backups / name / "manifest.json").read_text())
    assert not any(migration.startswith("operations.") for migration in manifest["migrations"])

    target = Site(tmp_path, "newer", older.backups)
    restored = target.manage("restore", name)
    assert "migreringar nyare än säkerhetskopian kördes" in restored.stdout
    assert target.manage("migrate", "--check", check=False).returncode == 0
    assert target.counts()["operations.backuprun"] == 1  # the restore could record itself


def test_a_restore_whose_rows_differ_from_the_manifest_fails_loudly(drill, tmp_path):
    """A manifest that promises more than the dump holds: restored, said, and exit 1."""
    source = drill["source"]
    name = "delaktig-20200201T000000Z"
    shutil.copytree(source.backups / drill["name"], source.backups / name)
    manifest_path = source.backups / name / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["row_counts"]["meetings.meeting"] += 1
    manifest["sha256"] = manifest_digest(manifest)
    manifest_path.write_text(json.dumps(manifest))

    target = Site(tmp_path, "short", source.backups)
    restored = target.manage("restore", name, check=False)
    assert restored.returncode == 1
    assert "meetings.meeting" in restored.stdout and "skiljer sig" in restored.stdout
    assert "2 modeller" not in restored.stderr and "1 modeller" in restored.stderr
    assert "innan webbplatsen används igen" in restored.stderr


@pytest.mark.cluster  # PostgreSQL only: in make test it runs in the PostgreSQL pass
@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"), reason="PostgreSQL only"
)
def test_a_restore_that_fails_halfway_leaves_the_database_as_it_was(drill, tmp_path):
    """psql stops at an error in the middle of the dump: nothing of it stays, and the
    restore ends at once instead of waiting on pg_restore."""
    target = Site(tmp_path, "blocked", drill["source"].backups)
    target.manage("migrate", "-v0")
    target.shell(
        "from django.db import connection\n"
        "with connection.cursor() as cursor:\n"
        "    cursor.execute('CREATE TABLE kept (n int)')\n"
        "    cursor.execute('INSERT INTO kept VALUES (1)')\n"
        "    cursor.execute('DROP TABLE meetings_meeting CASCADE')\n"
        "    cursor.execute('CREATE VIEW meetings_meeting AS SELECT 1 AS id')\n"
    )
    before = target.shell(LIST_TABLES)
    failed = target.manage("restore", drill["name"], "--force", check=False, timeout=120)
    assert failed.returncode == 1
    assert "Återställningen misslyckades, och databasen lämnades som den var" in failed.stderr
    assert "meetings_meeting" in failed.stderr
    assert target.shell(LIST_TABLES) == before


LIST_TABLES = (
    "from django.db import connection\n"
    "with connection.cursor() as cursor:\n"
    "    cursor.execute(\"SELECT tablename FROM pg_tables WHERE schemaname = 'public' \"\n"
    '                   "ORDER BY 1")\n'
    "    print([row[0] for row in cursor.fetchall()])\n"
    "    cursor.execute('SELECT n FROM kept')\n"
    "    print(cursor.fetchall())\n"
)
