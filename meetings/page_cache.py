"""Whole-page cache for anonymous visitors, invalidated by any change to public content.

Public pages change only when staff change something, and then must change at once:
a published correction may not wait for a timeout. So every cached page is keyed by
``PublicPagesVersion.number``, which ``content_changed`` raises in the same transaction
as the change (signals in ``meetings.signals``). Each request reads that one number
(one indexed query); a page rendered for an older number is never served again. The
pages themselves live in each server process's memory (the ``pages`` cache), so the
only shared state is the number in the database, which every process reads.

A page is cached only when the answer is the same for every visitor: an anonymous GET
without session or messages, a 200 that sets no cookie and uses no CSRF token. The key
also holds the language, the address (scheme, host, path, query) and today's date,
because "upcoming" and "today" change at midnight without anything being saved.
"""

from __future__ import annotations

import functools
import hashlib

from django.conf import settings
from django.core.cache import caches
from django.db.models import F
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import get_language

from .models import PublicPagesVersion

CACHE_ALIAS = "pages"
HEADER = "X-Page-Cache"  # HIT or MISS, for tests and the benchmark


def current_version() -> int:
    return PublicPagesVersion.objects.filter(pk=1).values_list("number", flat=True).first() or 0


def content_changed() -> None:
    """Make every cached page stale, for every process, when this transaction commits."""
    if not PublicPagesVersion.objects.filter(pk=1).update(number=F("number") + 1):
        # The row is made by migration 0006; a flushed test database has none.
        PublicPagesVersion.objects.update_or_create(
            pk=1, defaults={"number": current_version() + 1}
        )


def _cacheable_request(request: HttpRequest) -> bool:
    return (
        settings.PAGE_CACHE_ENABLED
        and request.method == "GET"
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and "messages" not in request.COOKIES
        and not request.user.is_authenticated
    )


def _cacheable_response(request: HttpRequest, response: HttpResponse) -> bool:
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
    )


def _key(request: HttpRequest, version: int) -> str:
    address = request.build_absolute_uri()
    digest = hashlib.sha256(address.encode()).hexdigest()
    return f"page:{version}:{timezone.localdate().isoformat()}:{get_language()}:{digest}"


def cache_public_page(view):
    """Serve this view's anonymous answers from the page cache (see the module docstring)."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not _cacheable_request(request):
            return view(request, *args, **kwargs)
        cache = caches[CACHE_ALIAS]
        key = _key(request, current_version())
        cached = cache.get(key)
        if cached is not None:
            content, content_type = cached
            response = HttpResponse(content, content_type=content_type)
            response[HEADER] = "HIT"
            return response
        response = view(request, *args, **kwargs)
        if hasattr(response, "render") and not response.is_rendered:
            response.render()
        if _cacheable_response(request, response):
            cache.set(key, (response.content, response["Content-Type"]))
            response[HEADER] = "MISS"
        return response

    return wrapper
