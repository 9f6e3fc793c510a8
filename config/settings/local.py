"""Development: runs with no environment at all (SQLite, debug, console email)."""

from .base import *  # noqa: F403
from .base import env, env_bool, require_real_secret_key

DEBUG = env_bool("DJANGO_DEBUG", default=True)
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="django-insecure-local-development-only")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
require_real_secret_key(DEBUG, SECRET_KEY)

# `make run` is one process without a worker: tasks run at once (after the transaction
# commits), so a follower's email appears in the console when a protocol is published.
TASKS = {
    "default": {
        "BACKEND": env.str(
            "DJANGO_TASKS_BACKEND", default="django_tasks.backends.immediate.ImmediateBackend"
        )
    }
}
