"""Health checks: liveness (``/health/live/``) and readiness (``/health/``).

A load balancer restarts a server that fails liveness and sends no visitors to one that
fails readiness. Liveness therefore touches nothing outside the process: a database
outage must not make every server restart, it must make them wait.
"""

from __future__ import annotations

import logging
import secrets

from django.core.cache import caches
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

logger = logging.getLogger(__name__)

OK = "ok"
CHECKED_CACHES = ("default", "pages")


@never_cache
def health_live(request: HttpRequest) -> HttpResponse:
    """Liveness: renders a tiny template, touches no database and no cache.

    The benchmark also uses it as the floor of this stack (Django, gunicorn, middleware).
    """
    return render(request, "health.html")


@never_cache
def health(request: HttpRequest) -> JsonResponse:
    """Readiness: 200 when every database answers, both caches keep a value and every
    migration is applied; otherwise 503, naming what is wrong. Never a 500: each check
    reports its own failure."""
    database = check_databases()
    checks = {
        "database": database,
        "cache": check_caches(),
        "migrations": check_migrations(database_answers=database == OK),
    }
    healthy = all(result == OK for result in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "error", "checks": checks},
        status=200 if healthy else 503,
    )


def _failure(what: str, error: Exception) -> str:
    # The answer is public: the kind of error only, not addresses or names from its
    # message. The log has the whole message.
    logger.warning("Health check: %s failed: %s", what, error)
    return f"{what}: {type(error).__name__}"


def check_databases() -> str:
    """``SELECT 1`` on every configured database."""
    problems = []
    for connection in connections.all():
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
                cursor.fetchone()
        except Exception as error:  # a check reports, it never fails
            problems.append(_failure(connection.alias, error))
    return "; ".join(problems) or OK


def check_caches() -> str:
    """Each cache keeps a value: set, read back and delete a key of this request's own."""
    problems = []
    for alias in CHECKED_CACHES:
        token = secrets.token_hex(8)
        key = f"health:{token}"
        try:
            cache = caches[alias]
            cache.set(key, token, timeout=10)
            kept = cache.get(key) == token
            cache.delete(key)
        except Exception as error:  # a check reports, it never fails
            problems.append(_failure(alias, error))
            continue
        if not kept:
            problems.append(f"{alias}: the value was not kept")
    return "; ".join(problems) or OK


class _Migrations:
    # Once every migration is applied in this process's database, it stays so: loading the
    # migration graph is the one expensive check, so a positive answer is kept.
    all_applied = False


def check_migrations(*, database_answers: bool) -> str:
    """``"<n> unapplied"`` while the default database lacks migrations of this code."""
    if _Migrations.all_applied:
        return OK
    if not database_answers:
        # Not a second wait for a database that just failed to answer.
        return "not checked"
    try:
        executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except Exception as error:  # a check reports, it never fails
        return f"not checked ({_failure('migrations', error)})"
    if plan:
        return f"{len(plan)} unapplied"
    _Migrations.all_applied = True
    return OK
