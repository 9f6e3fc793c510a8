"""Production: every secret comes from the environment and the site is served over HTTPS."""

from .base import *  # noqa: F403
from .base import env, env_bool, require_real_secret_key

DEBUG = False
SECRET_KEY = env.str("DJANGO_SECRET_KEY")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")
require_real_secret_key(DEBUG, SECRET_KEY)

DATABASES["default"]["CONN_MAX_AGE"] = env.int("DJANGO_CONN_MAX_AGE", default=60)  # noqa: F405
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True  # noqa: F405

# Behind a TLS-terminating proxy that sets X-Forwarded-Proto.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", default=True)
SECURE_CONTENT_TYPE_NOSNIFF = True
# Every cookie only over HTTPS: the session (also used by the messages cookie), the
# CSRF token and the language choice. SameSite and HttpOnly come from base.py.
SESSION_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_SECURE = True
CSRF_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SECURE = True
X_FRAME_OPTIONS = "DENY"

# Mail must really leave the server in production: no console default here.
vars().update(env.email("DJANGO_EMAIL_URL"))

# Behind the TLS proxy every request comes from the proxy's address: take the client's
# address from X-Forwarded-For (config.client_address), so that django-axes and the
# throttles count the visitor, not everyone at once.
TRUSTED_PROXY_COUNT = env.int("DJANGO_TRUSTED_PROXY_COUNT", default=1)

# Links in emails must point at the real site.
SITE_URL = env.str("DJANGO_SITE_URL")
