"""End to end: the real benchmark at a tiny scale, in its own directory (about a minute).

It starts its own PostgreSQL cluster, gunicorn and wrk, exactly like ``make bench``,
so it needs the PostgreSQL server binaries and wrk. Without wrk it is skipped, except
in CI (``CI`` set), where .ci/run installs wrk and a missing one must fail.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from bench.results import FULL_ENDPOINTS

BASE_DIR = Path(__file__).resolve().parent.parent.parent
TIMEOUT = 240  # seconds; it takes about one minute

pytestmark = [
    pytest.mark.skipif(
        shutil.which("wrk") is None and not os.environ.get("CI"),
        reason="wrk is not installed (apt-get install wrk); CI installs it and runs this test",
    ),
]


def test_the_benchmark_runs_end_to_end(tmp_path: Path) -> None:
    assert shutil.which("wrk"), "wrk is missing: .ci/run installs it with apt-get"
    # Not tmp_path: as root the cluster belongs to the postgres user, who must be able
    # to reach it, and pytest's temporary directories are private to the user.
    workdir = Path(tempfile.mkdtemp(prefix="delaktig-bench-", dir="/tmp"))
    workdir.chmod(0o755)
    output = tmp_path / "results.json"
    command = [
        sys.executable,
        "-m",
        "bench.run",
        "--scale",
        "0.002",
        "--duration",
        "1",
        "--warmup",
        "0.3",
        "--skip-tenth",
        "--workdir",
        str(workdir),
        "--output",
        str(output),
    ]
    process = subprocess.Popen(
        command, cwd=BASE_DIR, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        stdout, _ = process.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        # SIGTERM lets the harness stop gunicorn and PostgreSQL before it exits.
        process.send_signal(signal.SIGTERM)
        stdout, _ = process.communicate(timeout=90)
        pytest.fail(f"the benchmark took longer than {TIMEOUT} s:\n{stdout[-5000:]}")
    finally:
        leftover = (workdir / "pg" / "data" / "postmaster.pid").exists()
        shutil.rmtree(workdir, ignore_errors=True)

    assert process.returncode == 0, stdout[-5000:]
    assert not leftover, "PostgreSQL was left running"
    report = json.loads(output.read_text())
    assert report["completed"] is True

    runs = {run["cache"]: run for run in report["runs"] if run["database"] == "full"}
    assert set(runs) == {"on", "off"}
    for cache, run in runs.items():
        assert list(run["results"]) == list(FULL_ENDPOINTS)
        for name, result in run["results"].items():
            assert result["status"] == 200, (cache, name, result)
            assert result["wrk"]["rps"] > 0, (cache, name, result)
        for name in ("bare", "static"):
            assert run["results"][name]["wrk"]["errors"]["total"] == 0, (cache, name)
        assert run["results"]["bare"]["ratio_to_bare"] == 1.0
    queries = report["queries"]["full"]
    assert queries["off"]["bare"]["cold"] == 0  # the health view touches no database
    assert queries["off"]["protocol"]["warm"] > 0
    assert report["setup"]["databases"]["full"]["rows"]["meetings.Meeting"] == 40
    assert report["postgres"]["settings"]["shared_buffers"] == "1GB"
    assert report["gunicorn"]["config"]["workers"] >= 2
    assert "Targets" in stdout and "targets:" in stdout
