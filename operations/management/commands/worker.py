"""``manage.py worker``: the task worker to run in production (it sends the emails).

It is django-tasks-db's ``db_worker`` with the same options, made safe to kill.
``db_worker`` marks a task RUNNING when it claims it, and SUCCESSFUL or FAILED when the
task returns. A worker killed in between (SIGKILL, out of memory, a reboot, ``docker
stop`` after its grace period) leaves the task RUNNING, and no worker ever takes a
RUNNING task again: the follower emails of that protocol stop half-way, for good.

So this worker

- has a stable id: ``--worker-id`` as before, but by default the host name instead of
  a random string, so the worker that systemd (``Restart=always``), Docker's restart
  policy or ``cluster/local.py`` starts again after a crash has the id it had;
- on start, before it takes a new task, puts back to READY every task still RUNNING
  whose last claim was its own id. One id runs one process at a time, so such a task
  was interrupted by the death of its previous process; it runs again from the start
  (``started_at`` cleared, the ``worker_ids`` history kept). A task must therefore be
  safe to run twice: ``notify_protocol_followers`` keeps a row per email sent and
  skips those.

What it does not cover: a worker that never comes back under the same id (a container
recreated with a new host name, a worker pool made smaller). Its tasks stay RUNNING
until a worker is started once with that id, e.g. ``manage.py worker --worker-id OLD
--batch``. And ids must stay unique: two live workers with one id (two on one host,
both taking the host name) would each put back what the other is running.
"""

from __future__ import annotations

import logging
import socket

from django_tasks import TaskResultStatus
from django_tasks_db.management.commands.db_worker import Command as DBWorkerCommand
from django_tasks_db.management.commands.db_worker import validate_worker_id
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction

logger = logging.getLogger("django_tasks_db")  # db_worker's: shown as its own lines are


def host_worker_id() -> str:
    """The host name, cut to the length a worker id may have."""
    return validate_worker_id(socket.gethostname().strip()[:64] or "worker")


def orphaned_tasks_requeue(*, worker_id: str, backend_name: str) -> int:
    """Put back to READY the tasks an earlier process with this id left RUNNING; how many."""
    running = DBTaskResult.objects.running().filter(backend_name=backend_name)
    # The write lock first (SQLite: an exclusive transaction), as db_worker claims tasks.
    with exclusive_transaction(running.db):
        # Few rows are RUNNING at a time, and "the last element of a JSON list" is
        # spelled differently in each database: the ids are compared here.
        orphaned = [
            pk
            for pk, worker_ids in running.select_for_update().values_list("pk", "worker_ids")
            if worker_ids and worker_ids[-1] == worker_id
        ]
        return running.filter(pk__in=orphaned).update(
            status=TaskResultStatus.READY, started_at=None
        )


class Command(DBWorkerCommand):
    help = (
        "Run the task worker (it sends the emails). On start it puts back in the queue the "
        "tasks a previous worker with the same --worker-id was running when it died."
    )

    def add_arguments(self, parser) -> None:
        super().add_arguments(parser)
        parser.set_defaults(worker_id=host_worker_id())
        for action in parser._actions:
            if action.dest == "worker_id":
                action.help = (
                    "Worker id: unique among the running workers, and the same when this "
                    "worker is started again (default: the host name, %(default)r)."
                )

    def handle(self, *args, worker_id: str, backend_name: str, verbosity: int, **options) -> None:
        self.configure_logging(verbosity)
        requeued = orphaned_tasks_requeue(worker_id=worker_id, backend_name=backend_name)
        if requeued:
            logger.warning(
                "Requeued %d task%s left running by a previous %s",
                requeued,
                "" if requeued == 1 else "s",
                worker_id,
            )
        super().handle(
            *args, worker_id=worker_id, backend_name=backend_name, verbosity=verbosity, **options
        )
