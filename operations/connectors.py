"""django-dbbackup's database connectors, with what a trustworthy set needs on top.

Dumping is theirs: SQLite's online backup API (consistent while the site runs, never a
file copy) and ``pg_dump --format=custom``. What is added here:

- row counts taken from exactly the data that was dumped (the SQLite copy itself; on
  PostgreSQL the snapshot that pg_dump is given), so the manifest never disagrees with
  the dump while the site writes;
- a restore that is all or nothing. SQLite: the backup API again, into the live
  database, in one step. PostgreSQL: the tables present are dropped and the dump is
  loaded in one transaction (``pg_restore`` to SQL, piped to ``psql``, committed only
  when all of it went in), so a failed restore leaves the database as it was, and
  tables of newer migrations cannot linger beside an older dump.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from dbbackup.db.base import get_connector
from dbbackup.db.exceptions import CommandConnectorError
from dbbackup.db.postgresql import PgDumpBinaryConnector, parse_postgres_settings
from dbbackup.db.sqlite import SqliteBackupConnector
from django.db import connection, transaction

CHUNK = 1024 * 1024


class RestoreFailed(RuntimeError):
    """The database could not be restored; it was left as it was."""


def quote(name: str) -> str:
    return connection.ops.quote_name(name)


@dataclass
class Snapshot:
    """What the dumped data holds: rows per model label and the applied migrations."""

    row_counts: dict[str, int]
    migrations: list[str]


def count_rows(cursor, tables: dict[str, str]) -> dict[str, int]:
    """Rows per model label, for the given {label: table}."""
    counts = {}
    for label, table in sorted(tables.items()):
        cursor.execute(f"SELECT COUNT(*) FROM {quote(table)}")  # noqa: S608 - a known table name
        counts[label] = cursor.fetchone()[0]
    return counts


def read_snapshot(cursor, tables: dict[str, str]) -> Snapshot:
    """Count rows of the given {label: table} and list the applied migrations."""
    cursor.execute("SELECT app, name FROM django_migrations")
    migrations = sorted(f"{app}.{name}" for app, name in cursor.fetchall())
    return Snapshot(count_rows(cursor, tables), migrations)


class SqliteConnector(SqliteBackupConnector):
    extension = "sqlite3"

    def dump(self, target: Path, tables: dict[str, str]) -> Snapshot:
        """Copy the live database into ``target`` and count the copy's rows."""
        self.connection.ensure_connection()
        with sqlite3.connect(target) as copy:
            # One step (pages=-1): a snapshot, never a mix of before and after a write.
            self.connection.connection.backup(copy)
            snapshot = read_snapshot(copy.cursor(), tables)
        copy.close()
        return snapshot

    @staticmethod
    def check(path: Path) -> str | None:
        """What is wrong with a dumped database file, or None."""
        try:
            with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
                result = db.execute("PRAGMA integrity_check").fetchone()[0]
        except sqlite3.DatabaseError as error:
            return str(error)
        return None if result == "ok" else result

    def restore_file(self, path: Path) -> None:
        self.connection.ensure_connection()
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as source:
            try:
                source.backup(self.connection.connection)
            except sqlite3.Error as error:
                raise RestoreFailed(str(error)) from error


# What a restore drops before loading the dump: every table (their indexes, triggers and
# identity sequences go with them) and every function of the current schema that no
# extension owns (the search index's trigger function, say).
SCHEMA_OBJECTS = """
SELECT format('DROP TABLE IF EXISTS %I.%I CASCADE;', schemaname, tablename)
FROM pg_tables WHERE schemaname = current_schema()
UNION ALL
SELECT format('DROP FUNCTION IF EXISTS %s CASCADE;', p.oid::regprocedure)
FROM pg_proc p
JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE n.nspname = current_schema()
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')
"""


class PostgresConnector(PgDumpBinaryConnector):
    extension = "pgdump"

    def dump(self, target: Path, tables: dict[str, str]) -> Snapshot:
        """pg_dump into ``target`` from a snapshot whose rows are counted here too."""
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
            self.dump_suffix = f"--snapshot={snapshot}"
            stdout = self.create_dump()
            with open(target, "wb") as out:
                shutil.copyfileobj(stdout, out, CHUNK)
            return read_snapshot(cursor, tables)

    def check(self, path: Path) -> str | None:
        result = subprocess.run(  # noqa: S603 - fixed program, our own file
            [shutil.which("pg_restore") or "pg_restore", "--list", str(path)],
            capture_output=True,
            text=True,
            check=False,
        )
        return None if result.returncode == 0 else (result.stderr.strip() or "pg_restore failed")

    def restore_file(self, path: Path) -> None:
        """Drop what the schema holds and load the dump, in one transaction."""
        with connection.cursor() as cursor:
            cursor.execute(SCHEMA_OBJECTS)
            drops = [row[0] for row in cursor.fetchall()]
        connection.close()  # no session of ours may hold a lock on what is dropped
        # One transaction, committed only once pg_restore has written the whole dump: a
        # pg_restore that fails halfway must not leave psql to commit half a database.
        prelude = "SET client_min_messages = warning;\nBEGIN;\n"
        prelude += "".join(f"{drop}\n" for drop in drops)
        # psql connects as the ORM does: dbbackup's arguments and environment for it.
        target, env = parse_postgres_settings(self)
        load = [shutil.which("psql") or "psql", *target.split()]
        load += ["--set", "ON_ERROR_STOP=on", "--quiet", "--no-psqlrc"]
        to_sql = [
            shutil.which("pg_restore") or "pg_restore",
            "--no-owner",
            "--no-privileges",
            "--file=-",
            str(path),
        ]
        # Error output goes to files: a pipe nobody reads until the end could fill and stall.
        with (
            tempfile.TemporaryFile() as sql_errors,
            tempfile.TemporaryFile() as psql_errors,
            subprocess.Popen(to_sql, stdout=subprocess.PIPE, stderr=sql_errors) as sql,  # noqa: S603
            subprocess.Popen(  # noqa: S603
                load,
                stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL,
                stderr=psql_errors,
                env={**os.environ, **env},
            ) as psql,
        ):
            try:
                psql.stdin.write(prelude.encode())
                shutil.copyfileobj(sql.stdout, psql.stdin, CHUNK)
                if sql.wait() == 0:
                    psql.stdin.write(b"COMMIT;\n")
                psql.stdin.close()  # without COMMIT, psql ends and the server rolls back
            except BrokenPipeError:
                # psql stopped at an error (its message follows). Stop pg_restore too: it
                # would wait forever to write the rest of the dump into a pipe nobody reads.
                sql.kill()
                with contextlib.suppress(BrokenPipeError):
                    psql.stdin.close()
            psql.wait()
            sql.wait()
            if psql.returncode or sql.returncode:
                message = psql_errors if psql.returncode else sql_errors
                message.seek(0)
                raise RestoreFailed(message.read().decode(errors="replace").strip()[-2000:])


def connector_for_database():
    """Our connector for the default database, with the DBBACKUP_CONNECTORS options."""
    vendor = connection.vendor
    path = {
        "sqlite": "operations.connectors.SqliteConnector",
        "postgresql": "operations.connectors.PostgresConnector",
    }.get(vendor)
    if path is None:
        raise CommandConnectorError(f"Backups of {vendor} databases are not supported.")
    return get_connector(connector_path=path)
