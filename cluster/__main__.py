"""``make cluster``: install what is missing, start the cluster, wait for Ctrl-C.

Options: ``python -m cluster --help``. Exit status: 0 after Ctrl-C or SIGTERM, 1 when the
cluster could not start or a part of it stopped on its own.
"""

from __future__ import annotations

import argparse
import datetime
import signal
import sys
import time
from pathlib import Path

from cluster.local import ADMIN_USERNAME, BASE_DIR, Cluster, ClusterError, install_missing_packages


def log(message: str) -> None:
    stamp = datetime.datetime.now().strftime("%H:%M:%S")
    print(f"[cluster {stamp}] {message}", flush=True)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m cluster", description=__doc__)
    parser.add_argument("--workdir", type=Path, default=BASE_DIR / ".cluster")
    parser.add_argument("--port", type=int, default=0, help="nginx's port (default: a free one)")
    parser.add_argument("--app-servers", type=int, default=2)
    parser.add_argument(
        "--web-workers", type=int, default=2, help="gunicorn workers per app server"
    )
    parser.add_argument("--task-workers", type=int, default=1)
    parser.add_argument(
        "--no-demo", dest="demo", action="store_false", help="an empty site, no admin user"
    )
    return parser.parse_args(argv)


def raise_on_sigterm(signum, frame) -> None:  # noqa: ARG001 - signal handler signature
    raise KeyboardInterrupt


def describe(cluster: Cluster) -> str:
    lines = [f"Delaktig on {cluster.url}/ (nginx in front of {', '.join(cluster.app_urls)})"]
    if cluster.admin_password:
        lines.append(
            f"  admin: {cluster.url}/admin/  user {ADMIN_USERNAME}, password {cluster.admin_password}"
        )
    lines += [
        f"  PostgreSQL {cluster.database_url}, Redis {cluster.redis_url}",
        f"  logs in {cluster.logdir}/ (PostgreSQL: {cluster.workdir / 'pg' / 'server.log'})",
        f"  emails in {cluster.mail_dir}/",
        "  Ctrl-C stops everything.",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    options = parse_args(argv)
    previous = signal.signal(signal.SIGTERM, raise_on_sigterm)
    try:
        install_missing_packages(log)
        with Cluster(
            options.workdir,
            app_servers=options.app_servers,
            web_workers=options.web_workers,
            task_workers=options.task_workers,
            port=options.port,
            demo=options.demo,
            log=log,
        ) as cluster:
            print(describe(cluster), flush=True)
            while not cluster.exited():
                time.sleep(1)
            for process in cluster.exited():
                log(
                    f"{process.name} stopped on its own (status {process.returncode}); "
                    f"its log: {process.logfile}"
                )
            log("stopping the rest")
            return 1
    except ClusterError as error:
        log(f"FAILED: {error}")
        return 1
    except KeyboardInterrupt:
        log("interrupted: everything is stopped")
        return 0
    finally:
        signal.signal(signal.SIGTERM, previous)


if __name__ == "__main__":
    sys.exit(main())
