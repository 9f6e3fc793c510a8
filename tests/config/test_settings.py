"""Settings come from the environment, with a safe embedded default for development."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GOOD_KEY = "k" * 20 + "-not-a-real-secret-but-long-enough-for-the-check-0123456789"


def run_django(settings: str, env: dict, code: str) -> subprocess.CompletedProcess:
    clean_env = {
        k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))
    }
    return subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=ROOT,
        env=clean_env | {"DJANGO_SETTINGS_MODULE": settings} | env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_with_no_environment_it_runs_on_sqlite_in_debug_mode():
    result = run_django(
        "config.settings.local",
        {},
        "from django.conf import settings as s; "
        "print(s.DEBUG, s.DATABASES['default']['ENGINE'], s.LANGUAGE_CODE, s.TIME_ZONE)",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "django.db.backends.sqlite3", "sv", "Europe/Stockholm"]


def test_make_run_runs_tasks_at_once_and_keeps_caches_in_memory():
    """`make run` starts no worker, so a follower's email must go out at once."""
    result = run_django(
        "config.settings.local",
        {},
        "from django.conf import settings as s; "
        "print(s.TASKS['default']['BACKEND'], s.CACHES['pages']['BACKEND'])",
    )
    assert result.stdout.split() == [
        "django_tasks.backends.immediate.ImmediateBackend",
        "django.core.cache.backends.locmem.LocMemCache",
    ]


def test_a_cache_url_puts_both_caches_in_redis():
    result = run_django(
        "config.settings.local",
        {"DJANGO_CACHE_URL": "redis://cache.example.org:6379/2"},
        "from django.conf import settings as s; "
        "print(*[(c['BACKEND'], c['LOCATION'], c['KEY_PREFIX']) for c in s.CACHES.values()])",
    )
    backend = "django.core.cache.backends.redis.RedisCache"
    location = "redis://cache.example.org:6379/2"
    assert result.stdout.split() == [
        f"('{backend}',",
        f"'{location}',",
        "'delaktig')",
        f"('{backend}',",
        f"'{location}',",
        "'delaktig-pages')",
    ]


def test_the_database_comes_from_database_url():
    result = run_django(
        "config.settings.local",
        {"DATABASE_URL": "postgres://delaktig:hemligt@db.example.org:5432/delaktig"},
        "from django.conf import settings as s; d = s.DATABASES['default']; "
        "print(d['ENGINE'], d['HOST'], d['NAME'])",
    )
    assert result.stdout.split() == ["django.db.backends.postgresql", "db.example.org", "delaktig"]


@pytest.mark.parametrize(
    ("settings", "env"),
    [
        ("config.settings.production", {"DJANGO_ALLOWED_HOSTS": "example.org"}),
        (
            "config.settings.production",
            {"DJANGO_ALLOWED_HOSTS": "example.org", "DJANGO_SECRET_KEY": "change-me"},
        ),
        ("config.settings.local", {"DJANGO_DEBUG": "false"}),
    ],
)
def test_with_debug_off_it_refuses_to_start_without_a_real_secret_key(settings, env):
    result = run_django(settings, env, "print('started')")
    assert result.returncode != 0
    assert "started" not in result.stdout
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_debug_is_parsed_strictly():
    result = run_django("config.settings.local", {"DJANGO_DEBUG": "flase"}, "")
    assert result.returncode != 0
    assert "DJANGO_DEBUG must be true or false" in result.stderr


def test_production_passes_the_deployment_checklist_without_warnings():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env={k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
        | {
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            "DJANGO_SECRET_KEY": GOOD_KEY,
            "DJANGO_ALLOWED_HOSTS": "delaktig.example.org",
            "DATABASE_URL": "sqlite:////tmp/delaktig-deploy-check.sqlite3",
            "DJANGO_EMAIL_URL": "smtp+tls://brev:hemligt@smtp.example.org:587",
            "DJANGO_SITE_URL": "https://delaktig.example.org",
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_cookies_are_secure_and_http_only():
    result = run_django(
        "config.settings.production",
        {
            "DJANGO_SECRET_KEY": GOOD_KEY,
            "DJANGO_ALLOWED_HOSTS": "example.org",
            "DJANGO_EMAIL_URL": "smtp://smtp.example.org:25",
            "DJANGO_SITE_URL": "https://example.org",
        },
        "from django.conf import settings as s; print(s.SESSION_COOKIE_SECURE, "
        "s.SESSION_COOKIE_HTTPONLY, s.CSRF_COOKIE_SECURE, s.CSRF_COOKIE_HTTPONLY, s.DEBUG)",
    )
    assert result.stdout.split() == ["True", "True", "True", "True", "False"]


def test_production_refuses_to_start_without_a_mail_server():
    result = run_django(
        "config.settings.production",
        {"DJANGO_SECRET_KEY": GOOD_KEY, "DJANGO_ALLOWED_HOSTS": "example.org"},
        "",
    )
    assert result.returncode != 0
    assert "DJANGO_EMAIL_URL" in result.stderr


def test_email_settings_come_from_one_url():
    result = run_django(
        "config.settings.local",
        {"DJANGO_EMAIL_URL": "smtp+tls://brev:hemligt@smtp.example.org:587"},
        "from django.conf import settings as s; "
        "print(s.EMAIL_BACKEND, s.EMAIL_HOST, s.EMAIL_PORT, s.EMAIL_USE_TLS)",
    )
    assert result.stdout.split() == [
        "django.core.mail.backends.smtp.EmailBackend",
        "smtp.example.org",
        "587",
        "True",
    ]
