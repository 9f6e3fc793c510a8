"""Settings shared by every environment. Values come from the environment (see .env.example)."""

from __future__ import annotations

from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()


def env_bool(name: str, *, default: bool) -> bool:
    """Strict: a typo such as DJANGO_DEBUG=flase must stop the start, not turn into False."""
    value = env.str(name, default="").strip().lower()
    if not value:
        return default
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}.")


# Only values that are safe to commit may have defaults here; production.py
# requires the secret ones.
DEBUG = env_bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=[])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
# No transaction per request: public pages only read. Writes that must be atomic
# (services, admin) open their own transactions.
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_filters",
    "simple_history",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "organisations",
    "people",
    "projects",
    "meetings",
    "operations",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Above the page cache, so that a page answered from the cache gets them too.
    "csp.middleware.CSPMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    # A NUL anywhere in the request: a 400 (with the headers above) before a query sees it.
    "config.middleware.RefuseNulMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Database down: a 503 page instead of a 500, from anything below (sessions, the page
    # cache, views, templates), with the headers above (operations.middleware).
    "operations.middleware.DatabaseUnavailableMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "config.middleware.ChosenLanguageMiddleware",
    # Cached public pages are answered here, before the rest (meetings.page_cache).
    "meetings.page_cache.PublicPageCacheMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into its own response.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    # First, so that a locked-out address or account is refused before any password check.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Swedish first; English is available through the language switcher / Accept-Language.
LANGUAGE_CODE = "sv"
LANGUAGES = [("sv", _("Swedish")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Stockholm"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# Where collectstatic puts the files WhiteNoise serves; the local cluster (`make cluster`)
# keeps its own copy in its work folder.
STATIC_ROOT = env.path("DJANGO_STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
# Two caches: "default" (throttle counters and the like) and "pages" (whole public pages;
# see meetings.page_cache for how they go stale). Without DJANGO_CACHE_URL both live in
# each process's memory, which is right for `make run` and one server. With several app
# servers, point DJANGO_CACHE_URL at a shared Redis (redis://host:6379/0): then every
# server sees the same counters and serves the pages the others cached.
CACHE_URL = env.str("DJANGO_CACHE_URL", default="")
PAGE_CACHE_TIMEOUT = 60 * 60 * 24
if CACHE_URL:
    SHARED_CACHE = env.cache_url_config(CACHE_URL)
    CACHES = {
        "default": {**SHARED_CACHE, "KEY_PREFIX": "delaktig"},
        "pages": {
            **SHARED_CACHE,
            "KEY_PREFIX": "delaktig-pages",
            "TIMEOUT": PAGE_CACHE_TIMEOUT,
        },
    }
else:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "pages": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "pages",
            "TIMEOUT": PAGE_CACHE_TIMEOUT,
            "OPTIONS": {"MAX_ENTRIES": 2000},
        },
    }
PAGE_CACHE_ENABLED = env_bool("DELAKTIG_PAGE_CACHE", default=True)

# Backup sets (operations/backup.py) are written to the "backups" storage: a folder by
# default, readable by the site's own user only, since sets hold personal data. Any Django
# storage works in production (STORAGES["backups"] in a settings module of your own).
BACKUP_DIR = env.path("DELAKTIG_BACKUP_DIR", default=BASE_DIR / "backups")
STORAGES = {
    "default": {"BACKEND": "config.storage.MediaStorage"},  # never a partial file
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    "backups": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {
            "location": BACKUP_DIR,
            "file_permissions_mode": 0o600,
            "directory_permissions_mode": 0o700,
        },
    },
}
# Sets are named by site and UTC time: <BACKUP_SITE_NAME>-20261202T023000Z.
BACKUP_SITE_NAME = env.str("DELAKTIG_BACKUP_SITE_NAME", default="delaktig")
# Retention: the newest set of each of the last N days, weeks and months is kept.
BACKUP_KEEP_DAILY = env.int("DELAKTIG_BACKUP_KEEP_DAILY", default=7)
BACKUP_KEEP_WEEKLY = env.int("DELAKTIG_BACKUP_KEEP_WEEKLY", default=5)
BACKUP_KEEP_MONTHLY = env.int("DELAKTIG_BACKUP_KEEP_MONTHLY", default=12)
# With a GPG key (its fingerprint or email, in the keyring of GNUPGHOME) every part of a
# set is encrypted to it. Restoring needs the secret key, and its passphrase if it has one.
DBBACKUP_GPG_RECIPIENT = env.str("DELAKTIG_BACKUP_GPG_RECIPIENT", default="") or None
DBBACKUP_GPG_ALWAYS_TRUST = True  # the operator named the key; no web of trust to consult
BACKUP_GPG_PASSPHRASE = env.str("DELAKTIG_BACKUP_GPG_PASSPHRASE", default="") or None
# Every admin page warns when the last backup failed or is older than this.
BACKUP_MAX_AGE_HOURS = env.int("DELAKTIG_BACKUP_MAX_AGE_HOURS", default=36)

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

EMAIL_CONFIG = env.email("DJANGO_EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DJANGO_DEFAULT_FROM_EMAIL", default="Delaktig <noreply@localhost>")
SITE_URL = env.str("DJANGO_SITE_URL", default="http://127.0.0.1:8000")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

LOGIN_URL = "people:login"
LOGIN_REDIRECT_URL = "people:my_page"
LOGOUT_REDIRECT_URL = "home"
# Login links, invitations and password resets stop working after this many seconds.
PASSWORD_RESET_TIMEOUT = env.int("DJANGO_LOGIN_LINK_TIMEOUT", default=60 * 60 * 24 * 3)

# Throttling of failed logins (django-axes): per client address, never per account
# alone, or anyone who knows a username (the admin's, say) could lock its owner out.
# The attempts are kept in the database, which every app server shares.
AXES_FAILURE_LIMIT = env.int("DJANGO_AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = 1  # hours
AXES_LOCKOUT_PARAMETERS = ["ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "people/account/locked_out.html"

# The visitor's address for axes and every throttle (config.client_address): behind
# DJANGO_TRUSTED_PROXY_COUNT proxies, read from X-Forwarded-For, but only on connections
# from DJANGO_TRUSTED_PROXIES. With no proxy (0, the default outside production) it is
# the connection's own address and the header is ignored.
TRUSTED_PROXY_COUNT = env.int("DJANGO_TRUSTED_PROXY_COUNT", default=0)
TRUSTED_PROXIES = env.list("DJANGO_TRUSTED_PROXIES", default=["127.0.0.1", "::1"])
AXES_CLIENT_IP_CALLABLE = "config.client_address.client_ip_address"

# Security headers, in every environment so that the browser tests run under them.
# Nothing inline: scripts and styles come from our own static files only. Bootstrap's
# CSS draws its icons (select arrows, check marks) as data: images. Only the admin's
# protocol preview may be framed, by the admin itself (meetings.admin_publish).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}
# The site uses none of these browser features; an injected script or a framed page
# may not either. Only names Chromium knows: it warns about any other.
PERMISSIONS_POLICY: dict[str, list[str]] = {
    feature: []
    for feature in (
        "accelerometer",
        "autoplay",
        "browsing-topics",
        "camera",
        "clipboard-read",
        "display-capture",
        "encrypted-media",
        "fullscreen",
        "geolocation",
        "gyroscope",
        "hid",
        "idle-detection",
        "local-fonts",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "picture-in-picture",
        "publickey-credentials-get",
        "screen-wake-lock",
        "serial",
        "usb",
        "window-management",
        "xr-spatial-tracking",
    )
}
# Links in protocols lead to other sites; they learn nothing of where the visitor came
# from, which for a social services network can itself be sensitive.
SECURE_REFERRER_POLICY = "same-origin"
# SameSite everywhere (Lax: a link from an email still arrives logged in); the Secure
# flags are set in production.py, where the site is served over HTTPS.
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_HTTPONLY = True  # read by the server only (config.middleware)

# Email to followers is sent outside the web request, by a worker
# (`python manage.py worker`, a service in docker-compose.yml).
TASKS = {
    "default": {
        "BACKEND": env.str("DJANGO_TASKS_BACKEND", default="django_tasks_db.DatabaseBackend"),
    }
}

# Members-only documents of working groups: never served as public media.
MEDIA_ROOT = env.path("DJANGO_MEDIA_ROOT", default=BASE_DIR / "media")
MEDIA_URL = "/media/"

# Uploads: a request smaller than FILE_UPLOAD_MAX_MEMORY_SIZE stays in memory, a larger
# file goes to a temporary file that stops growing at the upload limit (10 MB,
# projects/uploads.py), so a huge POST fills neither memory nor disk and the form says
# "too big". At most 10 files a request (Django allows 100), so one POST stores at most
# 100 MB. Other fields keep Django's bounds (DATA_UPLOAD_MAX_MEMORY_SIZE, 2.5 MB;
# DATA_UPLOAD_MAX_NUMBER_FIELDS, 1,000).
FILE_UPLOAD_HANDLERS = [
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "projects.uploads.BoundedUploadHandler",
]
DATA_UPLOAD_MAX_NUMBER_FILES = 10

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("DJANGO_LOG_LEVEL", default="INFO")},
}

# Placeholder values that must never reach a server with DEBUG off.
INSECURE_SECRET_KEYS = {"", "change-me", "django-insecure-local-development-only"}


def require_real_secret_key(debug: bool, secret_key: str) -> None:
    """Refuse to start without a real secret key whenever debug is off."""
    if not debug and (secret_key in INSECURE_SECRET_KEYS or len(secret_key) < 50):
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY must be set to a random value of at least 50 characters "
            "when DJANGO_DEBUG is off."
        )


AXES_VERBOSE = False
