"""``make bench``: a load benchmark of the production setup on this machine.

1. A private PostgreSQL cluster under ``<workdir>/pg`` (tests/postgres_harness.py's
   functions), kept between runs, tuned for this 2-core/24 GB machine (PG_SETTINGS).
2. Two databases: ``bench_full`` at ``--scale`` and ``bench_tenth`` at a tenth of it:
   migrate, generate_scale_data, VACUUM ANALYZE, each timed. A database whose comment
   says it was generated from the same scale, seed, generator, search code and
   migrations is reused (``--fresh`` rebuilds it).
3. collectstatic into ``<workdir>/static`` (DJANGO_STATIC_ROOT; the Django processes run
   config.settings.production unchanged).
4. Concrete URLs resolved in-process (bench/probe.py), SQL queries per request counted
   in-process, cold and warm, with the page cache on and off.
5. gunicorn (GUNICORN below) on 127.0.0.1, the page cache on, then off; for each
   endpoint a warm-up and a measured wrk run (bench/report.lua prints wrk's JSON).
   With ``--through-cluster``, instead of that gunicorn, cluster/local.py on the same
   database for each run: nginx in front of two app servers sharing Redis.
6. A table and the targets on stdout, everything in JSON at ``--output``.

Every process it starts (PostgreSQL, gunicorn, the cluster, wrk, manage.py) is stopped at
the end, also on errors and Ctrl-C; every wait is bounded. Only 127.0.0.1 is ever contacted.
Exit status: 0 when the run completed (failing targets are reported, not an error),
1 when the harness itself failed, 130 when interrupted.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import hashlib
import http.client
import importlib.metadata
import json
import os
import platform
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bench import results as R
from cluster.local import Cluster as LocalCluster
from cluster.local import ClusterError, missing_packages
from tests import postgres_harness as pg

BASE_DIR = Path(__file__).resolve().parent.parent
SETTINGS_MODULE = "config.settings.production"
LUA_SCRIPT = Path(__file__).resolve().parent / "report.lua"
SEED = 42
HOST = "127.0.0.1"
DATABASES = {"full": "bench_full", "tenth": "bench_tenth"}

# PostgreSQL for a 2-core, 24 GB machine that also runs gunicorn and wrk. The whole
# data set (about 1 GB at scale 1.0) fits in shared_buffers plus the OS cache.
PG_SETTINGS = {
    "max_connections": "100",
    "shared_buffers": "1GB",
    "effective_cache_size": "16GB",
    "work_mem": "16MB",
    "maintenance_work_mem": "512MB",
    "random_page_cost": "1.1",  # everything is in memory
    "effective_io_concurrency": "200",
    # Two cores are already busy with gunicorn and wrk under load: parallel workers
    # would only add process start-up to each query.
    "max_worker_processes": "4",
    "max_parallel_workers": "2",
    "max_parallel_workers_per_gather": "0",
    "max_parallel_maintenance_workers": "1",
    # JIT compiles expensive-looking plans at run time, which costs more than it saves
    # for web requests of a few milliseconds.
    "jit": "off",
    "wal_buffers": "16MB",
    "max_wal_size": "4GB",  # no checkpoint storm during the bulk load
    "checkpoint_timeout": "15min",
    "checkpoint_completion_target": "0.9",
    "log_min_duration_statement": "500",  # ms: outliers end up in <workdir>/pg/server.log
}
PG_STAT_STATEMENTS = {
    "shared_preload_libraries": "pg_stat_statements",
    "pg_stat_statements.track": "top",
}

# The gunicorn configuration for every measured run: what the Dockerfile and
# docker-compose.yml deploy (sync workers, 2 of them). Measured with --calibrate on this
# machine (2 cores shared with PostgreSQL and wrk, 16 connections, 10 s runs, scale 1.0,
# page cache off; rps of bare / protocol / archive, two or three runs each):
#   sync ×2            1698–2050 / 33–39 / 32–35
#   sync ×3            1584–1911 / 29–35 / 32–39
#   sync ×4            1479      / 29
#   gthread ×2, 4 thr. 2197      / 14      (keep-alive helps the bare view; threads
#   gthread ×3, 4 thr. 1857      / 15       fighting over the GIL halve the Python pages)
# sync ×2 and ×3 are the same within the noise; more workers only add processes
# competing with PostgreSQL and wrk for the two cores, so the deployed sync ×2 it is.
GUNICORN = {"worker_class": "sync", "workers": 2, "threads": 1}
CALIBRATION_CANDIDATES = (
    {"worker_class": "sync", "workers": 2, "threads": 1},
    {"worker_class": "sync", "workers": 3, "threads": 1},
    {"worker_class": "sync", "workers": 4, "threads": 1},
    {"worker_class": "gthread", "workers": 2, "threads": 4},
    {"worker_class": "gthread", "workers": 3, "threads": 4},
)

# --through-cluster: the topology of docker-compose.yml (nginx in front of two app servers
# that share Redis), started by cluster/local.py. GUNICORN's workers are split between the
# servers, so the app has as many processes as in a direct run: what differs is the proxy,
# the shared cache and the access logs that nginx and the app servers write.
CLUSTER_APP_SERVERS = 2

HEALTH_TIMEOUT = 60  # seconds for gunicorn to answer /health/
STEP_TIMEOUT = 3600  # seconds for one manage.py step (generate at scale 1.0 takes minutes)
PROBE_TIMEOUT = 900


class HarnessError(RuntimeError):
    """The benchmark could not run; the message says what to do."""


def log(message: str) -> None:
    stamp = datetime.datetime.now().strftime("%H:%M:%S")
    print(f"[bench {stamp}] {message}", flush=True)


def now_iso() -> str:
    return datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")


@contextlib.contextmanager
def timed(into: dict[str, Any], key: str) -> Iterator[None]:
    started = time.monotonic()
    try:
        yield
    finally:
        into[key] = round(time.monotonic() - started, 2)


def free_port() -> int:
    return pg._free_port()


# --- PostgreSQL --------------------------------------------------------------------------


def has_pg_stat_statements(cluster: pg.Cluster) -> bool:
    libdir = Path(cluster.pg_ctl).resolve().parent.parent / "lib"  # /usr/local/bin may link
    return (libdir / "pg_stat_statements.so").exists()


def start_cluster(
    directory: Path, stack: contextlib.ExitStack, report: dict[str, Any]
) -> pg.Cluster:
    info: dict[str, Any] = {"directory": str(directory)}
    report["postgres"] = info
    with timed(info, "start_seconds"):
        try:
            cluster = pg.prepare(directory)
        except pg.ClusterError as error:
            raise HarnessError(str(error)) from error
        if (cluster.datadir / "postmaster.pid").exists():
            # A server left running by an interrupted benchmark: stop it cleanly.
            status = cluster.run(cluster.pg_ctl, "-D", str(cluster.datadir), "status")
            if status.returncode == 0:
                log("stopping a PostgreSQL server left running by an earlier run")
                cluster.run(cluster.pg_ctl, "-D", str(cluster.datadir), "-m", "fast", "-w", "stop")
        info["initialised"] = not (cluster.datadir / "PG_VERSION").exists()
        if info["initialised"]:
            shutil.rmtree(cluster.datadir, ignore_errors=True)
            log(f"initdb {cluster.datadir}")
            try:
                pg.initialise(cluster, settings={}, comment="benchmark")
            except pg.ClusterError as error:
                raise HarnessError(str(error)) from error
        settings = dict(PG_SETTINGS)
        if has_pg_stat_statements(cluster):
            settings.update(PG_STAT_STATEMENTS)
        options = [f"-c {name}={value}" for name, value in settings.items()]
        stack.callback(stop_cluster, cluster)
        try:
            pg.start(cluster, options=options, timeout=120)
        except pg.ClusterError as error:
            tail = (
                cluster.logfile.read_text(errors="replace")[-3000:]
                if cluster.logfile.exists()
                else ""
            )
            raise HarnessError(f"{error}\n--- server log ---\n{tail}") from error
    log(f"PostgreSQL on 127.0.0.1:{cluster.port} ({cluster.datadir})")
    with connect(cluster, "postgres") as conn:
        info["version"] = conn.execute("SHOW server_version").fetchone()[0]
        info["version_full"] = conn.execute("SELECT version()").fetchone()[0]
        names = list(settings)
        rows = conn.execute(
            "SELECT name, current_setting(name) FROM pg_settings WHERE name = ANY(%s) ORDER BY name",
            [names],
        ).fetchall()
    info["settings"] = dict(rows)
    info["settings_requested"] = settings
    info["port"] = cluster.port
    return cluster


def stop_cluster(cluster: pg.Cluster) -> None:
    if cluster.running:
        log("stopping PostgreSQL")
        pg.stop(cluster, mode="fast", remove=False)


def connect(cluster: pg.Cluster, database: str):
    import psycopg

    return psycopg.connect(
        host=HOST,
        port=cluster.port,
        user=pg.SUPERUSER,
        dbname=database,
        autocommit=True,
        connect_timeout=10,
    )


def database_comment(cluster: pg.Cluster, name: str) -> dict[str, Any] | None:
    """None when the database does not exist; its JSON comment (or {}) when it does."""
    with connect(cluster, "postgres") as conn:
        row = conn.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
            [name],
        ).fetchone()
    if row is None:
        return None
    try:
        return json.loads(row[0] or "{}")
    except json.JSONDecodeError:
        return {}


def data_fingerprint(scale: float, seed: int) -> str:
    """Changes whenever the generated data could: scale, seed, generator, search, migrations."""
    digest = hashlib.sha256(f"{scale!r}:{seed}".encode())
    files = [
        BASE_DIR / "meetings" / "scale.py",
        BASE_DIR / "meetings" / "search.py",
        BASE_DIR / "meetings" / "management" / "commands" / "generate_scale_data.py",
    ]
    for app in ("organisations", "people", "projects", "meetings"):
        files += sorted((BASE_DIR / app / "migrations").glob("*.py"))
    for path in files:
        if path.exists():
            digest.update(str(path.relative_to(BASE_DIR)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


# --- Django subprocesses ------------------------------------------------------------------


class Environment:
    """The production environment every Django process of the benchmark runs with."""

    def __init__(self, workdir: Path) -> None:
        self.secret_key = secrets.token_urlsafe(48)  # 64 characters, new for every run
        self.static_root = workdir / "static"

    def build(self, database_url: str, *, cache: bool, port: int | None = None) -> dict[str, str]:
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("DJANGO_", "DELAKTIG_")) and key != "DATABASE_URL"
        }
        env.update(
            {
                "DJANGO_SETTINGS_MODULE": SETTINGS_MODULE,
                "DJANGO_SECRET_KEY": self.secret_key,
                "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
                "DJANGO_EMAIL_URL": "consolemail://",
                "DJANGO_SITE_URL": f"http://{HOST}:{port}" if port else f"http://{HOST}",
                "DJANGO_SECURE_SSL_REDIRECT": "false",
                "DATABASE_URL": database_url,
                "DELAKTIG_PAGE_CACHE": "true" if cache else "false",
                "DJANGO_STATIC_ROOT": str(self.static_root),
                "PYTHONUNBUFFERED": "1",
            }
        )
        return env


def run_step(
    command: list[str], env: dict[str, str], logfile: Path, timeout: float = STEP_TIMEOUT
) -> str:
    """Run a command in the project directory; its output goes to ``logfile`` too."""
    logfile.parent.mkdir(parents=True, exist_ok=True)
    try:
        result = subprocess.run(  # noqa: S603 - fixed commands
            command,
            cwd=BASE_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as error:
        raise HarnessError(f"{' '.join(command)} took longer than {timeout:.0f} s") from error
    with logfile.open("a") as out:
        out.write(f"$ {' '.join(command)}\n{result.stdout}{result.stderr}\n")
    if result.returncode != 0:
        raise HarnessError(
            f"{' '.join(command)} failed (exit {result.returncode}):\n"
            f"{(result.stdout + result.stderr)[-4000:]}"
        )
    return result.stdout


def manage(*args: str, env: dict[str, str], logfile: Path, timeout: float = STEP_TIMEOUT) -> str:
    return run_step([sys.executable, "manage.py", *args], env, logfile, timeout)


def probe(args: list[str], env: dict[str, str], logfile: Path) -> dict[str, Any]:
    from bench.probe import MARKER

    stdout = run_step([sys.executable, "-m", "bench.probe", *args], env, logfile, PROBE_TIMEOUT)
    lines = [line for line in stdout.splitlines() if line.startswith(MARKER)]
    if not lines:
        raise HarnessError(f"bench.probe {args[0]} printed no result:\n{stdout[-2000:]}")
    return json.loads(lines[-1][len(MARKER) :])


def ensure_database(
    cluster: pg.Cluster,
    key: str,
    scale: float,
    *,
    fresh: bool,
    environment: Environment,
    logdir: Path,
) -> dict[str, Any]:
    name = DATABASES[key]
    fingerprint = data_fingerprint(scale, SEED)
    info: dict[str, Any] = {
        "database": name,
        "scale": scale,
        "seed": SEED,
        "fingerprint": fingerprint,
    }
    steps: dict[str, float] = {}
    info["steps"] = steps
    env = environment.build(cluster.url_for(name), cache=False)
    logfile = logdir / f"setup-{name}.log"

    comment = database_comment(cluster, name)
    reusable = (
        not fresh
        and comment is not None
        and comment.get("fingerprint") == fingerprint
        and comment.get("complete") is True
    )
    if reusable:
        log(f"{name}: reusing the data generated {comment.get('generated_at')} (scale {scale})")
        info["reused"] = True
        info["generated_at"] = comment.get("generated_at")
        info["original_steps"] = comment.get("steps")
        with timed(steps, "migrate"):
            manage("migrate", "--noinput", env=env, logfile=logfile)
        return info

    info["reused"] = False
    reason = (
        "--fresh" if fresh else ("missing" if comment is None else "generated from other inputs")
    )
    log(f"{name}: building the data set at scale {scale} ({reason})")
    with timed(steps, "create"), connect(cluster, "postgres") as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    with timed(steps, "migrate"):
        manage("migrate", "--noinput", env=env, logfile=logfile)
    if has_pg_stat_statements(cluster):
        with connect(cluster, name) as conn:
            conn.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
    log(f"{name}: generate_scale_data --scale {scale} (takes about 2 min at 1.0)")
    with timed(steps, "generate"):
        output = manage(
            "generate_scale_data",
            "--scale",
            repr(scale),
            "--seed",
            str(SEED),
            env=env,
            logfile=logfile,
        )
    info["generate_output"] = output.strip().splitlines()[-20:]
    log(f"{name}: VACUUM ANALYZE")
    with timed(steps, "vacuum_analyze"), connect(cluster, name) as conn:
        conn.execute("VACUUM ANALYZE")
    info["generated_at"] = now_iso()
    stamp = {
        "scale": scale,
        "seed": SEED,
        "fingerprint": fingerprint,
        "generated_at": info["generated_at"],
        "steps": steps,
        "complete": True,
    }
    with connect(cluster, "postgres") as conn:
        literal = json.dumps(stamp).replace("'", "''")
        conn.execute(f"COMMENT ON DATABASE \"{name}\" IS '{literal}'")
    log(f"{name}: ready in {sum(steps.values()):.0f} s ({steps})")
    return info


# --- gunicorn ---------------------------------------------------------------------------------


def kill_leftover_gunicorn(pidfile: Path) -> None:
    """Stop a gunicorn master an interrupted run of this benchmark left behind (by its pid)."""
    try:
        pid = int(pidfile.read_text().strip())
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
    except (OSError, ValueError):
        return
    if "gunicorn" in cmdline and "config.wsgi" in cmdline:
        log(f"stopping gunicorn {pid} left running by an earlier run")
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and Path(f"/proc/{pid}").exists():
            time.sleep(0.2)
    pidfile.unlink(missing_ok=True)


class Gunicorn:
    def __init__(
        self, config: dict[str, Any], env: dict[str, str], logfile: Path, pidfile: Path
    ) -> None:
        self.config = config
        self.env = env
        self.logfile = logfile
        self.pidfile = pidfile
        self.process: subprocess.Popen | None = None
        self.port = 0

    def command(self) -> list[str]:
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi:application",
            "--bind",
            f"{HOST}:{self.port}",
            "--worker-class",
            self.config["worker_class"],
            "--workers",
            str(self.config["workers"]),
            "--graceful-timeout",
            "10",
            "--chdir",
            str(BASE_DIR),
            "--pid",
            str(self.pidfile),
            "--error-logfile",
            str(self.logfile),
            "--capture-output",  # Django's log (tracebacks of any 500) into that file too
        ]
        if self.config["worker_class"] == "gthread":
            command += ["--threads", str(self.config["threads"])]
        return command

    def start(self) -> None:
        kill_leftover_gunicorn(self.pidfile)
        self.logfile.parent.mkdir(parents=True, exist_ok=True)
        for _attempt in range(3):
            self.port = free_port()
            self.env["DJANGO_SITE_URL"] = f"http://{HOST}:{self.port}"
            offset = self.logfile.stat().st_size if self.logfile.exists() else 0
            self.process = subprocess.Popen(  # noqa: S603 - fixed command
                self.command(),
                cwd=BASE_DIR,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,  # Ctrl-C reaches the harness, which stops it in order
            )
            if self.wait_healthy(offset):
                return
            text = self.log_since(offset)
            self.stop()
            if "in use" not in text:
                raise HarnessError(f"gunicorn did not answer /health/ with 200:\n{text[-4000:]}")
        raise HarnessError("gunicorn could not bind a free port in three attempts")

    def log_since(self, offset: int) -> str:
        if not self.logfile.exists():
            return ""
        with self.logfile.open(errors="replace") as handle:
            handle.seek(offset)
            return handle.read()

    def wait_healthy(self, offset: int) -> bool:
        deadline = time.monotonic() + HEALTH_TIMEOUT
        while time.monotonic() < deadline:
            if self.process is None or self.process.poll() is not None:
                return False
            with contextlib.suppress(OSError, http.client.HTTPException):
                if http_get(self.port, "/health/", timeout=5)[0] == 200:
                    return True
            time.sleep(0.2)
        return False

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
        self.pidfile.unlink(missing_ok=True)


@contextlib.contextmanager
def gunicorn_running(
    config: dict[str, Any], env: dict[str, str], logfile: Path, pidfile: Path
) -> Iterator[Gunicorn]:
    server = Gunicorn(config, env, logfile, pidfile)
    try:
        server.start()
        yield server
    finally:
        server.stop()


# Who answered (gunicorn or nginx) and whether the page cache had the page.
SHOWN_HEADERS = ("Server", "X-Page-Cache")


def http_get(port: int, path: str, timeout: float = 30) -> tuple[int, int, dict[str, str]]:
    """(status, body length, SHOWN_HEADERS present) of one GET, without following redirects."""
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        size = len(response.read())
        headers = {
            name: response.headers[name] for name in SHOWN_HEADERS if name in response.headers
        }
        return response.status, size, headers
    finally:
        conn.close()


@contextlib.contextmanager
def local_cluster_running(
    database_url: str, cache: bool, config: dict[str, Any], workdir: Path
) -> Iterator[LocalCluster]:
    """cluster/local.py on a benchmark database: Redis, the app servers and nginx; no
    PostgreSQL of its own and no task workers (nothing measured sends mail)."""
    site = LocalCluster(
        workdir,
        app_servers=CLUSTER_APP_SERVERS,
        web_workers=max(1, config["workers"] // CLUSTER_APP_SERVERS),
        task_workers=0,
        demo=False,
        database_url=database_url,
        extra_env={"DELAKTIG_PAGE_CACHE": "true" if cache else "false"},
        log=lambda message: log(f"cluster: {message}"),
    )
    try:
        site.start()  # on failure it stops what it started
    except ClusterError as error:
        raise HarnessError(
            f"the cluster did not start (logs in {site.logdir}):\n{error}"
        ) from error
    try:
        yield site
    finally:
        site.stop()


def logged_requests(site: LocalCluster) -> dict[str, int]:
    """Lines in the access log of nginx and of each app server: the requests that really
    went through nginx, and how nginx shared them out."""
    counts = {}
    for process in site.processes:
        path = site.logdir / f"{process.name}-access.log"
        if path.exists():
            with path.open("rb") as lines:
                counts[process.name] = sum(1 for _line in lines)
    return counts


def topology(options: argparse.Namespace, config: dict[str, Any]) -> dict[str, Any]:
    """What served the load, so that runs through the cluster are not taken for direct ones."""
    if not options.through_cluster:
        return {
            "through_cluster": False,
            "summary": (
                f"one gunicorn ({config['workers']} {config['worker_class']} workers), no "
                "proxy; page cache in each worker's memory"
            ),
        }
    workers = max(1, config["workers"] // CLUSTER_APP_SERVERS)
    return {
        "through_cluster": True,
        "proxy": "nginx",
        "app_servers": CLUSTER_APP_SERVERS,
        "workers_per_app_server": workers,
        "worker_class": "sync",
        "cache": "redis",
        "access_logs": "nginx and each app server",
        "summary": (
            f"the cluster: nginx → {CLUSTER_APP_SERVERS} app servers (gunicorn, {workers} "
            "sync worker(s) each); page cache in one shared Redis"
        ),
    }


# --- load ---------------------------------------------------------------------------------------


def wrk_binary() -> str:
    found = shutil.which("wrk")
    if not found:
        raise HarnessError("wrk is not installed: apt-get install -y wrk")
    return found


def measure(
    port: int,
    path: str,
    options: argparse.Namespace,
    *,
    duration: float | None = None,
    random_query: bool = False,
) -> dict[str, Any]:
    result: dict[str, Any] = {"url": path}
    try:
        status, size, headers = http_get(port, path)
    except (OSError, http.client.HTTPException) as error:
        result.update(status=None, error=f"request failed: {error}", wrk=None)
        return result
    result.update(status=status, bytes=size, headers=headers)
    if status != 200:
        result.update(error=f"HTTP {status}: not measured", wrk=None)
        return result
    url = f"http://{HOST}:{port}{path}"
    wrk = wrk_binary()
    seconds = options.duration if duration is None else duration
    common = {"connections": options.connections, "threads": options.threads}
    try:
        if options.warmup > 0:
            subprocess.run(  # noqa: S603 - fixed command
                R.wrk_command(wrk, url, seconds=options.warmup, script=None, **common),
                capture_output=True,
                timeout=options.warmup + 60,
                check=False,
            )
        completed = subprocess.run(  # noqa: S603 - fixed command
            R.wrk_command(
                wrk,
                url,
                seconds=seconds,
                script=str(LUA_SCRIPT),
                script_args=["random-query"] if random_query else [],
                **common,
            ),
            capture_output=True,
            text=True,
            timeout=seconds + 60,
            check=False,
        )
        if completed.returncode != 0:
            raise R.WrkOutputError(f"wrk exited {completed.returncode}: {completed.stderr[-1000:]}")
        result["wrk"] = R.parse_wrk_output(completed.stdout)
        result["error"] = None
    except (subprocess.TimeoutExpired, R.WrkOutputError) as error:
        result.update(wrk=None, error=f"wrk failed: {error}")
    return result


def describe(result: dict[str, Any]) -> str:
    wrk = result.get("wrk")
    if not wrk:
        return result.get("error") or "not measured"
    latency = wrk["latency_ms"]
    return (
        f"{wrk['rps']:8.1f} rps  p50 {latency['p50']:7.1f}  p95 {latency['p95']:7.1f}  "
        f"p99 {latency['p99']:7.1f} ms  errors {wrk['errors']['total']}"
    )


def top_statements(cluster: pg.Cluster, database: str, limit: int = 8) -> list[dict[str, Any]]:
    if not has_pg_stat_statements(cluster):
        return []
    with connect(cluster, database) as conn:
        rows = conn.execute(
            """
            SELECT calls, round(total_exec_time::numeric, 1), round(mean_exec_time::numeric, 3),
                   round(max_exec_time::numeric, 3), rows, left(query, 400)
            FROM pg_stat_statements
            WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
            ORDER BY total_exec_time DESC LIMIT %s
            """,
            [limit],
        ).fetchall()
    keys = ("calls", "total_ms", "mean_ms", "max_ms", "rows", "query")
    return [
        {
            key: (float(value) if key.endswith("_ms") else value)
            for key, value in zip(keys, row, strict=True)
        }
        for row in rows
    ]


def reset_statements(cluster: pg.Cluster, database: str) -> None:
    if has_pg_stat_statements(cluster):
        with connect(cluster, database) as conn:
            conn.execute("SELECT pg_stat_statements_reset()")


def run_load(
    cluster: pg.Cluster,
    key: str,
    cache: bool,
    endpoints: dict[str, str],
    options: argparse.Namespace,
    environment: Environment,
    logdir: Path,
    config: dict[str, Any],
) -> dict[str, Any]:
    label = f"{key} cache {'on' if cache else 'off'}"
    database = DATABASES[key]
    run: dict[str, Any] = {"database": key, "cache": "on" if cache else "off", "results": {}}
    started = time.monotonic()
    with contextlib.ExitStack() as serving:
        if options.through_cluster:
            site = serving.enter_context(
                local_cluster_running(
                    cluster.url_for(database), cache, config, options.workdir / "cluster"
                )
            )
            port = site.port
            run["cluster"] = {"nginx_port": site.port, "app_ports": site.app_ports}
        else:
            env = environment.build(cluster.url_for(database), cache=cache)
            logfile = logdir / f"gunicorn-{key}-cache-{run['cache']}.log"
            server = serving.enter_context(
                gunicorn_running(config, env, logfile, options.workdir / "gunicorn.pid")
            )
            port = server.port
            run["gunicorn_command"] = server.command()
        run["started_at"] = now_iso()
        run["load_average_at_start"] = list(os.getloadavg())
        reset_statements(cluster, database)
        for name, path in endpoints.items():
            random_query = name in R.RANDOM_QUERY_ENDPOINTS
            result = measure(port, path, options, random_query=random_query)
            run["results"][name] = result
            log(f"[{label}] {name:<18} {describe(result)}")
        run["top_statements"] = top_statements(cluster, database)
        if options.through_cluster:
            run["cluster"]["requests_logged"] = logged_requests(site)
    R.add_bare_ratios(run["results"])
    run["seconds"] = round(time.monotonic() - started, 1)
    return run


def calibrate(
    cluster: pg.Cluster,
    endpoints: dict[str, str],
    options: argparse.Namespace,
    environment: Environment,
    logdir: Path,
) -> list[dict[str, Any]]:
    """rps of the bare view and of the protocol page for each candidate configuration."""
    rows = []
    env = environment.build(cluster.url_for(DATABASES["full"]), cache=False)
    names = [name for name in ("bare", "protocol", "archive") if name in endpoints]
    for config in CALIBRATION_CANDIDATES:
        row: dict[str, Any] = {"config": config}
        logfile = logdir / "gunicorn-calibration.log"
        with gunicorn_running(
            config, dict(env), logfile, options.workdir / "gunicorn.pid"
        ) as server:
            for name in names:
                result = measure(server.port, endpoints[name], options)
                row[name] = {
                    "rps": R.rps(result),
                    "p50_ms": R.latency(result, "p50"),
                    "p95_ms": R.latency(result, "p95"),
                    "errors": result["wrk"]["errors"]["total"] if result.get("wrk") else None,
                }
                log(f"[calibrate {config}] {name:<10} {describe(result)}")
        rows.append(row)
    return rows


# --- machine -----------------------------------------------------------------------------------


def _version(package: str) -> str | None:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return None


def machine_info() -> dict[str, Any]:
    info: dict[str, Any] = {
        "hostname": socket.gethostname(),
        "cpu_count": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "django": _version("django"),
        "gunicorn": _version("gunicorn"),
        "psycopg": _version("psycopg"),
        "whitenoise": _version("whitenoise"),
        "load_average_at_start": list(os.getloadavg()),
    }
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu_model"] = line.split(":", 1)[1].strip()
                break
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                info["memory_gb"] = round(int(line.split()[1]) / 1024 / 1024, 1)
    wrk = shutil.which("wrk")
    if wrk:
        completed = subprocess.run(  # noqa: S603 - fixed command
            [wrk, "--version"], capture_output=True, text=True, timeout=10, check=False
        )
        info["wrk"] = (completed.stdout + completed.stderr).strip().splitlines()[0]
    return info


def page_cache_switch_present() -> bool:
    """Whether the settings read DELAKTIG_PAGE_CACHE at all (else on and off are the same)."""
    return any(
        "DELAKTIG_PAGE_CACHE" in path.read_text()
        for path in (BASE_DIR / "config" / "settings").glob("*.py")
    )


# --- main ------------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n")[0])
    parser.add_argument(
        "--scale", type=float, default=1.0, help="scale of bench_full (default 1.0)"
    )
    parser.add_argument("--duration", type=float, default=10, help="seconds per measured run")
    parser.add_argument("--warmup", type=float, default=3, help="seconds of unrecorded load first")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument(
        "--reuse",
        dest="fresh",
        action="store_false",
        help="reuse databases generated from the same inputs (the default)",
    )
    parser.add_argument("--fresh", action="store_true", help="rebuild the databases")
    parser.set_defaults(fresh=False)
    parser.add_argument("--workdir", type=Path, default=BASE_DIR / ".bench", help="default .bench/")
    parser.add_argument("--output", type=Path, default=None, help="default <workdir>/results.json")
    parser.add_argument("--skip-tenth", action="store_true", help="no run on the tenth data set")
    parser.add_argument(
        "--endpoints",
        default="",
        help=f"comma-separated subset of {','.join(R.FULL_ENDPOINTS)} (bare is always run)",
    )
    parser.add_argument(
        "--calibrate", action="store_true", help="first measure the gunicorn candidates"
    )
    parser.add_argument(
        "--through-cluster",
        action="store_true",
        help="serve each run by cluster/local.py (nginx, two app servers, Redis) instead of "
        "one gunicorn",
    )
    options = parser.parse_args(argv)
    if options.through_cluster and options.calibrate:
        parser.error(
            "--calibrate compares configurations of one gunicorn: not with --through-cluster"
        )
    if options.scale <= 0 or options.duration <= 0 or options.warmup < 0:
        parser.error("--scale and --duration must be positive, --warmup not negative")
    if options.connections < 1 or options.threads < 1:
        parser.error("--connections and --threads must be at least 1")
    chosen = [name.strip() for name in options.endpoints.split(",") if name.strip()]
    unknown = sorted(set(chosen) - set(R.FULL_ENDPOINTS))
    if unknown:
        parser.error(f"unknown endpoints: {', '.join(unknown)}")
    options.endpoint_names = R.select_endpoints(chosen)
    options.workdir = options.workdir.resolve()
    options.output = (options.output or options.workdir / "results.json").resolve()
    return options


def raise_on_sigterm(signum, frame) -> None:  # noqa: ARG001 - signal handler signature
    raise KeyboardInterrupt


def execute(
    options: argparse.Namespace, report: dict[str, Any], stack: contextlib.ExitStack
) -> None:
    workdir: Path = options.workdir
    logdir = workdir / "logs"
    logdir.mkdir(parents=True, exist_ok=True)
    wrk_binary()  # fail early, before minutes of data generation
    missing = missing_packages() if options.through_cluster else []
    if missing:
        raise HarnessError(
            f"--through-cluster needs {', '.join(missing)}: apt-get install {' '.join(missing)} "
            "(or run `make cluster` once as root, which installs them)"
        )
    setup: dict[str, Any] = {}
    report["setup"] = setup

    cluster = start_cluster(workdir / "pg", stack, report)
    environment = Environment(workdir)

    scales = {"full": options.scale}
    if not options.skip_tenth:
        scales["tenth"] = round(options.scale / 10, 6)
    setup["databases"] = {}
    for key, scale in scales.items():
        setup["databases"][key] = ensure_database(
            cluster, key, scale, fresh=options.fresh, environment=environment, logdir=logdir
        )

    log("collectstatic")
    env = environment.build(cluster.url_for(DATABASES["full"]), cache=False)
    with timed(setup, "collectstatic"):
        manage("collectstatic", "--noinput", "-v0", env=env, logfile=logdir / "collectstatic.log")

    report["endpoints"] = {}
    for key in scales:
        env = environment.build(cluster.url_for(DATABASES[key]), cache=False)
        with timed(setup, f"resolve_{key}"):
            resolved = probe(["resolve"], env, logdir / f"probe-{key}.log")
        names = (
            options.endpoint_names if key == "full" else R.tenth_endpoints(options.endpoint_names)
        )
        report["endpoints"][key] = {
            "urls": {
                name: resolved["endpoints"][name] for name in names if name in resolved["endpoints"]
            },
            "details": resolved["details"],
        }
        setup["databases"][key]["rows"] = resolved["rows"]
        missing = [name for name in names if name not in resolved["endpoints"]]
        if missing:
            raise HarnessError(f"no data for endpoints {missing} in {DATABASES[key]}")
        log(f"{key} endpoints: {json.dumps(report['endpoints'][key]['urls'], ensure_ascii=False)}")

    config = dict(GUNICORN)
    report["gunicorn"] = {
        "config": config,
        "settings_module": SETTINGS_MODULE,
        "why": (
            "the deployed configuration (Dockerfile, docker-compose.yml: sync, 2 workers); "
            "on these 2 cores sync x3 measured the same within noise, sync x4 lower, and "
            "gthread (4 threads) half the rps on the Python-heavy pages (figures in "
            "bench/run.py above GUNICORN). Access log off (the deployment logs to stdout)."
        ),
    }
    if options.calibrate:
        with timed(setup, "calibration"):
            report["gunicorn"]["calibration"] = calibrate(
                cluster, report["endpoints"]["full"]["urls"], options, environment, logdir
            )

    report["queries"] = {}
    report["runs"] = []
    for key in scales:
        urls = report["endpoints"][key]["urls"]
        for cache in (True, False):
            state = "on" if cache else "off"
            env = environment.build(cluster.url_for(DATABASES[key]), cache=cache)
            with timed(setup, f"queries_{key}_cache_{state}"):
                report["queries"].setdefault(key, {})[state] = probe(
                    ["queries", json.dumps(urls)], env, logdir / f"probe-{key}.log"
                )
            with timed(setup, f"load_{key}_cache_{state}"):
                run = run_load(cluster, key, cache, urls, options, environment, logdir, config)
            report["runs"].append(run)


def finish(report: dict[str, Any]) -> str:
    runs = report.get("runs", [])
    report["scale_ratios"] = R.scale_ratios(runs)
    targets = R.evaluate_targets(runs) if runs else []
    report["targets"] = [target.as_dict() for target in targets]
    report["summary"] = {
        status: sum(t.status == status for t in targets) for status in ("PASS", "FAIL", "SKIP")
    }
    parts = []
    if runs:
        parts += [
            "",
            "Results (latency in ms; queries per request cold/warm; × bare = rps / bare rps)",
        ]
        parts.append(f"Served by {report['topology']['summary']}")
        parts.append(R.format_table(runs, report.get("queries", {})))
    if report["scale_ratios"]:
        parts += [
            "",
            "Scale: bench_full against bench_tenth",
            R.format_scale(report["scale_ratios"]),
        ]
    if targets:
        heading = "Targets" if report.get("completed") else "Targets (of an incomplete run)"
        parts += ["", heading, R.format_targets(targets)]
    if not report.get("page_cache_switch"):
        parts += ["", "Note: config/settings does not read DELAKTIG_PAGE_CACHE: cache on = off."]
    return "\n".join(parts)


def run_reported(execute, options, report: dict, *, stopped: str) -> int:
    """Run ``execute(options, report, stack)`` and record in ``report`` whether it completed,
    its error and its times, whatever happens; returns the exit status. ``stopped`` names
    what the stack stops on an interrupt."""
    started = time.monotonic()
    previous = signal.signal(signal.SIGTERM, raise_on_sigterm)
    status = 1
    try:
        with contextlib.ExitStack() as stack:
            execute(options, report, stack)
        report["completed"] = True
        status = 0
    except HarnessError as error:
        report["error"] = str(error)
        log(f"FAILED: {error}")
    except KeyboardInterrupt:
        report["error"] = "interrupted"
        log(f"interrupted; {stopped} are stopped")
        status = 130
    except Exception as error:  # the report must still be written
        report["error"] = f"{type(error).__name__}: {error}"
        report["traceback"] = traceback.format_exc()
        traceback.print_exc()
    finally:
        signal.signal(signal.SIGTERM, previous)
    report["finished_at"] = now_iso()
    report["seconds"] = round(time.monotonic() - started, 1)
    return status


def main(argv: list[str] | None = None) -> int:
    options = parse_args(argv)
    options.workdir.mkdir(parents=True, exist_ok=True)
    report: dict[str, Any] = {
        "started_at": now_iso(),
        "completed": False,
        "options": {
            key: (str(value) if isinstance(value, Path) else value)
            for key, value in vars(options).items()
        },
        "machine": machine_info(),
        "page_cache_switch": page_cache_switch_present(),
        "topology": topology(options, GUNICORN),
    }
    load = os.getloadavg()[0]
    if load > 1.0:
        log(
            f"warning: the load average is {load:.1f} before the start; other processes on these "
            "2 cores will lower every figure (see load_average_at_start in the JSON)"
        )
    status = run_reported(execute, options, report, stopped="PostgreSQL and gunicorn")
    text = finish(report)
    print(text, flush=True)
    options.output.parent.mkdir(parents=True, exist_ok=True)
    options.output.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    log(f"results written to {options.output} ({report['seconds']:.0f} s in all)")
    return status


if __name__ == "__main__":
    sys.exit(main())
