"""What a killed `make cluster` left running is stopped by the next start, and nothing else."""

from __future__ import annotations

import json
import signal
from pathlib import Path

from cluster.local import Process, stop_leftovers


def sleeper(rundir: Path) -> Process:
    process = Process("sleeper", ["sleep", "60"], rundir / "sleeper.log")
    process.start(rundir)
    return process


def test_a_process_left_by_a_killed_run_is_stopped_by_the_next_start(tmp_path: Path) -> None:
    left = sleeper(tmp_path)  # as if the harness that started it had been killed

    stop_leftovers(tmp_path)

    assert left.popen.wait(timeout=10) == -signal.SIGTERM
    assert list(tmp_path.glob("*.json")) == []


def test_a_recorded_pid_that_now_names_another_process_is_left_alone(tmp_path: Path) -> None:
    other = sleeper(tmp_path)
    record = tmp_path / "sleeper.json"
    entry = json.loads(record.read_text())
    record.write_text(json.dumps({**entry, "started": "1"}))  # the same pid, started earlier

    stop_leftovers(tmp_path)

    try:
        assert other.returncode is None
        assert not record.exists()
    finally:
        other.stop()
