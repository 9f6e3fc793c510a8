"""Pytest plugin: run the suite against a throwaway PostgreSQL cluster on request.

With ``DELAKTIG_TEST_DATABASE=postgres`` a private cluster is initialised in a fresh
temporary directory, ``DATABASE_URL`` is pointed at it, and everything is removed when
pytest exits. Without the variable nothing happens and the tests run on SQLite.

It is loaded with ``-p tests.postgres_harness`` (see pyproject.toml) because the cluster
has to exist before pytest-django imports the Django settings, which read
``DATABASE_URL`` once at import time. A conftest.py would be loaded too late.

The cluster functions (``prepare``, ``initialise``, ``start``, ``create_database``,
``stop``) know nothing about pytest; the load benchmark (``bench/``) reuses them for its
own, longer-lived cluster.
"""

from __future__ import annotations

import atexit
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Generator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

ENV_VAR = "DELAKTIG_TEST_DATABASE"
DB_NAME = "delaktig"
SUPERUSER = "postgres"
PG_BIN_GLOB = "/usr/lib/postgresql/*/bin"

# Only reachable from this machine; durability is pointless for a throwaway cluster.
TEST_SETTINGS = {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"}


class ClusterError(RuntimeError):
    """The cluster could not be prepared or started; ``cluster`` (if set) has a server log."""

    def __init__(self, message: str, cluster: Cluster | None = None) -> None:
        super().__init__(message)
        self.cluster = cluster


@dataclass
class Cluster:
    tmpdir: Path
    initdb: str
    pg_ctl: str
    # PostgreSQL refuses to run as root, so as root every server command goes
    # through `runuser -u postgres --`; otherwise this is empty.
    prefix: list[str]
    port: int = 0
    running: bool = False

    @property
    def datadir(self) -> Path:
        return self.tmpdir / "data"

    @property
    def logfile(self) -> Path:
        return self.tmpdir / "server.log"

    @property
    def url(self) -> str:
        return self.url_for(DB_NAME)

    def url_for(self, database: str) -> str:
        return f"postgres://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        # cwd inside the temp dir: the postgres user may not be able to read the
        # caller's working directory (e.g. a checkout under /root).
        return subprocess.run(  # noqa: S603 - fixed binaries, no shell
            [*self.prefix, *args], cwd=self.tmpdir, capture_output=True, text=True, check=False
        )


_cluster: Cluster | None = None


def _find_binary(name: str) -> str | None:
    """Prefer PATH, like a developer would; fall back to Debian's versioned directories."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(
        Path("/usr/lib/postgresql").glob(f"*/bin/{name}"),
        key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0,
    )
    return str(candidates[-1]) if candidates else None


def _free_port() -> int:
    # The OS picks an unused port; someone may take it before the server binds it,
    # so start() retries.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def prepare(directory: Path | None = None) -> Cluster:
    """Find the tools and a directory the server user owns.

    Without ``directory`` a fresh temporary one is made; with it, that directory is
    created if needed and handed to the server user (its contents are kept, so a
    cluster initialised there before can be started again).
    """
    initdb, pg_ctl = _find_binary("initdb"), _find_binary("pg_ctl")
    if initdb is None or pg_ctl is None:
        missing = [name for name, path in (("initdb", initdb), ("pg_ctl", pg_ctl)) if not path]
        raise ClusterError(
            f"cannot find {' and '.join(missing)} on PATH or in {PG_BIN_GLOB}; "
            "install the PostgreSQL 15 server (e.g. apt-get install postgresql-15)."
        )

    if os.geteuid() != 0:
        if directory is None:
            return Cluster(Path(tempfile.mkdtemp(prefix="delaktig-pg-")), initdb, pg_ctl, prefix=[])
        directory.mkdir(parents=True, exist_ok=True)
        return Cluster(directory.resolve(), initdb, pg_ctl, prefix=[])

    runuser = shutil.which("runuser", path=f"{os.environ.get('PATH', '')}:/usr/sbin:/sbin")
    try:
        user = pwd.getpwnam(SUPERUSER)
    except KeyError:
        user = None
    if runuser is None or user is None:
        raise ClusterError(
            "running as root needs `runuser` and a 'postgres' system user, because "
            "PostgreSQL refuses to run as root."
        )
    if directory is None:
        # /tmp rather than $TMPDIR: the postgres user must be able to traverse every parent.
        tmpdir = Path(tempfile.mkdtemp(prefix="delaktig-pg-", dir="/tmp"))
    else:
        tmpdir = directory.resolve()
        tmpdir.mkdir(parents=True, exist_ok=True)
    os.chown(tmpdir, user.pw_uid, user.pw_gid)
    cluster = Cluster(tmpdir, initdb, pg_ctl, prefix=[runuser, "-u", SUPERUSER, "--"])
    if directory is not None and cluster.run("test", "-w", str(tmpdir)).returncode != 0:
        raise ClusterError(
            f"the {SUPERUSER!r} user cannot write to {tmpdir}: every parent directory "
            "must be searchable by it."
        )
    return cluster


def initialise(
    cluster: Cluster, settings: Mapping[str, str] = TEST_SETTINGS, comment: str = "test"
) -> None:
    """initdb (trust authentication, UTF-8) and the settings appended to postgresql.conf."""
    base = [cluster.initdb, "-D", str(cluster.datadir), "-A", "trust", "-U", SUPERUSER]
    base += ["-E", "UTF8"]
    result = cluster.run(*base, "--locale=C.UTF-8")
    if result.returncode != 0:
        # Minimal images may lack the C.UTF-8 locale; the C locale works everywhere.
        shutil.rmtree(cluster.datadir, ignore_errors=True)
        result = cluster.run(*base, "--no-locale")
    if result.returncode != 0:
        raise ClusterError(f"initdb failed:\n{result.stdout}{result.stderr}", cluster)

    # Only reachable from this machine.
    with (cluster.datadir / "postgresql.conf").open("a") as conf:
        conf.write(
            f"\n# delaktig {comment} harness\n"
            "listen_addresses = '127.0.0.1'\n"
            f"unix_socket_directories = '{cluster.tmpdir}'\n"
        )
        conf.writelines(f"{name} = {value}\n" for name, value in settings.items())


def start(cluster: Cluster, options: Sequence[str] = (), timeout: int = 60) -> None:
    """Start the server on a free port; ``options`` are extra server options (``-c a=b``)."""
    pg_ctl = [cluster.pg_ctl, "-D", str(cluster.datadir), "-l", str(cluster.logfile)]
    for _attempt in range(3):
        cluster.port = _free_port()
        server_options = " ".join([f"-p {cluster.port}", *options])
        result = cluster.run(*pg_ctl, "-o", server_options, "-w", "-t", str(timeout), "start")
        cluster.running = True  # even on failure a half-started server may need stopping
        # Retry only if another process grabbed the port between _free_port() and bind().
        log = cluster.logfile.read_text(errors="replace") if cluster.logfile.exists() else ""
        if result.returncode == 0 or "already in use" not in log:
            break
    if result.returncode != 0:
        raise ClusterError(f"pg_ctl start failed:\n{result.stdout}{result.stderr}", cluster)


def create_database(cluster: Cluster, name: str) -> None:
    import psycopg

    try:
        with psycopg.connect(
            host="127.0.0.1",
            port=cluster.port,
            user=SUPERUSER,
            dbname="postgres",
            autocommit=True,
            connect_timeout=10,
        ) as conn:
            conn.execute(f"CREATE DATABASE {name}")
    except psycopg.Error as exc:
        raise ClusterError(f"cannot create database {name}: {exc}", cluster) from exc


def stop(cluster: Cluster, *, mode: str = "immediate", remove: bool = True) -> None:
    """Stop the server (if it was started) and, with ``remove``, delete its directory."""
    if cluster.running:
        cluster.run(cluster.pg_ctl, "-D", str(cluster.datadir), "-m", mode, "-w", "stop")
        cluster.running = False
    if remove:
        shutil.rmtree(cluster.tmpdir, ignore_errors=True)


def _fail(message: str, cluster: Cluster | None = None) -> pytest.UsageError:
    """Show the server log (if any), clean up and build the error that aborts the run."""
    if cluster is not None and cluster.logfile.exists():
        sys.stderr.write(f"--- PostgreSQL server log ({cluster.logfile}) ---\n")
        sys.stderr.write(cluster.logfile.read_text(errors="replace"))
        sys.stderr.write("--- end of server log ---\n")
    _stop()
    return pytest.UsageError(f"{ENV_VAR}=postgres: {message}")


def _start() -> Cluster:
    global _cluster
    try:
        cluster = _cluster = prepare()
        atexit.register(_stop)  # fallback if pytest never reaches pytest_unconfigure
        initialise(cluster)
        start(cluster)
        # DATABASE_URL must name an existing database, as on a real server; Django's test
        # runner then creates test_delaktig next to it (and falls back to it if needed).
        create_database(cluster, DB_NAME)
    except ClusterError as exc:
        raise _fail(str(exc), exc.cluster) from exc
    return cluster


def _stop() -> None:
    """Stop the server and delete the cluster; safe to call more than once."""
    global _cluster
    cluster, _cluster = _cluster, None
    if cluster is not None:
        stop(cluster)


@pytest.hookimpl(hookwrapper=True)
def pytest_load_initial_conftests(
    early_config: pytest.Config, parser: pytest.Parser, args: list[str]
) -> Generator[None, None, None]:
    # A wrapper's code before `yield` runs before every plain implementation,
    # including pytest-django's, which loads the settings.
    requested = os.environ.get(ENV_VAR, "")
    if requested == "postgres":
        os.environ["DATABASE_URL"] = _start().url
    elif requested not in ("", "sqlite"):
        raise pytest.UsageError(f"{ENV_VAR} must be 'postgres' or unset, not {requested!r}")
    yield


def pytest_report_header(config: pytest.Config) -> str | None:
    # Makes every run state which database it used.
    if _cluster is None:
        return None
    return f"database: throwaway PostgreSQL cluster at {_cluster.url} ({_cluster.tmpdir})"


def pytest_unconfigure(config: pytest.Config) -> None:
    _stop()
