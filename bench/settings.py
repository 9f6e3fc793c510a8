"""The production settings, with the collected static files under the benchmark's directory.

config.settings.base fixes ``STATIC_ROOT = BASE_DIR / "staticfiles"`` and reads no
environment variable for it, so this is the only change: everything else (DEBUG off,
the database, caches, middleware, WhiteNoise) is config.settings.production unchanged.
"""

import os

from config.settings.production import *  # noqa: F403

STATIC_ROOT = os.environ["DELAKTIG_BENCH_STATIC_ROOT"]
