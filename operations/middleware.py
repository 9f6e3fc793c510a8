"""While the database cannot be reached, visitors get a 503 page that says so, never a 500.

``DatabaseUnavailableMiddleware`` sits above everything that may query (sessions, the
page cache, authentication, the views and the templates they render) and below the
middleware that sets the security headers, so the 503 carries those headers too.

It answers ``django.db.OperationalError`` and ``InterfaceError`` (what the database
backends raise when the server is down, restarting or unreachable) with
``templates/503.html``, ``Retry-After`` and ``Cache-Control: no-store``: neither the
page cache nor a proxy may keep the page, so the site is back for everyone as soon as
the database is. Django closes a broken connection at the end of the request, so the
next request after the database returns connects afresh; nothing has to restart.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable

from django.conf import settings
from django.core.signals import got_request_exception
from django.db import InterfaceError, OperationalError
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.cache import add_never_cache_headers
from django.utils.log import log_response

logger = logging.getLogger(__name__)

DATABASE_ERRORS = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 30


def database_unavailable(request: HttpRequest) -> HttpResponse:
    """The 503 page. Rendered without the request, so no context processor runs and
    nothing touches the database; in the language the visitor chose, if known yet."""
    language = getattr(request, "LANGUAGE_CODE", None) or settings.LANGUAGE_CODE
    with translation.override(language):
        content = render_to_string("503.html")
    response = HttpResponse(content, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Content-Language"] = language
    add_never_cache_headers(response)
    return response


@receiver(got_request_exception, dispatch_uid="operations.middleware.remember_database_error")
def remember_database_error(sender, request: HttpRequest | None = None, **kwargs) -> None:
    """Django wraps every middleware in a handler that turns its exceptions into a 500
    page, so an error from a middleware below (the page cache's version query, a session
    save, a 404 page that reads the user) reaches ``__call__`` as a finished 500. This
    signal is sent while the exception is handled: note a database error on the request."""
    error = sys.exc_info()[1]
    if request is not None and isinstance(error, DATABASE_ERRORS):
        request.database_error = error


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        error = getattr(request, "database_error", None)
        if error is None or response.status_code != 500:
            return response
        unavailable = database_unavailable(request)
        # Django has logged the error with its traceback ("Internal Server Error"); this
        # line says what the visitor got instead, and stops a third, "Service Unavailable".
        log_response(
            "Database unavailable: %s (answered 503 instead of the 500 logged above)",
            request.path,
            response=unavailable,
            request=request,
            logger=logger,
            level="warning",
        )
        return unavailable

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        """A view, or the template it returned, lost the database: answered here, before
        Django's 500 handler sees it, and logged once with the error."""
        if not isinstance(exception, DATABASE_ERRORS):
            return None
        response = database_unavailable(request)
        # Marks the response as logged, so Django adds no "Service Unavailable" line.
        log_response(
            "Database unavailable: %s",
            request.path,
            response=response,
            request=request,
            logger=logger,
            exception=exception,
        )
        return response
