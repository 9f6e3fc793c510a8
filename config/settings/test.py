"""Tests: SQLite by default, PostgreSQL when the harness sets DATABASE_URL."""

from .base import *  # noqa: F403

DEBUG = False
SECRET_KEY = "test-only-secret-key-not-used-anywhere-else-0123456789abcdef"  # noqa: S105
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STATIC_ROOT = None  # no collected files in tests: WhiteNoise serves nothing, finders do
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    "backups": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
}

# Tasks run at once in tests, so a test sees the email a published protocol sends.
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
AXES_ENABLED = True
# Links in emails point at the test client's server: mail is sent by a task, without a request.
SITE_URL = "http://testserver"
