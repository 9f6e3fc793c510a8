"""A backup taken while a writer is busy restores to a consistent state.

The writer (drill_writer.py) commits whole rounds (a meeting with its rows and a note
with a document) in its own process while `manage.py backup` runs. The restored site has
no dangling reference, every note's document is in the restored media, and the number of
meetings lies between the counts before and after the backup.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from tests.operations.drill import ROOT, Site

WRITER = Path(__file__).with_name("drill_writer.py")

COUNT_MEETINGS = "from meetings.models import Meeting; print(Meeting.objects.count())"
MISSING_DOCUMENTS = """
from django.core.files.storage import default_storage
from projects.models import GroupNote
notes = GroupNote.objects.exclude(attachment="")
print(sum(1 for note in notes if not default_storage.exists(note.attachment.name)), notes.count())
"""


def test_a_backup_under_writes_restores_whole_rounds_only(tmp_path):
    source = Site(tmp_path, "busy", tmp_path / "backups")
    source.manage("migrate", "-v0")
    source.manage("load_demo")
    base = source.counts()
    stop = tmp_path / "stop"
    writer = subprocess.Popen(
        [sys.executable, str(WRITER), str(stop)],
        cwd=ROOT,
        env=source.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        while int(source.shell(COUNT_MEETINGS)) < 30:  # the writer is under way
            assert writer.poll() is None, writer.stderr.read()
            time.sleep(0.2)
        low = int(source.shell(COUNT_MEETINGS))
        name = source.backup()
        high = int(source.shell(COUNT_MEETINGS))
    finally:
        stop.touch()
        out, err = writer.communicate(timeout=60)
    assert writer.returncode == 0, err
    assert high > low, "the writer was blocked while the backup ran"

    manifest = json.loads((source.backups / name / "manifest.json").read_text())
    backed_up = manifest["row_counts"]["meetings.meeting"]
    assert low <= backed_up <= high
    assert int(out) >= high - low

    target = Site(tmp_path, "calm", source.backups)
    restored = target.manage("restore", name)
    assert "Varje modell stämmer med manifestet" in restored.stdout
    counts = target.counts()
    assert counts["meetings.meeting"] == backed_up
    assert counts["dangling references"] == 0
    # Whole rounds only: per written meeting three agenda items, two attendance lines, a note.
    rounds = backed_up - base["meetings.meeting"]
    assert rounds >= 30
    for label, per_round in [
        ("meetings.agendaitem", 3),
        ("meetings.attendance", 2),
        ("projects.groupnote", 1),
    ]:
        assert counts[label] - base[label] == per_round * rounds, label
    missing, notes = map(int, target.shell(MISSING_DOCUMENTS).split())
    assert missing == 0 and notes == counts["projects.groupnote"]
