"""Each test run proves which database it used (see tests/postgres_harness.py)."""

from __future__ import annotations

import os


def test_runs_on_the_requested_database(db) -> None:
    from django.db import connection

    postgres_requested = os.environ.get("DELAKTIG_TEST_DATABASE") == "postgres"
    assert connection.vendor == ("postgresql" if postgres_requested else "sqlite")
