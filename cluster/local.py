"""The production setup on this machine: what `make cluster` starts and tests/cluster tests.

PostgreSQL, Redis, two gunicorn app servers with config.settings.production, the task
worker(s) (``manage.py worker``) and nginx in front as the TLS-less proxy, all on
127.0.0.1 on free ports. Everything lives in one work folder (default ``.cluster/``):

    pg/       the PostgreSQL cluster (its log: pg/server.log)
    logs/     one log per process and per preparation step
    mail/     every email the site sends, one file per connection (Django's file backend)
    static/   collectstatic's output (DJANGO_STATIC_ROOT)
    media/    uploaded documents (DJANGO_MEDIA_ROOT)
    nginx/    nginx.conf and nginx's temporary files
    run/      a record of each process, to stop what an interrupted run left behind

Each start begins afresh: the database and files of the previous run are thrown away.
Every wait is bounded, and every process started is stopped again, also when the start
fails half-way (``Cluster`` is a context manager).
"""

from __future__ import annotations

import contextlib
import functools
import grp
import http.client
import importlib.metadata
import json
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from tests import postgres_harness as pg

BASE_DIR = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
NGINX_TEMPLATE = Path(__file__).resolve().with_name("nginx.conf.template")
DATABASE = "delaktig"
ADMIN_USERNAME = "admin"

# Program -> the Debian package that has it.
PACKAGES = {"redis-server": "redis-server", "nginx": "nginx-light"}

START_TIMEOUT = 60  # seconds for one process to answer
STEP_TIMEOUT = 600  # seconds for one manage.py step
STOP_TIMEOUT = 20  # seconds for one process to stop before it is killed
INSTALL_TIMEOUT = 900  # seconds for one apt-get command
PORT_ATTEMPTS = 3
# gunicorn 27 opens a control socket at one path in the home folder, the same for every
# server; the cluster needs none, and nothing of it may live outside the work folder.
NO_CONTROL_SOCKET = (
    ["--no-control-socket"]
    if int(importlib.metadata.version("gunicorn").split(".")[0]) >= 27
    else []
)
# Folders of the work folder that a new start empties (never the folder itself: it may
# be one the user named).
SCRATCH = ("pg", "logs", "mail", "static", "media", "nginx", "run", "redis")


class ClusterError(RuntimeError):
    """The cluster could not start; the message says why and where the log is."""


def find_program(name: str) -> str | None:
    # nginx lives in /usr/sbin, which is not on an ordinary user's PATH.
    return shutil.which(name, path=f"{os.environ.get('PATH', '')}:/usr/sbin:/sbin")


def missing_packages() -> list[str]:
    return [package for program, package in PACKAGES.items() if find_program(program) is None]


def install_missing_packages(log: Callable[[str], None] = print) -> None:
    """apt-get the Debian packages of Redis and nginx when missing (only as root)."""
    missing = missing_packages()
    if not missing:
        return
    if os.geteuid() != 0:
        raise ClusterError(
            f"missing {', '.join(missing)}: run `sudo apt-get install {' '.join(missing)}`, "
            "or `make cluster` as root, which installs them."
        )
    log(f"installing {', '.join(missing)} with apt-get")
    quiet = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", *missing]):
        try:
            result = subprocess.run(  # noqa: S603 - fixed programs
                command,
                env=quiet,
                capture_output=True,
                text=True,
                timeout=INSTALL_TIMEOUT,
                check=False,
            )
        except subprocess.TimeoutExpired as error:
            raise ClusterError(
                f"{' '.join(command)} took longer than {INSTALL_TIMEOUT} s"
            ) from error
        if result.returncode != 0:
            raise ClusterError(f"{' '.join(command)} failed:\n{result.stdout}{result.stderr}")


def free_port() -> int:
    return pg._free_port()


def http_status(port: int, path: str, timeout: float = 5) -> int:
    connection = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        connection.request("GET", path)
        return connection.getresponse().status
    finally:
        connection.close()


def redis_answers(port: int) -> bool:
    with socket.create_connection((HOST, port), timeout=2) as sock:
        sock.sendall(b"PING\r\n")
        return sock.recv(64).startswith(b"+PONG")


def _tail(path: Path, chars: int = 3000) -> str:
    if not path.exists():
        return ""
    return path.read_text(errors="replace")[-chars:]


class Process:
    """One long-running part, in its own session so that Ctrl-C reaches only the harness
    (which stops the parts in order), with its output in a log file."""

    def __init__(
        self, name: str, command: Sequence[str], logfile: Path, env: dict[str, str] | None = None
    ) -> None:
        self.name = name
        self.command = [str(part) for part in command]
        self.logfile = logfile
        self.env = env
        self.popen: subprocess.Popen | None = None
        self.record: Path | None = None

    def start(self, rundir: Path) -> None:
        with self.logfile.open("ab") as log:
            self.popen = subprocess.Popen(  # noqa: S603 - fixed programs, no shell
                self.command,
                cwd=BASE_DIR,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.record = rundir / f"{self.name}.json"
        pid = self.popen.pid
        record = {"pid": pid, "started": process_start_time(pid), "command": self.command}
        self.record.write_text(json.dumps(record))

    @property
    def returncode(self) -> int | None:
        return None if self.popen is None else self.popen.poll()

    def stop(self) -> None:
        popen, self.popen = self.popen, None
        if popen is not None and popen.poll() is None:
            popen.terminate()
            try:
                popen.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(popen.pid, signal.SIGKILL)
                popen.wait(timeout=STOP_TIMEOUT)
        if self.record is not None:
            self.record.unlink(missing_ok=True)

    def log_tail(self) -> str:
        return _tail(self.logfile)


def process_start_time(pid: int) -> str | None:
    """When a running process started (in clock ticks since boot), None if none runs under
    ``pid``: with the pid, it names one process, where a pid alone may since have been
    given to another."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The fields after the command name (which may hold spaces): state is field 3,
    # starttime field 22. A zombie has finished, it only waits for its parent.
    fields = stat.rsplit(")", 1)[1].split()
    return None if fields[0] == "Z" else fields[19]


def stop_leftovers(rundir: Path) -> None:
    """Stop the processes an interrupted (killed) run left running, found by the records
    they left. A process is touched only if its pid and start time are the recorded ones
    (nginx and Redis rewrite their command lines, so those cannot tell)."""
    for record in sorted(rundir.glob("*.json")):
        with contextlib.suppress(OSError, ValueError, KeyError):
            entry = json.loads(record.read_text())
            pid, started = int(entry["pid"]), entry["started"]
            if started is not None and process_start_time(pid) == started:
                os.killpg(pid, signal.SIGTERM)
                deadline = time.monotonic() + STOP_TIMEOUT
                while process_start_time(pid) == started and time.monotonic() < deadline:
                    time.sleep(0.1)
                if process_start_time(pid) == started:
                    os.killpg(pid, signal.SIGKILL)
        record.unlink(missing_ok=True)


def stop_postgres(postgres: pg.Cluster) -> None:
    # Also when pg_ctl start was interrupted, which leaves the server starting up
    # without the harness knowing that it runs.
    postgres.running = True
    pg.stop(postgres, mode="fast", remove=False)


def wait_until(ready: Callable[[], bool], process: Process, what: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.returncode is not None:
            raise ClusterError(
                f"{process.name} exited with status {process.returncode} before {what} "
                f"(log: {process.logfile}):\n{process.log_tail()}"
            )
        with contextlib.suppress(OSError, http.client.HTTPException):
            if ready():
                return
        time.sleep(0.1)
    raise ClusterError(
        f"{process.name}: no {what} within {timeout:.0f} s (log: {process.logfile}):\n"
        f"{process.log_tail()}"
    )


class Cluster:
    """Start with ``start()`` or ``with Cluster(...) as cluster:``; ``stop()`` stops all.

    ``app_servers`` gunicorn servers of ``web_workers`` sync workers each (this machine
    has 2 cores: one or two), ``task_workers`` task workers, nginx on ``port``
    (0: a free one). ``demo`` loads the demo data and makes the ``admin`` superuser.

    ``database_url``: an existing, migrated database to use instead of starting
    PostgreSQL (the benchmark's); the cluster neither migrates it nor loads anything.
    ``extra_env``: variables added to every Django process's environment last, such as
    ``DELAKTIG_PAGE_CACHE``, which the caller's own environment does not pass on.
    """

    def __init__(
        self,
        workdir: Path = BASE_DIR / ".cluster",
        *,
        app_servers: int = 2,
        web_workers: int = 2,
        task_workers: int = 1,
        port: int = 0,
        demo: bool = True,
        database_url: str = "",
        extra_env: Mapping[str, str] | None = None,
        log: Callable[[str], None] = print,
    ) -> None:
        if database_url and demo:
            raise ValueError("the demo data goes only into the cluster's own database")
        self.workdir = Path(workdir).resolve()
        self.existing_database_url = database_url
        self.extra_env = dict(extra_env or {})
        self.app_servers = app_servers
        self.web_workers = web_workers
        self.task_workers = task_workers
        self.port = port
        self.demo = demo
        self.log = log
        self.logdir = self.workdir / "logs"
        self.mail_dir = self.workdir / "mail"
        self.rundir = self.workdir / "run"
        self.processes: list[Process] = []
        self.app_ports: list[int] = []
        self.redis_port = 0
        self.postgres: pg.Cluster | None = None
        self.admin_password = ""
        self.env: dict[str, str] = {}
        self._stack = contextlib.ExitStack()

    # --- addresses -------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """The site, through nginx."""
        return f"http://{HOST}:{self.port}"

    @property
    def app_urls(self) -> list[str]:
        return [f"http://{HOST}:{port}" for port in self.app_ports]

    @property
    def database_url(self) -> str:
        if self.existing_database_url:
            return self.existing_database_url
        assert self.postgres is not None, "the cluster is not started"
        return self.postgres.url_for(DATABASE)

    @property
    def redis_url(self) -> str:
        return f"redis://{HOST}:{self.redis_port}/0"

    # --- start and stop --------------------------------------------------------------------

    def __enter__(self) -> Cluster:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def start(self) -> None:
        started = time.monotonic()
        try:
            self._start()
        except BaseException:
            # Also on Ctrl-C: nothing started may outlive a failed start.
            self.stop()
            raise
        self.log(f"cluster ready in {time.monotonic() - started:.0f} s")

    def stop(self) -> None:
        """Stop every process (the last started first); safe to call more than once."""
        started = time.monotonic()
        self._stack.close()
        if self.processes:
            self.log(f"cluster stopped in {time.monotonic() - started:.0f} s")
        self.processes = []

    def exited(self) -> list[Process]:
        """Processes that stopped on their own."""
        return [process for process in self.processes if process.returncode is not None]

    def _start(self) -> None:
        missing = missing_packages()
        if missing:
            raise ClusterError(
                f"missing {', '.join(missing)}: `make cluster` as root installs them "
                f"(or `apt-get install {' '.join(missing)}`)."
            )
        self.log(f"starting in {self.workdir}")
        self._clear_workdir()
        if not self.existing_database_url:
            self._start_postgres()
        self._start_redis()
        # nginx starts last, but every process must know the site's address (links in
        # emails), so its port is chosen now.
        self.port = self.port or free_port()
        self.env = self._django_env()
        self._prepare_database()
        # Side by side: each spends seconds importing Django, and there are two cores.
        with ThreadPoolExecutor() as pool:
            app_servers = pool.map(self._start_app_server, range(1, self.app_servers + 1))
            task_workers = pool.map(self._start_task_worker, range(1, self.task_workers + 1))
            self.app_ports = list(app_servers)
            list(task_workers)  # raises what a start raised
        self._start_nginx()

    def _clear_workdir(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        # The postgres user (when root) and nginx's workers must reach their folders.
        self.workdir.chmod(0o755)
        self.rundir.mkdir(exist_ok=True)
        stop_leftovers(self.rundir)
        try:
            old = pg.prepare(self.workdir / "pg")
        except pg.ClusterError as error:
            raise ClusterError(f"PostgreSQL: {error}") from error
        if (old.datadir / "postmaster.pid").exists():
            self.log("stopping a PostgreSQL server left running by an earlier run")
            old.run(old.pg_ctl, "-D", str(old.datadir), "-m", "immediate", "-w", "stop")
        for name in SCRATCH:
            shutil.rmtree(self.workdir / name, ignore_errors=True)
        for name in SCRATCH:
            (self.workdir / name).mkdir()

    def _start_postgres(self) -> None:
        try:
            postgres = pg.prepare(self.workdir / "pg")
            pg.initialise(postgres, comment="cluster")
            self._stack.callback(stop_postgres, postgres)
            pg.start(postgres, timeout=START_TIMEOUT)
            pg.create_database(postgres, DATABASE)
        except pg.ClusterError as error:
            raise ClusterError(
                f"PostgreSQL: {error}\n{_tail(self.workdir / 'pg' / 'server.log')}"
            ) from error
        self.postgres = postgres
        self.log(f"PostgreSQL on {HOST}:{postgres.port}")

    def _serve(
        self,
        name: str,
        command: Callable[[int], list[str]],
        ready: Callable[[int], bool],
        *,
        port: int = 0,
        env: dict[str, str] | None = None,
    ) -> int:
        """Start a server on ``port`` (0: a free one, tried again if someone else took it
        first) and wait until ``ready(port)``; it is stopped with the cluster."""
        for _attempt in range(PORT_ATTEMPTS):
            chosen = port or free_port()
            process = Process(name, command(chosen), self.logdir / f"{name}.log", env)
            process.start(self.rundir)
            self._stack.callback(process.stop)
            try:
                wait_until(
                    functools.partial(ready, chosen),
                    process,
                    f"answer on port {chosen}",
                    START_TIMEOUT,
                )
            except ClusterError:
                process.stop()
                if port or "in use" not in process.log_tail():
                    raise
                continue
            self.processes.append(process)
            self.log(f"{name} on {HOST}:{chosen}")
            return chosen
        raise ClusterError(f"{name} found no free port in {PORT_ATTEMPTS} attempts")

    def _start_redis(self) -> None:
        program = find_program("redis-server")
        self.redis_port = self._serve(
            "redis",
            lambda port: [
                program,
                "--port",
                str(port),
                "--bind",
                HOST,
                # A cache: nothing to keep when it stops.
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.workdir / "redis"),
            ],
            redis_answers,
        )

    def _django_env(self) -> dict[str, str]:
        """Production settings, as a server would have them; nothing from the caller's own
        DJANGO_* environment leaks in."""
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("DJANGO_", "DELAKTIG_")) and key != "DATABASE_URL"
        }
        env.update(
            {
                "DJANGO_SETTINGS_MODULE": "config.settings.production",
                # New for every start, the same for every process: sessions and CSRF
                # tokens made by one app server are good on the other.
                "DJANGO_SECRET_KEY": secrets.token_urlsafe(48),
                "DJANGO_ALLOWED_HOSTS": f"{HOST},localhost",
                # Four slashes: django-environ reads the path after the third.
                "DJANGO_EMAIL_URL": f"filemail:///{self.mail_dir}",
                "DJANGO_SITE_URL": self.url,
                # No TLS on loopback.
                "DJANGO_SECURE_SSL_REDIRECT": "false",
                "DATABASE_URL": self.database_url,
                "DJANGO_CACHE_URL": self.redis_url,
                # nginx connects from 127.0.0.1; nobody else's X-Forwarded-For is believed.
                "DJANGO_TRUSTED_PROXIES": HOST,
                "DJANGO_TRUSTED_PROXY_COUNT": "1",
                "DJANGO_STATIC_ROOT": str(self.workdir / "static"),
                "DJANGO_MEDIA_ROOT": str(self.workdir / "media"),
                "PYTHONUNBUFFERED": "1",
            }
        )
        env.update(self.extra_env)
        return env

    def manage(self, *args: str, timeout: float = STEP_TIMEOUT) -> str:
        """Run a management command against the cluster and return its output (also
        written to logs/<command>.log)."""
        command = [sys.executable, "manage.py", *args]
        try:
            result = subprocess.run(  # noqa: S603 - fixed program
                command,
                cwd=BASE_DIR,
                env=self.env,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired as error:
            raise ClusterError(f"manage.py {args[0]} took longer than {timeout:.0f} s") from error
        with (self.logdir / f"{args[0]}.log").open("a") as log:
            log.write(f"$ manage.py {' '.join(args)}\n{result.stdout}{result.stderr}\n")
        if result.returncode != 0:
            raise ClusterError(
                f"manage.py {args[0]} failed (status {result.returncode}):\n"
                f"{(result.stdout + result.stderr)[-3000:]}"
            )
        return result.stdout

    def _run_together(self, *commands: list[str]) -> None:
        """Management commands side by side, each with its output in logs/<command>.log.
        When one fails, or on Ctrl-C, the others are stopped at once."""
        running: list[tuple[str, subprocess.Popen]] = []
        deadline = time.monotonic() + STEP_TIMEOUT
        try:
            for args in commands:
                with (self.logdir / f"{args[0]}.log").open("ab") as log:
                    process = subprocess.Popen(  # noqa: S603 - fixed program
                        [sys.executable, "manage.py", *args],
                        cwd=BASE_DIR,
                        env=self.env,
                        stdin=subprocess.DEVNULL,
                        stdout=log,
                        stderr=subprocess.STDOUT,
                    )
                running.append((args[0], process))
            for name, process in running:
                try:
                    status = process.wait(timeout=max(0.0, deadline - time.monotonic()))
                except subprocess.TimeoutExpired as error:
                    raise ClusterError(
                        f"manage.py {name} took longer than {STEP_TIMEOUT} s"
                    ) from error
                if status != 0:
                    log = self.logdir / f"{name}.log"
                    raise ClusterError(
                        f"manage.py {name} failed (status {status}; log: {log}):\n{_tail(log)}"
                    )
        finally:
            for _name, process in running:
                if process.poll() is None:
                    process.kill()
                    process.wait()

    def _prepare_database(self) -> None:
        if self.existing_database_url:
            # Someone else's database, migrated by its owner: only the static files are
            # this cluster's own.
            self.log("collectstatic")
            self.manage("collectstatic", "--noinput")
            return
        self.log("migrate and collectstatic")
        # Side by side: migrate mostly waits on PostgreSQL, collectstatic compresses.
        self._run_together(["migrate", "--noinput"], ["collectstatic", "--noinput"])
        if self.demo:
            self.log("load_demo")
            self.manage("load_demo")
            self.admin_password = secrets.token_urlsafe(12)
            self.env["DJANGO_SUPERUSER_PASSWORD"] = self.admin_password
            try:
                self.manage(
                    "createsuperuser",
                    "--noinput",
                    "--username",
                    ADMIN_USERNAME,
                    "--email",
                    "admin@example.org",
                )
            finally:
                del self.env["DJANGO_SUPERUSER_PASSWORD"]

    def _start_app_server(self, number: int) -> int:
        name = f"web-{number}"
        return self._serve(
            name,
            lambda port: [
                sys.executable,
                "-m",
                "gunicorn",
                "config.wsgi:application",
                "--bind",
                f"{HOST}:{port}",
                "--workers",
                str(self.web_workers),
                "--graceful-timeout",
                "10",
                "--chdir",
                str(BASE_DIR),
                "--access-logfile",
                str(self.logdir / f"{name}-access.log"),
                # Django's own log (a 500's traceback) goes to the process log too.
                "--capture-output",
                *NO_CONTROL_SOCKET,
            ],
            lambda port: http_status(port, "/health/") == 200,
            env=self.env,
        )

    def _start_task_worker(self, number: int) -> None:
        name = f"worker-{number}"
        process = Process(
            name,
            # An id of its own, the same on each start (operations/management/commands/worker.py).
            [sys.executable, "manage.py", "worker", "--worker-id", name],
            self.logdir / f"{name}.log",
            self.env,
        )
        process.start(self.rundir)
        self._stack.callback(process.stop)
        wait_until(lambda: "Starting worker" in process.log_tail(), process, "start", START_TIMEOUT)
        self.processes.append(process)
        self.log(f"{name} started")

    def _start_nginx(self) -> None:
        program = find_program("nginx")
        nginx_dir = self.workdir / "nginx"
        tmpdir = nginx_dir / "tmp"
        tmpdir.mkdir()
        user = ""
        if os.geteuid() == 0:
            # As root, nginx's workers run as nobody; they write request bodies here.
            nobody = pwd.getpwnam("nobody")
            os.chown(tmpdir, nobody.pw_uid, nobody.pw_gid)
            user = f"user nobody {grp.getgrgid(nobody.pw_gid).gr_name};"

        def command(port: int) -> list[str]:
            config = nginx_dir / "nginx.conf"
            config.write_text(self.nginx_config(port, user=user, tmpdir=tmpdir))
            return [
                program,
                "-e",
                str(self.logdir / "nginx-error.log"),
                "-p",
                str(nginx_dir),
                "-c",
                str(config),
            ]

        self.port = self._serve(
            "nginx", command, lambda port: http_status(port, "/health/") == 200, port=self.port
        )

    def nginx_config(self, port: int, *, user: str = "", tmpdir: Path | None = None) -> str:
        values = {
            "user": user,
            "host": HOST,
            "port": str(port),
            "rundir": str(self.rundir),
            "logdir": str(self.logdir),
            "tmpdir": str(tmpdir or self.workdir / "nginx" / "tmp"),
            "upstream_servers": "\n".join(
                f"        server {HOST}:{app_port};" for app_port in self.app_ports
            ),
        }
        text = NGINX_TEMPLATE.read_text()
        for name, value in values.items():
            text = text.replace(f"@{name}@", value)
        return text
