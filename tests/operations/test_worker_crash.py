"""The task worker dies mid-send: started again, it sends each follower's email once.

The first test kills ``manage.py worker`` for real (SIGKILL) while the mail backend is
taking an email (tests/operations/slow_mail.py), then starts it again with the same id.
The processes use a fresh database on this pass's engine: a SQLite file, or a database
of its own on the PostgreSQL harness's server. Settings: tests/operations/worker_settings.py;
data: tests/operations/worker_data.py.
"""

from __future__ import annotations

import datetime
import email
import json
import os
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.db import connection, connections
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult, get_date_max

from operations.management.commands.worker import Command, orphaned_tasks_requeue

BASE_DIR = Path(__file__).resolve().parents[2]
TIMEOUT = 60  # seconds for any one step, on a busy machine; the test takes about 20 in all


@pytest.fixture
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database for the worker processes alone, on the engine of this test pass."""
    if connection.vendor != "postgresql":
        yield f"sqlite:///{tmp_path / 'db.sqlite3'}"
        return
    import psycopg

    # A copy of the migrated test database (migrating afresh takes 17 s on PostgreSQL);
    # nothing may be connected to the database a copy is made from.
    request.getfixturevalue("django_db_setup")
    template = connection.settings_dict["NAME"]
    connections.close_all()
    server = os.environ["DATABASE_URL"]  # the throwaway cluster of tests/postgres_harness.py
    name = f"worker_crash_{secrets.token_hex(4)}"
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name} TEMPLATE {template}")
    try:
        yield urlsplit(server)._replace(path=f"/{name}").geturl()
    finally:
        with psycopg.connect(server, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE {name} WITH (FORCE)")


@pytest.fixture
def env(tmp_path: Path, database_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.operations.worker_settings",
        "DATABASE_URL": database_url,
        "WORKER_TEST_MAIL_DIR": str(tmp_path / "mail"),
        "WORKER_TEST_SEND_SECONDS": "1",
    }


@dataclass
class Worker:
    process: subprocess.Popen
    log: Path


@pytest.fixture
def start_worker(tmp_path: Path, env: dict[str, str]) -> Iterator[Callable[[], Worker]]:
    """Start ``manage.py worker --worker-id worker-1``; whatever still runs is killed after."""
    started: list[Worker] = []

    def start() -> Worker:
        log = tmp_path / f"worker-{len(started) + 1}.log"
        with log.open("w") as output:
            process = subprocess.Popen(
                [sys.executable, "manage.py", "worker", "--worker-id", "worker-1"]
                + ["--interval", "0.2", "--no-startup-delay"],
                cwd=BASE_DIR,
                env=env,
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        started.append(Worker(process, log))
        return started[-1]

    yield start
    for worker in started:
        if worker.process.poll() is None:
            worker.process.kill()
            worker.process.wait(TIMEOUT)


def run(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [sys.executable, *args], cwd=BASE_DIR, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, f"{' '.join(args)}:\n{result.stdout}{result.stderr}"
    return result.stdout


def data(env: dict[str, str], what: str) -> dict:
    return json.loads(run(env, "-m", "tests.operations.worker_data", what))


def recipients(mail_dir: Path) -> list[str]:
    """Whom the emails written so far went to, one entry per email."""
    return [email.message_from_bytes(path.read_bytes())["To"] for path in mail_dir.glob("*.eml")]


def wait_until(condition: Callable[[], bool], what: str, worker: Worker) -> None:
    deadline = time.monotonic() + TIMEOUT
    while not condition():
        if worker.process.poll() is not None or time.monotonic() > deadline:
            pytest.fail(f"no {what} within {TIMEOUT} s:\n{worker.log.read_text()}")
        time.sleep(0.02)


def test_a_worker_killed_mid_send_is_started_again_and_each_follower_gets_one_email(
    tmp_path: Path, env: dict[str, str], start_worker
) -> None:
    mail_dir = tmp_path / "mail"
    run(env, "manage.py", "migrate", "--noinput", "-v0")  # on PostgreSQL: already done
    followers = data(env, "seed")["followers"]  # publishes: the task waits in the queue

    worker = start_worker()
    # Two emails are out and the third is being sent (its "sending" mark is written).
    wait_until(
        lambda: (
            len(sent := recipients(mail_dir)) >= 2
            and len(list(mail_dir.glob("sending-*"))) > len(sent)
        ),
        "email being sent after two sent",
        worker,
    )
    worker.process.kill()  # SIGKILL: no handler, no clean-up, as when the machine dies
    worker.process.wait(TIMEOUT)

    before = recipients(mail_dir)
    state = data(env, "state")
    (task,) = state["tasks"]
    assert task["status"] == "RUNNING"  # what nothing would ever run again
    assert 2 <= len(before) < len(followers)
    assert state["notified"] == sorted(before)  # the interrupted email left no record

    worker = start_worker()
    wait_until(lambda: len(recipients(mail_dir)) >= len(followers), "remaining emails", worker)

    def finished() -> bool:
        (task,) = data(env, "state")["tasks"]
        return task["status"] in {"SUCCESSFUL", "FAILED"}

    wait_until(finished, "finished task", worker)
    worker.process.terminate()
    worker.process.wait(TIMEOUT)

    state = data(env, "state")
    (task,) = state["tasks"]
    assert task["status"] == "SUCCESSFUL", worker.log.read_text()
    assert task["worker_ids"] == ["worker-1", "worker-1"]
    assert task["return_value"] == len(followers) - len(before)  # the rest, and only them
    assert sorted(recipients(mail_dir)) == followers  # each follower exactly once
    assert state["notified"] == followers
    assert "Requeued 1 task left running by a previous worker-1" in worker.log.read_text()


def running_task(*worker_ids: str, status: str = TaskResultStatus.RUNNING) -> DBTaskResult:
    return DBTaskResult.objects.create(
        status=status,
        started_at=timezone.now() - datetime.timedelta(minutes=5),
        args_kwargs={"args": [1], "kwargs": {}},
        task_path="meetings.notifications.notify_protocol_followers",
        worker_ids=list(worker_ids),
        backend_name="default",
        run_after=get_date_max(),
    )


@pytest.mark.django_db
def test_a_starting_worker_puts_back_what_its_own_id_was_running_and_nothing_else() -> None:
    claimed = running_task("worker-1")
    passed_on = running_task("worker-1", "worker-2")  # put back once, then run by worker-2
    done = running_task("worker-1", status=TaskResultStatus.SUCCESSFUL)

    assert orphaned_tasks_requeue(worker_id="worker-2", backend_name="default") == 1
    claimed.refresh_from_db()
    assert claimed.status == TaskResultStatus.RUNNING

    assert orphaned_tasks_requeue(worker_id="worker-1", backend_name="default") == 1

    claimed.refresh_from_db()
    assert claimed.status == TaskResultStatus.READY
    assert claimed.started_at is None
    assert claimed.worker_ids == ["worker-1"]  # the history stays
    assert set(DBTaskResult.objects.ready()) == {claimed, passed_on}
    done.refresh_from_db()
    assert done.status == TaskResultStatus.SUCCESSFUL
    assert orphaned_tasks_requeue(worker_id="worker-1", backend_name="default") == 0


def test_the_worker_id_is_the_host_name_unless_given() -> None:
    parser = Command().create_parser("manage.py", "worker")

    assert parser.get_default("worker_id") == socket.gethostname()[:64]
