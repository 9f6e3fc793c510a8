"""The database is down: public pages answer 503 in Swedish with Retry-After, never a 500;
``/health/`` says what is wrong; the site recovers by itself when the database returns.

Three levels: in-process requests through the whole middleware stack (a test URLconf
whose views lose the database); a child process whose SQLite file cannot be opened and
then can; and, marked ``cluster``, gunicorn with the production settings while a private
PostgreSQL is stopped for real and started again.
"""

from __future__ import annotations

import http.client
import json
import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpResponse
from django.template import engines
from django.template.response import TemplateResponse
from django.urls import path, reverse

from cluster.local import NO_CONTROL_SOCKET, free_port
from meetings.page_cache import cache_public_page
from tests import postgres_harness as pg
from tests.operations.drill import clean_environment

ROOT = Path(__file__).resolve().parents[2]
TITLE = "Tjänsten är tillfälligt otillgänglig"
TRY_AGAIN = "Försök gärna igen om en minut"
MIDDLEWARE = "operations.middleware.DatabaseUnavailableMiddleware"


# --- A URLconf whose views lose the database ------------------------------------------------


def loses_the_database(request):
    raise OperationalError("server closed the connection unexpectedly")


def loses_the_connection(request):
    raise InterfaceError("connection already closed")


class RowsOfALostDatabase:
    """What a lazy queryset does when the template iterates it and the server is gone."""

    def __iter__(self):
        raise OperationalError("terminating connection due to administrator command")


def renders_a_lazy_list(request):
    template = engines["django"].from_string("{% for row in rows %}{{ row }}{% endfor %}")
    return TemplateResponse(request, template, {"rows": RowsOfALostDatabase()})


FLAKY_CALLS: list[str] = []


def fails_once_then_works(request):
    FLAKY_CALLS.append(request.path)
    if len(FLAKY_CALLS) == 1:
        raise OperationalError("could not connect to server")
    return HttpResponse("Protokoll")


urlpatterns = [
    path("borta/", loses_the_database),
    path("koppling/", loses_the_connection),
    path("lista/", renders_a_lazy_list),
    path("ibland/", cache_public_page(fails_once_then_works)),
]


class LosesTheDatabaseBelow:
    """A middleware below DatabaseUnavailableMiddleware that fails as the page cache's
    version query does while PostgreSQL is gone."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        raise OperationalError('connection to server at "127.0.0.1" failed: Connection refused')


class RaisesBelow:
    """A middleware below that raises what ``?error=`` names: not a database error."""

    ERRORS = {"404": Http404, "403": PermissionDenied, "500": ValueError}

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        raise self.ERRORS[request.GET["error"]]("not the database")


def below_the_page_cache(settings, middleware: str) -> None:
    at = settings.MIDDLEWARE.index("meetings.page_cache.PublicPageCacheMiddleware")
    settings.MIDDLEWARE = [*settings.MIDDLEWARE[:at], middleware, *settings.MIDDLEWARE[at:]]


def error_records(caplog) -> list[logging.LogRecord]:
    return [record for record in caplog.records if record.levelno >= logging.ERROR]


def assert_unavailable_page(response) -> str:
    content = response.content.decode()
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "no-store" in response["Cache-Control"]
    assert 'lang="sv"' in content
    assert f"<title>{TITLE} – Delaktig</title>" in content
    assert TRY_AGAIN in content
    return content


# --- In-process: every way a request can lose the database ------------------------------


def test_the_middleware_sits_below_the_security_headers_and_above_what_queries(settings):
    order = settings.MIDDLEWARE
    here = order.index(MIDDLEWARE)
    for above in (
        "django.middleware.security.SecurityMiddleware",
        "csp.middleware.CSPMiddleware",
        "django_permissions_policy.PermissionsPolicyMiddleware",
    ):
        assert order.index(above) < here, above
    for below in (
        "django.contrib.sessions.middleware.SessionMiddleware",
        "meetings.page_cache.PublicPageCacheMiddleware",
        "django.contrib.auth.middleware.AuthenticationMiddleware",
    ):
        assert here < order.index(below), below


@pytest.mark.django_db
@pytest.mark.urls(__name__)
@pytest.mark.parametrize("url", ["/borta/", "/koppling/", "/lista/"])
def test_a_page_that_loses_the_database_answers_503_in_swedish(
    client, caplog, django_assert_num_queries, url
):
    with django_assert_num_queries(0):  # the 503 page itself touches no database
        response = client.get(url)

    content = assert_unavailable_page(response)
    assert "Protokollen är snart tillbaka" in content
    # The security headers of the middleware above still apply.
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert "camera=()" in response["Permissions-Policy"]
    (record,) = error_records(caplog)  # logged once, with the error
    assert record.name == "operations.middleware"
    assert isinstance(record.exc_info[1], OperationalError | InterfaceError)
    assert url in record.getMessage()


@pytest.mark.django_db
@pytest.mark.urls(__name__)
def test_a_visitor_who_chose_english_gets_the_page_in_english(client):
    client.cookies["django_language"] = "en"
    response = client.get("/borta/")

    content = response.content.decode()
    assert response.status_code == 503
    assert 'lang="en"' in content
    assert "The service is temporarily unavailable" in content
    assert response["Content-Language"] == "en"


@pytest.mark.urls(__name__)
def test_a_middleware_below_that_loses_the_database_gets_the_same_503(client, caplog, settings):
    below_the_page_cache(settings, f"{__name__}.LosesTheDatabaseBelow")
    # Django's handler around that middleware sends got_request_exception, which the test
    # client would raise again; a server answers with the response.
    client.raise_request_exception = False

    response = client.get("/borta/")

    assert_unavailable_page(response)
    assert "default-src 'self'" in response["Content-Security-Policy"]
    (error,) = error_records(caplog)  # Django's, with the traceback
    assert isinstance(error.exc_info[1], OperationalError)
    answered = [r for r in caplog.records if r.name == "operations.middleware"]
    assert [r.getMessage() for r in answered] == [
        "Database unavailable: /borta/ (answered 503 instead of the 500 logged above)"
    ]


@pytest.mark.parametrize(("error", "status"), [("404", 404), ("403", 403), ("500", 500)])
def test_other_errors_below_are_answered_as_django_always_did(client, settings, error, status):
    below_the_page_cache(settings, f"{__name__}.RaisesBelow")
    client.raise_request_exception = False

    response = client.get("/", {"error": error})

    assert response.status_code == status
    assert "Retry-After" not in response


@pytest.mark.django_db
@pytest.mark.urls(__name__)
def test_the_page_cache_never_keeps_the_503(client):
    FLAKY_CALLS.clear()
    first = client.get("/ibland/")
    second = client.get("/ibland/")
    third = client.get("/ibland/")

    assert first.status_code == 503
    assert (second.status_code, second["X-Page-Cache"]) == (200, "MISS")
    assert (third.status_code, third["X-Page-Cache"], third.content) == (200, "HIT", b"Protokoll")


# --- /health/ and /health/live/ -----------------------------------------------------------


@pytest.mark.django_db
def test_health_is_ok_when_the_database_the_caches_and_the_migrations_are(client):
    response = client.get(reverse("health"))

    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "cache": "ok", "migrations": "ok"},
    }
    assert "no-store" in response["Cache-Control"]


@pytest.mark.django_db
def test_health_names_a_cache_that_keeps_nothing(client, settings):
    settings.CACHES = {
        **settings.CACHES,
        "pages": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"},
    }

    response = client.get(reverse("health"))

    assert response.status_code == 503
    assert response.json() == {
        "status": "error",
        "checks": {"database": "ok", "cache": "pages: the value was not kept", "migrations": "ok"},
    }


@pytest.mark.django_db
def test_health_names_a_cache_that_fails_and_is_not_a_500(client, settings, tmp_path):
    not_a_folder = tmp_path / "a-file"
    not_a_folder.write_text("")
    settings.CACHES = {
        **settings.CACHES,
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(not_a_folder / "cache"),
        },
    }

    response = client.get(reverse("health"))

    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["cache"] in {"default: NotADirectoryError", "default: FileExistsError"}
    assert checks["database"] == "ok"


def test_health_live_touches_no_database(client, django_assert_num_queries, db):
    with django_assert_num_queries(0):
        response = client.get(reverse("health_live"))

    assert response.status_code == 200
    assert b"ok" in response.content
    assert "no-store" in response["Cache-Control"]


# --- A child process whose database cannot be opened, and then can ------------------------

OUTAGE = r"""
import json
import logging
import sys
from pathlib import Path

import django

django.setup()

from django.core.management import call_command
from django.test import Client
from django.urls import reverse


class Logged(logging.Handler):
    def __init__(self):
        super().__init__(level=logging.WARNING)
        self.records = []

    def emit(self, record):
        self.records.append(record)


logged = Logged()
logging.getLogger().addHandler(logged)


def visit(url, cookies=None):
    client = Client(raise_request_exception=False)
    for name, value in (cookies or {}).items():
        client.cookies[name] = value
    logged.records.clear()
    response = client.get(url)
    return {
        "status": response.status_code,
        "retry_after": response.headers.get("Retry-After"),
        "cache_control": response.headers.get("Cache-Control", ""),
        "content": response.content.decode(),
        "log": [
            [record.name, record.levelname, type(record.exc_info[1]).__name__]
            for record in logged.records
            if record.exc_info
        ],
    }


pages = {
    "home (page cache)": ("/", None),
    "archive (a view)": (reverse("meetings:archive"), {"sessionid": "no-such-session"}),
    "health": (reverse("health"), None),
    "health live": (reverse("health_live"), None),
}
report = {"down": {name: visit(*page) for name, page in pages.items()}}
Path(sys.argv[1]).mkdir()
call_command("migrate", verbosity=0, interactive=False)
report["back"] = {name: visit(*page) for name, page in pages.items()}
print(json.dumps(report))
"""


@pytest.fixture(scope="module")
def outage(tmp_path_factory) -> dict:
    """What one process saw while its database could not be opened, and after."""
    folder = tmp_path_factory.mktemp("outage") / "not-yet"
    environment = clean_environment()
    environment.update(
        DJANGO_SETTINGS_MODULE="config.settings.test",
        DATABASE_URL=f"sqlite:///{folder / 'db.sqlite3'}",
    )
    result = subprocess.run(
        [sys.executable, "-c", OUTAGE, str(folder)],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-5000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize(
    ("page", "logged_by"),
    [
        # The page cache's version query: Django's handler logs it, then it becomes a 503.
        ("home (page cache)", "django.request"),
        # The view (with a session, so past the page cache): answered and logged here.
        ("archive (a view)", "operations.middleware"),
    ],
)
def test_pages_answer_503_while_the_database_cannot_be_opened(outage, page, logged_by):
    seen = outage["down"][page]

    assert seen["status"] == 503
    assert seen["retry_after"] == "30"
    assert "no-store" in seen["cache_control"]
    assert TITLE in seen["content"]
    assert seen["log"] == [[logged_by, "ERROR", "OperationalError"]]  # once, with the error


def test_health_says_the_database_is_down_and_liveness_does_not_care(outage):
    health_page = outage["down"]["health"]

    assert health_page["status"] == 503
    assert json.loads(health_page["content"]) == {
        "status": "error",
        "checks": {
            "database": "default: OperationalError",
            "cache": "ok",
            "migrations": "not checked",
        },
    }
    assert outage["down"]["health live"]["status"] == 200


def test_the_same_process_recovers_when_the_database_returns(outage):
    back = outage["back"]

    assert {name: seen["status"] for name, seen in back.items()} == dict.fromkeys(back, 200)
    assert json.loads(back["health"]["content"])["status"] == "ok"
    assert all(seen["log"] == [] for seen in back.values())


# --- The real thing: gunicorn in production settings, PostgreSQL stopped and started ------

SEED = r"""
import json

from django.contrib.auth import get_user_model

from meetings.services import protocol_publish
from tests.factories import (
    AgendaItemFactory,
    AttendanceFactory,
    MeetingFactory,
    MeetingSeriesFactory,
    WorkingGroupFactory,
)

group = WorkingGroupFactory(name="Fritidsbank", slug="fritidsbank")
meeting = MeetingFactory(
    series=MeetingSeriesFactory(name="Ledningsgruppen", slug="ledningsgruppen"), approved=True
)
AttendanceFactory(meeting=meeting)
item = AgendaItemFactory(meeting=meeting, order=1, title="Lokaler", body="Vi talade om lokaler.")
item.working_groups.add(group)
secretary = get_user_model().objects.create_user("sekreterare", is_staff=True)
meeting = protocol_publish(meeting=meeting, by=secretary)
print(json.dumps({"protocol": meeting.get_absolute_url(), "working_group": group.get_absolute_url()}))
"""

HOST = "127.0.0.1"
WAIT = 60  # seconds for gunicorn to start, and for the site to answer again


def fetch(port: int, url: str, cookie: str = "") -> tuple[int, dict[str, str], str]:
    connection = http.client.HTTPConnection(HOST, port, timeout=10)
    try:
        connection.request("GET", url, headers={"Cookie": cookie} if cookie else {})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read().decode()
    finally:
        connection.close()


def wait_for(answer, what: str, log: Path) -> None:
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        try:
            if answer():
                return
        except OSError:
            pass
        time.sleep(0.2)
    pytest.fail(f"no {what} within {WAIT} s; gunicorn's log:\n{log.read_text()[-5000:]}")


def start_again_on_the_same_port(cluster: pg.Cluster) -> None:
    # pg.start() would choose a new free port; the site's DATABASE_URL names the old one.
    result = cluster.run(
        cluster.pg_ctl,
        "-D",
        str(cluster.datadir),
        "-l",
        str(cluster.logfile),
        "-o",
        f"-p {cluster.port}",
        "-w",
        "-t",
        str(WAIT),
        "start",
    )
    cluster.running = True
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.fixture
def postgres():
    cluster = pg.prepare()
    try:
        pg.initialise(cluster, comment="database-down test")
        pg.start(cluster)
        pg.create_database(cluster, pg.DB_NAME)
        yield cluster
    finally:
        pg.stop(cluster)


@pytest.fixture
def site(postgres, tmp_path):
    """gunicorn (two workers) with the production settings over the private PostgreSQL,
    migrated and holding one published protocol in a working group."""
    port = free_port()
    environment = clean_environment()
    environment.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DJANGO_SECRET_KEY="database-down-test-only-" + "x7Kq2" * 8,
        DJANGO_ALLOWED_HOSTS=HOST,
        DJANGO_SITE_URL=f"http://{HOST}:{port}",
        DJANGO_EMAIL_URL="consolemail://",
        DJANGO_SECURE_SSL_REDIRECT="false",
        DATABASE_URL=postgres.url,
        DJANGO_STATIC_ROOT=str(tmp_path / "static"),
        DJANGO_MEDIA_ROOT=str(tmp_path / "media"),
        PYTHONUNBUFFERED="1",
    )

    def manage(*args: str) -> str:
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=environment,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        assert result.returncode == 0, (args, result.stdout[-3000:], result.stderr[-3000:])
        return result.stdout

    # Side by side: migrate mostly waits on PostgreSQL, collectstatic compresses.
    collect = subprocess.Popen(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    manage("migrate", "--noinput", "-v0")
    assert collect.wait(timeout=600) == 0, collect.stdout.read()[-3000:]
    urls = json.loads(manage("shell", "-c", SEED).strip().splitlines()[-1])

    log = tmp_path / "gunicorn.log"
    access_log = tmp_path / "access.log"
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi:application",
            "--bind",
            f"{HOST}:{port}",
            "--workers",
            "2",
            "--chdir",
            str(ROOT),
            "--error-logfile",
            str(log),
            "--capture-output",
            "--access-logfile",
            str(access_log),
            *NO_CONTROL_SOCKET,
        ],
        cwd=ROOT,
        env=environment,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        wait_for(lambda: fetch(port, "/health/")[0] == 200, "answer from /health/", log)
        yield {"port": port, "log": log, "access_log": access_log, **urls}
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=10)


@pytest.mark.cluster
def test_the_site_answers_503_while_postgresql_is_stopped_and_recovers_by_itself(postgres, site):
    port, log = site["port"], site["log"]
    pages = {
        "home": "/",
        "archive": reverse("meetings:archive"),
        "protocol": site["protocol"],
        "working group": site["working_group"],
    }
    # Twice each: both gunicorn workers hold a connection and a cached page when it stops.
    for _ in range(2):
        for name, url in pages.items():
            assert fetch(port, url)[0] == 200, name

    pg.stop(postgres, mode="fast", remove=False)

    for name, url in pages.items():
        # Anonymous (the page cache's version query fails) and with a session (the view's).
        for cookie in ("", "sessionid=no-such-session"):
            status, headers, content = fetch(port, url, cookie)
            assert status == 503, (name, cookie, status)
            assert headers["Retry-After"] == "30", name
            assert "no-store" in headers["Cache-Control"], name
            assert "Content-Security-Policy" in headers, name
            assert 'lang="sv"' in content, name
            assert TITLE in content, name
    status, _headers, content = fetch(port, "/health/")
    assert status == 503
    assert json.loads(content)["checks"]["database"] == "default: OperationalError"
    assert fetch(port, "/health/live/")[0] == 200

    start_again_on_the_same_port(postgres)

    wait_for(lambda: fetch(port, "/")[0] == 200, "200 from the start page again", log)
    for _ in range(3):  # every worker, without a restart
        for name, url in pages.items():
            assert fetch(port, url)[0] == 200, name
    assert fetch(port, "/health/")[0] == 200
    assert "Database unavailable: /" in log.read_text()
    answers = [
        line.split('" ')[1].split()[0] for line in site["access_log"].read_text().splitlines()
    ]
    assert "500" not in answers
    assert answers.count("503") == 2 * len(pages) + 1  # every page twice, and /health/
