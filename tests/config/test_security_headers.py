"""Security headers and cookie flags, as a browser gets them from the production settings.

The production settings are loaded in a child process (they can't be swapped into this
one), which migrates a fresh SQLite file, walks the site with Django's test client as a
visitor behind the TLS proxy would, and prints what it got as JSON. The tests below read
that one report.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# The Makefile's PRODUCTION_ENV: placeholders, none of them a secret.
PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "config.settings.production",
    "DJANGO_SECRET_KEY": "ci-check-deploy-only-Xq7vK2mP9sLw4Rt8Yb3Nc6Hd1Fg5Jz0Ue",
    "DJANGO_ALLOWED_HOSTS": "example.org",
    "DJANGO_EMAIL_URL": "consolemail://",
    "DJANGO_SITE_URL": "https://example.org",
}

VISIT = r"""
import json

import django

django.setup()

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client, override_settings
from django.urls import reverse

call_command("migrate", verbosity=0, interactive=False)
get_user_model().objects.create_user("sekreterare", password="ett-langt-losenord-for-test")

HEADERS = [
    "Content-Security-Policy",
    "Permissions-Policy",
    "Referrer-Policy",
    "X-Frame-Options",
    "Strict-Transport-Security",
    "X-Content-Type-Options",
    "Cross-Origin-Opener-Policy",
]


def headers(response):
    return {name: response.headers.get(name) for name in HEADERS}


def cookies(response):
    return {
        name: {
            "secure": bool(morsel["secure"]),
            "httponly": bool(morsel["httponly"]),
            "samesite": morsel["samesite"],
        }
        for name, morsel in response.cookies.items()
    }


def visitor():
    # As the TLS proxy forwards a request: HTTPS, the visitor's address, and the Origin
    # that a browser sends with a form.
    return Client(
        enforce_csrf_checks=True,
        HTTP_HOST="example.org",
        HTTP_X_FORWARDED_PROTO="https",
        HTTP_X_FORWARDED_FOR="203.0.113.7",
        HTTP_ORIGIN="https://example.org",
    )


# Static files are not collected here; which storage finds them has nothing to do with
# the headers, so the manifest that production needs is left out.
plain_static = override_settings(
    STORAGES={
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
)
plain_static.enable()

report = {"responses": {}, "cookies": {}}
client = visitor()
home = client.get("/")
cached_home = client.get("/")
login = client.get(reverse("people:login"))
token = client.cookies["csrftoken"].value
language = client.post(
    reverse("set_language"), {"language": "en", "next": "/", "csrfmiddlewaretoken": token}
)
logged_in = client.post(
    reverse("people:login"),
    {
        "username": "sekreterare",
        "password": "ett-langt-losenord-for-test",
        "csrfmiddlewaretoken": token,
    },
)
# A form from a visitor without the CSRF cookie (the language switcher needs none).
refused = visitor().post(reverse("people:login"), {"username": "sekreterare", "password": "x"})

for label, response in [
    ("home", home),
    ("home from the cache", cached_home),
    ("login page", login),
    ("language chosen", language),
    ("logged in", logged_in),
    ("form refused", refused),
]:
    report["responses"][label] = {
        "status": response.status_code,
        "page cache": response.headers.get("X-Page-Cache"),
        "headers": headers(response),
    }
    report["cookies"].update(cookies(response))
report["refused page"] = refused.content.decode()
print(json.dumps(report))
"""


@pytest.fixture(scope="module")
def production(tmp_path_factory) -> dict:
    """What the child process saw, run once for all the tests of this module."""
    database = tmp_path_factory.mktemp("production") / "db.sqlite3"
    environment = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("DJANGO_", "DATABASE_URL", "DELAKTIG_"))
    }
    result = subprocess.run(
        [sys.executable, "-c", VISIT],
        cwd=ROOT,
        env=environment | PRODUCTION_ENV | {"DATABASE_URL": f"sqlite:///{database}"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def directives(policy: str) -> dict[str, list[str]]:
    """A Content-Security-Policy header as {directive: [sources]}."""
    parsed = {}
    for part in policy.split(";"):
        name, *sources = part.split()
        parsed[name] = sources
    return parsed


def test_the_walk_went_as_a_visitor_would(production):
    statuses = {label: r["status"] for label, r in production["responses"].items()}
    assert statuses == {
        "home": 200,
        "home from the cache": 200,
        "login page": 200,
        "language chosen": 302,
        "logged in": 302,
        "form refused": 403,
    }
    # The second visit to the start page is answered by the page cache, before most
    # of the middleware: it must still carry every header.
    assert production["responses"]["home from the cache"]["page cache"] == "HIT"


def test_every_answer_has_a_strict_content_security_policy(production):
    for label, response in production["responses"].items():
        policy = directives(response["headers"]["Content-Security-Policy"])
        assert policy == {
            "default-src": ["'self'"],
            "script-src": ["'self'"],
            "style-src": ["'self'"],
            "img-src": ["'self'", "data:"],
            "object-src": ["'none'"],
            "base-uri": ["'self'"],
            "form-action": ["'self'"],
            "frame-ancestors": ["'none'"],
        }, label


def test_every_answer_denies_the_browser_features_the_site_does_not_use(production):
    for label, response in production["responses"].items():
        features = dict(
            item.strip().split("=", 1)
            for item in response["headers"]["Permissions-Policy"].split(",")
        )
        for feature in ("camera", "microphone", "geolocation", "payment", "usb", "browsing-topics"):
            assert features.get(feature) == "()", (label, feature)
        assert set(features.values()) == {"()"}, label


def test_every_answer_sets_the_other_security_headers(production):
    for label, response in production["responses"].items():
        headers = response["headers"]
        assert headers["Referrer-Policy"] == "same-origin", label
        assert headers["X-Frame-Options"] == "DENY", label
        assert headers["X-Content-Type-Options"] == "nosniff", label
        assert headers["Cross-Origin-Opener-Policy"] == "same-origin", label
        assert headers["Strict-Transport-Security"].startswith("max-age=31536000"), label


def test_every_cookie_is_secure_and_same_site(production):
    cookies = production["cookies"]
    # The CSRF token, the language choice, the session and the "You are logged in" message.
    assert set(cookies) == {"csrftoken", "django_language", "sessionid", "messages"}
    for name, flags in cookies.items():
        assert flags["secure"], name
        assert flags["samesite"] == "Lax", name


def test_no_cookie_can_be_read_by_a_script(production):
    for name, flags in production["cookies"].items():
        assert flags["httponly"], name


def test_a_refused_form_gets_our_page_without_inline_style(production):
    page = production["refused page"]
    assert 'href="/"' in page
    assert "<style" not in page
    assert "style=" not in page


@pytest.mark.django_db
def test_only_the_protocol_preview_may_be_framed_and_only_by_the_admin(staff_client):
    from django.urls import reverse

    from tests.factories import MeetingFactory

    meeting = MeetingFactory(approved=True)
    publish = staff_client.get(reverse("admin:meetings_meeting_publish", args=[meeting.pk]))
    preview = staff_client.get(reverse("admin:meetings_meeting_preview", args=[meeting.pk]))
    assert (publish.status_code, preview.status_code) == (200, 200)

    policy = directives(publish.headers["Content-Security-Policy"])
    assert policy["frame-ancestors"] == ["'none'"]
    assert publish.headers["X-Frame-Options"] == "DENY"
    # The preview sits in an iframe on the publish page: the two headers agree on that.
    policy = directives(preview.headers["Content-Security-Policy"])
    assert policy["frame-ancestors"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert preview.headers["X-Frame-Options"] == "SAMEORIGIN"
