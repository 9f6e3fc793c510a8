"""``make bench-backup``: how long ``manage.py backup`` and ``manage.py restore`` take, and
how large the sets are, for the demo and for the benchmark's data set.

Three cases, each a backup of a database and its (empty) media folder, then a restore of
that set into a fresh, empty database and media folder, both timed as the wall clock of
the ``manage.py`` process an operator would run (Django's start-up included):

- ``demo_sqlite``: a SQLite file, ``migrate``, ``load_demo``;
- ``demo_postgres``: the same on a fresh PostgreSQL database;
- ``scale_postgres``: ``bench_full``, the 20,000-meeting data set at ``--scale`` 1.0,
  prepared by bench/run.py's own functions (same cluster in ``<workdir>/pg``, same
  fingerprint), so ``make bench`` and this share the generated data.

After each restore the rows of every model in the manifest are counted in the restored
database with plain SQL and compared with the manifest (the one expected difference:
the restore records its own run, one more ``operations.backuprun`` row). The processes
run ``config.settings.production`` with bench/run.py's environment, a backup folder and
media folders under ``<workdir>/backup/``, which is removed at the end with the databases
made here (``--keep`` keeps them). Output: a table, and JSON at ``--output``. Exit
status as bench/run.py: 0 completed, 1 failed (also when a restore lost rows), 130
interrupted.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.run import (
    BASE_DIR,
    DATABASES,
    Environment,
    HarnessError,
    connect,
    ensure_database,
    log,
    machine_info,
    manage,
    now_iso,
    run_reported,
    start_cluster,
    timed,
)
from tests import postgres_harness as pg

CASES = ("demo_sqlite", "demo_postgres", "scale_postgres")
DEMO_DATABASE = "bench_backup_demo"
# Restores go into databases of their own: bench_full stays as make bench needs it.
RESTORED_DATABASES = {
    "demo_postgres": "bench_backup_demo_restored",
    "scale_postgres": "bench_backup_full_restored",
}
TABLES_MARKER = "BENCH-TABLES "
# `manage.py restore` records its own run after restoring: one row the set cannot hold.
RESTORE_RECORD = "operations.backuprun"


@dataclass
class Site:
    """One side of a backup or restore: a database and a media folder, with the backup
    folder both sides share."""

    database_url: str
    media: Path
    backups: Path

    def env(self, environment: Environment) -> dict[str, str]:
        self.media.mkdir(parents=True, exist_ok=True)
        env = environment.build(self.database_url, cache=False)
        env.update(
            {
                "DJANGO_MEDIA_ROOT": str(self.media),
                "DELAKTIG_BACKUP_DIR": str(self.backups),
                "DJANGO_EMAIL_URL": "dummymail://",
            }
        )
        return env


# --- counting --------------------------------------------------------------------------------


def model_tables(env: dict[str, str], logfile: Path) -> dict[str, str]:
    """{model label: table} as Django maps them, asked of a manage.py process."""
    code = (
        "import json; from django.apps import apps; "
        f"print({TABLES_MARKER!r} + json.dumps({{m._meta.label_lower: m._meta.db_table "
        "for m in apps.get_models(include_auto_created=True)}))"
    )
    stdout = manage("shell", "--no-imports", "-c", code, env=env, logfile=logfile)
    lines = [line for line in stdout.splitlines() if line.startswith(TABLES_MARKER)]
    if not lines:
        raise HarnessError(f"manage.py shell printed no table names:\n{stdout[-2000:]}")
    return json.loads(lines[-1][len(TABLES_MARKER) :])


def count_rows(cursor, tables: dict[str, str]) -> dict[str, int]:
    counts = {}
    for label, table in sorted(tables.items()):
        cursor.execute(f'SELECT COUNT(*) FROM "{table}"')  # noqa: S608 - Django's table names
        counts[label] = cursor.fetchone()[0]
    return counts


def count_postgres(cluster: pg.Cluster, database: str, tables: dict[str, str]) -> dict[str, int]:
    with connect(cluster, database) as conn, conn.cursor() as cursor:
        return count_rows(cursor, tables)


def count_sqlite(path: Path, tables: dict[str, str]) -> dict[str, int]:
    with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
        return count_rows(conn.cursor(), tables)


def mismatches(expected: dict[str, int], counted: dict[str, int]) -> dict[str, list[int]]:
    """{label: [in the manifest, counted]} for every model that differs, allowing the one
    row the restore adds for its own record."""
    differ = {}
    for label, rows in expected.items():
        allowed = rows + 1 if label == RESTORE_RECORD else rows
        if counted.get(label) != allowed:
            differ[label] = [rows, counted.get(label, 0)]
    return differ


# --- one case --------------------------------------------------------------------------------


def new_set(backups: Path, before: set[str]) -> Path:
    made = sorted(path for path in backups.iterdir() if path.is_dir() and path.name not in before)
    if len(made) != 1:
        raise HarnessError(f"expected one new set in {backups}, found {[p.name for p in made]}")
    return made[0]


def backup_and_restore(
    label: str,
    source: Site,
    target: Site,
    environment: Environment,
    logfile: Path,
    count_restored,
) -> dict[str, Any]:
    """Time `manage.py backup` on ``source`` and `manage.py restore` into ``target``."""
    case: dict[str, Any] = {}
    source.backups.mkdir(parents=True, exist_ok=True)
    before = {path.name for path in source.backups.iterdir()}
    case["load_average_before_backup"] = round(os.getloadavg()[0], 2)
    log(f"{label}: manage.py backup")
    with timed(case, "backup_seconds"):
        output = manage("backup", env=source.env(environment), logfile=logfile)
    case["backup_output"] = output.strip().splitlines()[-6:]
    folder = new_set(source.backups, before)
    case["set"] = folder.name
    parts = {path.name: path.stat().st_size for path in sorted(folder.iterdir())}
    case["parts"] = parts
    case["set_bytes"] = sum(parts.values())
    manifest = json.loads((folder / "manifest.json").read_text())
    row_counts: dict[str, int] = manifest["row_counts"]
    case["models"] = len(row_counts)
    case["rows"] = sum(row_counts.values())
    case["meetings"] = row_counts.get("meetings.meeting", 0)
    case["media_files"] = manifest["parts"]["media"]["files"]
    case["row_counts"] = row_counts

    case["load_average_before_restore"] = round(os.getloadavg()[0], 2)
    log(f"{label}: manage.py restore {folder.name}")
    with timed(case, "restore_seconds"):
        output = manage("restore", folder.name, env=target.env(environment), logfile=logfile)
    case["restore_output"] = output.strip().splitlines()[-4:]

    tables = model_tables(target.env(environment), logfile)
    unknown = sorted(set(row_counts) - set(tables))
    if unknown:
        raise HarnessError(f"{label}: the manifest names models Django does not know: {unknown}")
    counted = count_restored({name: tables[name] for name in row_counts})
    case["restored_counts"] = counted
    case["mismatches"] = mismatches(row_counts, counted)
    case["rows_match"] = not case["mismatches"]
    log(
        f"{label}: backup {case['backup_seconds']:.1f} s, restore {case['restore_seconds']:.1f} s, "
        f"set {human_size(case['set_bytes'])}, {case['rows']:,} rows "
        f"({'every model matches' if case['rows_match'] else 'ROWS DIFFER'})"
    )
    return case


def check_case(label: str, case: dict[str, Any]) -> None:
    if not case["rows_match"]:
        raise HarnessError(
            f"{label}: the restored database differs from the manifest "
            f"([manifest, counted]): {case['mismatches']}"
        )


# --- the cases -------------------------------------------------------------------------------


def demo_sqlite(folder: Path, environment: Environment, logdir: Path) -> dict[str, Any]:
    """The demo in a SQLite file, backed up and restored into another file."""
    source_file, target_file = folder / "demo.sqlite3", folder / "demo-restored.sqlite3"
    source = Site(f"sqlite:///{source_file}", folder / "media-source", folder / "sets")
    target = Site(f"sqlite:///{target_file}", folder / "media-restored", folder / "sets")
    logfile = logdir / "backup-demo_sqlite.log"
    steps: dict[str, float] = {}
    log("demo_sqlite: migrate, load_demo")
    env = source.env(environment)
    with timed(steps, "migrate"):
        manage("migrate", "--noinput", env=env, logfile=logfile)
    with timed(steps, "load_demo"):
        manage("load_demo", env=env, logfile=logfile)
    case = backup_and_restore(
        "demo_sqlite",
        source,
        target,
        environment,
        logfile,
        lambda tables: count_sqlite(target_file, tables),
    )
    case.update(
        data_set="demo",
        database="sqlite",
        setup_steps=steps,
        source_database_bytes=source_file.stat().st_size,
        restored_database_bytes=target_file.stat().st_size,
    )
    return case


def database_bytes(cluster: pg.Cluster, database: str) -> int:
    with connect(cluster, "postgres") as conn:
        return conn.execute("SELECT pg_database_size(%s)", [database]).fetchone()[0]


def create_empty(cluster: pg.Cluster, database: str) -> None:
    with connect(cluster, "postgres") as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{database}"')


def drop_databases(cluster: pg.Cluster, names: list[str]) -> None:
    if not cluster.running:
        return
    with connect(cluster, "postgres") as conn:
        for name in names:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def postgres_case(
    key: str,
    source_database: str,
    folder: Path,
    cluster: pg.Cluster,
    environment: Environment,
    logdir: Path,
) -> dict[str, Any]:
    restored = RESTORED_DATABASES[key]
    create_empty(cluster, restored)
    source = Site(cluster.url_for(source_database), folder / "media-source", folder / "sets")
    target = Site(cluster.url_for(restored), folder / "media-restored", folder / "sets")
    case = backup_and_restore(
        key,
        source,
        target,
        environment,
        logdir / f"backup-{key}.log",
        lambda tables: count_postgres(cluster, restored, tables),
    )
    case.update(
        database="postgresql",
        source_database_bytes=database_bytes(cluster, source_database),
        restored_database_bytes=database_bytes(cluster, restored),
    )
    return case


def demo_postgres(
    folder: Path, cluster: pg.Cluster, environment: Environment, logdir: Path
) -> dict[str, Any]:
    create_empty(cluster, DEMO_DATABASE)
    env = Site(cluster.url_for(DEMO_DATABASE), folder / "media-source", folder / "sets").env(
        environment
    )
    logfile = logdir / "backup-demo_postgres.log"
    steps: dict[str, float] = {}
    log("demo_postgres: migrate, load_demo")
    with timed(steps, "migrate"):
        manage("migrate", "--noinput", env=env, logfile=logfile)
    with timed(steps, "load_demo"):
        manage("load_demo", env=env, logfile=logfile)
    case = postgres_case("demo_postgres", DEMO_DATABASE, folder, cluster, environment, logdir)
    case.update(data_set="demo", setup_steps=steps)
    return case


# --- report ----------------------------------------------------------------------------------


def human_size(size: float) -> str:
    for unit in ("B", "kB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000
    raise AssertionError("unreachable")


def database_part(parts: dict[str, int]) -> int:
    return sum(size for name, size in parts.items() if name.startswith("database."))


def format_table(cases: dict[str, dict[str, Any]]) -> str:
    header = (
        f"{'case':<15} {'data set':<16} {'rows':>10} {'meetings':>9} {'backup s':>9} "
        f"{'restore s':>10} {'set':>9} {'dump':>9} {'media':>9} {'database':>9}"
    )
    lines = [header, "-" * len(header)]
    for key, case in cases.items():
        lines.append(
            f"{key:<15} {case['data_set']:<16} {case['rows']:>10,} {case['meetings']:>9,} "
            f"{case['backup_seconds']:>9.1f} {case['restore_seconds']:>10.1f} "
            f"{human_size(case['set_bytes']):>9} {human_size(database_part(case['parts'])):>9} "
            f"{human_size(case['parts'].get('media.tar.gz', 0)):>9} "
            f"{human_size(case['source_database_bytes']):>9}"
        )
    return "\n".join(lines)


# --- main ------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.backup",
        description="Time manage.py backup and restore and size the sets.",
    )
    parser.add_argument(
        "--scale", type=float, default=1.0, help="scale of bench_full (default 1.0)"
    )
    parser.add_argument("--fresh", action="store_true", help="rebuild bench_full")
    parser.add_argument("--workdir", type=Path, default=BASE_DIR / ".bench", help="default .bench/")
    parser.add_argument("--output", type=Path, default=None, help="default <workdir>/backup.json")
    parser.add_argument(
        "--keep",
        action="store_true",
        help="keep the sets, the SQLite files and the databases made here",
    )
    options = parser.parse_args(argv)
    if options.scale <= 0:
        parser.error("--scale must be positive")
    options.workdir = options.workdir.resolve()
    options.output = (options.output or options.workdir / "backup.json").resolve()
    return options


def execute(
    options: argparse.Namespace, report: dict[str, Any], stack: contextlib.ExitStack
) -> None:
    workdir: Path = options.workdir
    logdir = workdir / "logs"
    logdir.mkdir(parents=True, exist_ok=True)
    folder = workdir / "backup"
    shutil.rmtree(folder, ignore_errors=True)  # what an interrupted run left
    if not options.keep:
        stack.callback(shutil.rmtree, folder, ignore_errors=True)
    environment = Environment(workdir)
    cases: dict[str, dict[str, Any]] = {}
    report["cases"] = cases

    cases["demo_sqlite"] = demo_sqlite(folder / "demo_sqlite", environment, logdir)
    check_case("demo_sqlite", cases["demo_sqlite"])

    cluster = start_cluster(workdir / "pg", stack, report)
    # Registered after start_cluster's stop, so it runs first: drop, then stop.
    if not options.keep:
        made = [DEMO_DATABASE, *RESTORED_DATABASES.values()]
        stack.callback(drop_databases, cluster, made)
    cases["demo_postgres"] = demo_postgres(folder / "demo_postgres", cluster, environment, logdir)
    check_case("demo_postgres", cases["demo_postgres"])

    report["bench_full"] = ensure_database(
        cluster, "full", options.scale, fresh=options.fresh, environment=environment, logdir=logdir
    )
    case = postgres_case(
        "scale_postgres",
        DATABASES["full"],
        folder / "scale_postgres",
        cluster,
        environment,
        logdir,
    )
    case.update(data_set=f"scale {options.scale}", scale=options.scale)
    cases["scale_postgres"] = case
    check_case("scale_postgres", case)


def tool_version(program: str) -> str | None:
    found = shutil.which(program)
    if not found:
        return None
    completed = subprocess.run(  # noqa: S603 - fixed program
        [found, "--version"], capture_output=True, text=True, timeout=30, check=False
    )
    return completed.stdout.strip() or None


def main(argv: list[str] | None = None) -> int:
    options = parse_args(argv)
    options.workdir.mkdir(parents=True, exist_ok=True)
    machine = machine_info()
    machine.pop("wrk", None)  # not used here
    machine["pg_dump"] = tool_version("pg_dump")
    report: dict[str, Any] = {
        "started_at": now_iso(),
        "completed": False,
        "options": {
            key: (str(value) if isinstance(value, Path) else value)
            for key, value in vars(options).items()
        },
        "machine": machine,
        "timing": "wall clock of the manage.py process, Django's start-up included",
    }
    load = os.getloadavg()[0]
    if load > 1.0:
        log(f"warning: the load average is {load:.1f} before the start; times will be longer")
    status = run_reported(execute, options, report, stopped="PostgreSQL")
    if report.get("cases"):
        print(
            "\nBackup and restore (seconds: wall clock of manage.py; sizes as stored; "
            "database: the source database)",
            flush=True,
        )
        print(format_table(report["cases"]), flush=True)
    options.output.parent.mkdir(parents=True, exist_ok=True)
    options.output.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    log(f"results written to {options.output} ({report['seconds']:.0f} s in all)")
    return status


if __name__ == "__main__":
    sys.exit(main())
