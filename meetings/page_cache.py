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
also holds the language, the address and today's date, because "upcoming" and "today"
change at midnight without anything being saved.

The address in the key is the scheme, host, path and only the query parameters the
page reads (named where it is marked, ``cache_public_page(view, query=...)``), in a
canonical order. The view is given exactly those parameters, so a parameter it was not
given cannot change the page: ``?utm_source=x`` or a random ``?r=8f3a`` is a cache hit,
not a fresh render that anyone could force at will.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from django.conf import settings
from django.core.cache import caches
from django.db import connection
from django.db.models import F
from django.http import HttpRequest, HttpResponse, QueryDict
from django.urls import Resolver404, resolve
from django.utils import timezone
from django.utils.translation import get_language

from .models import PublicPagesVersion

CACHE_ALIAS = "pages"
HEADER = "X-Page-Cache"  # HIT or MISS, for tests and the benchmark
# Headers not to replay: cookies belong to one visitor, the marker is set per answer.
_NOT_STORED = {"set-cookie", HEADER.lower()}


def current_version() -> int:
    # Plain SQL: this runs on every cached request, and the ORM would double its cost.
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT number FROM {PublicPagesVersion._meta.db_table} WHERE id = 1")  # noqa: S608 - no input
        row = cursor.fetchone()
    return row[0] if row else 0


def content_changed() -> None:
    """Make every cached page stale, for every process, when this transaction commits."""
    if not PublicPagesVersion.objects.filter(pk=1).update(number=F("number") + 1):
        # The row is made by migration 0006; a flushed test database has none.
        PublicPagesVersion.objects.update_or_create(
            pk=1, defaults={"number": current_version() + 1}
        )


def cache_public_page(view, *, query: Iterable[str] = ()):
    """Mark a view whose anonymous answers are the same for every visitor: the
    middleware may keep them (see the module docstring). ``query`` names the query
    parameters the page reads; any other is left out of both the key and the view."""
    view.public_page = True
    view.public_page_query = tuple(sorted(set(query)))
    return view


def _public_page_query(request: HttpRequest) -> tuple[str, ...] | None:
    """The query parameters a marked page reads, or None for a page that is not marked."""
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return None
    if not getattr(match.func, "public_page", False):
        return None
    return match.func.public_page_query


def canonical_query(query: QueryDict, names: tuple[str, ...]) -> QueryDict:
    """Only the parameters ``names`` (sorted), each with its values in their order."""
    canonical = QueryDict(mutable=True)
    for name in names:
        values = query.getlist(name)
        if values:
            canonical.setlist(name, values)
    canonical._mutable = False
    return canonical


class PublicPageCacheMiddleware:
    """Answers a cached page before the rest of the stack runs, and keeps marked pages.

    It sits right after the language is chosen: a visitor without a session cookie is
    anonymous whatever the later middleware would find, so a hit needs neither the
    session, the user nor the view. Only marked views cost the version query.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not _cacheable_request(request):
            return self.get_response(request)
        names = _public_page_query(request)
        if names is None:
            return self.get_response(request)
        # The view, and every link it writes from the request (og:url, the language
        # form's "next"), sees only the canonical query: the page is the same for all.
        request.GET = canonical_query(request.GET, names)
        request.META["QUERY_STRING"] = request.GET.urlencode()
        cache = caches[CACHE_ALIAS]
        key = _key(request, current_version())
        cached = cache.get(key)
        if cached is not None:
            content, headers = cached
            response = HttpResponse(content)
            for name, value in headers:
                response[name] = value
            response[HEADER] = "HIT"
            return response
        response = self.get_response(request)
        if _cacheable_response(request, response):
            headers = [(k, v) for k, v in response.items() if k.lower() not in _NOT_STORED]
            cache.set(key, (response.content, headers))
            response[HEADER] = "MISS"
        return response


def _cacheable_request(request: HttpRequest) -> bool:
    return (
        settings.PAGE_CACHE_ENABLED
        and request.method == "GET"
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and "messages" not in request.COOKIES
    )


def _cacheable_response(request: HttpRequest, response: HttpResponse) -> bool:
    user = getattr(request, "user", None)
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
        and not (user and user.is_authenticated)
    )


def _key(request: HttpRequest, version: int) -> str:
    address = request.build_absolute_uri()  # with the canonical query only
    digest = hashlib.sha256(address.encode()).hexdigest()
    return f"page:{version}:{timezone.localdate().isoformat()}:{get_language()}:{digest}"
