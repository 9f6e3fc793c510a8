"""Settings for the worker processes of tests/operations/test_worker_crash.py.

Development settings with what production has where it matters: the database task
backend (run by ``manage.py worker``), a database named by DATABASE_URL (required), and
no autoreloader, so the process the test kills is the one running the task. Mail goes
to WORKER_TEST_MAIL_DIR through a slow backend (tests/operations/slow_mail.py).
"""

from config.settings.local import *  # noqa: F403
from config.settings.local import env

DEBUG = False
DATABASES = {"default": env.db("DATABASE_URL")}
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
EMAIL_BACKEND = "tests.operations.slow_mail.EmailBackend"
EMAIL_FILE_PATH = env.str("WORKER_TEST_MAIL_DIR")
SITE_URL = "http://testserver"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # the seed makes users
