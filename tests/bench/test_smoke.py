"""End to end: the real benchmark at a tiny scale, in its own directory (about a minute).

It starts its own PostgreSQL cluster, gunicorn and wrk, exactly like ``make bench``,
so it needs the PostgreSQL server binaries and wrk. Without wrk it is skipped, except
in CI (``CI`` set), where .ci/run installs wrk and a missing one must fail. The run
through the cluster also needs redis-server and nginx, skipped the same way.
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
from typing import Any

import pytest

from bench.results import FULL_ENDPOINTS
from cluster.local import missing_packages

BASE_DIR = Path(__file__).resolve().parent.parent.parent
TIMEOUT = 240  # seconds; it takes about one minute
MISSING = missing_packages()

pytestmark = [
    pytest.mark.skipif(
        shutil.which("wrk") is None and not os.environ.get("CI"),
        reason="wrk is not installed (apt-get install wrk); CI installs it and runs this test",
    ),
]


def run_benchmark(output: Path, *options: str) -> dict[str, Any]:
    """``python -m bench.run`` at scale 0.002 on bench_full only, with 1 s runs; the report.

    Also checks what must hold after any run: it completed and left nothing running.
    """
    assert shutil.which("wrk"), "wrk is missing: .ci/run installs it with apt-get"
    # Not tmp_path: as root the cluster belongs to the postgres user, who must be able
    # to reach it, and pytest's temporary directories are private to the user.
    workdir = Path(tempfile.mkdtemp(prefix="delaktig-bench-", dir="/tmp"))
    workdir.chmod(0o755)
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
        *options,
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
        leftover_postgres = (workdir / "pg" / "data" / "postmaster.pid").exists()
        # The cluster keeps a record of each process it runs until it stops it.
        leftover_cluster = sorted(path.name for path in (workdir / "cluster").glob("run/*.json"))
        shutil.rmtree(workdir, ignore_errors=True)

    assert process.returncode == 0, stdout[-5000:]
    assert not leftover_postgres, "PostgreSQL was left running"
    assert not leftover_cluster, f"the cluster left {leftover_cluster} running"
    assert "Targets" in stdout and "targets:" in stdout
    report = json.loads(output.read_text())
    assert report["completed"] is True
    report["stdout"] = stdout
    return report


def full_runs(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    runs = {run["cache"]: run for run in report["runs"] if run["database"] == "full"}
    assert set(runs) == {"on", "off"}
    return runs


def test_the_benchmark_runs_end_to_end(tmp_path: Path) -> None:
    report = run_benchmark(tmp_path / "results.json")

    for cache, run in full_runs(report).items():
        assert list(run["results"]) == list(FULL_ENDPOINTS)
        for name, result in run["results"].items():
            assert result["status"] == 200, (cache, name, result)
            assert result["wrk"]["rps"] > 0, (cache, name, result)
            assert result["headers"]["Server"].startswith("gunicorn"), (cache, name)
        for name in ("bare", "static"):
            assert run["results"][name]["wrk"]["errors"]["total"] == 0, (cache, name)
        assert run["results"]["bare"]["ratio_to_bare"] == 1.0
        assert "cluster" not in run
    queries = report["queries"]["full"]
    assert queries["off"]["bare"]["cold"] == 0  # the liveness view touches no database
    assert queries["off"]["protocol"]["warm"] > 0
    assert report["setup"]["databases"]["full"]["rows"]["meetings.Meeting"] == 40
    assert report["postgres"]["settings"]["shared_buffers"] == "1GB"
    assert report["gunicorn"]["config"]["workers"] >= 2
    assert report["topology"]["through_cluster"] is False


@pytest.mark.cluster
@pytest.mark.skipif(
    bool(MISSING) and not os.environ.get("CI"),
    reason=f"{', '.join(MISSING)} not installed; CI installs them and runs this test",
)
def test_the_benchmark_runs_through_the_cluster(tmp_path: Path) -> None:
    report = run_benchmark(
        tmp_path / "results.json",
        "--through-cluster",
        "--endpoints",
        "protocol,protocol_random_query",
    )

    assert report["topology"]["through_cluster"] is True
    assert report["topology"]["proxy"] == "nginx"
    assert report["topology"]["app_servers"] == 2
    assert "Served by the cluster: nginx" in report["stdout"]
    for cache, run in full_runs(report).items():
        assert list(run["results"]) == ["bare", "protocol", "protocol_random_query"]
        for name, result in run["results"].items():
            assert result["status"] == 200, (cache, name, result)
            assert result["wrk"]["rps"] > 0, (cache, name, result)
            assert result["headers"]["Server"].startswith("nginx"), (cache, name)
        page = run["results"]["protocol"]
        assert ("X-Page-Cache" in page["headers"]) is (cache == "on")
        # Every measured request is in nginx's access log, and nginx shared them out
        # between the two app servers.
        logged = run["cluster"]["requests_logged"]
        measured = sum(result["wrk"]["requests"] for result in run["results"].values())
        assert logged["nginx"] >= measured, (cache, logged, measured)
        assert logged["web-1"] > 0 and logged["web-2"] > 0, (cache, logged)
