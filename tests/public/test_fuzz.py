"""No input gives a server error: every URL answers a hostile corpus with 200, a redirect,
400 or 404 (405 for a method the view does not take), never a 500.

The public URLs come from the root resolver and the admin pages from the admin's registry,
so a new page or model admin is fuzzed without an entry here. Run it on PostgreSQL as well
as on SQLite (``make test`` does): PostgreSQL is the one that refuses a NUL in text.

Each corpus value is sent once in each place (a path parameter, a query parameter, a form
field), not in every combination: a crash comes from one bad value, and the full cross
product would take hours.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from string import Formatter
from urllib.parse import quote, unquote_to_bytes

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.contrib.auth.tokens import default_token_generator
from django.core.cache import caches
from django.core.files.base import ContentFile
from django.db import transaction
from django.http import QueryDict
from django.test import RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.urls.resolvers import RegexPattern, RoutePattern
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from people.services import unsubscribe_path_make
from people.tokens import invitation_token, login_link_token
from projects.models import GroupNote
from tests.factories import MembershipFactory, PersonFactory, UserFactory

pytestmark = pytest.mark.django_db

ALLOWED = {200, 301, 302, 303, 307, 308, 400, 404, 405}


def encoded(value: str) -> str:
    return quote(value, safe="")


# Percent-encoded, as they travel in a path or a query string: some are not even UTF-8.
HOSTILE = [
    "",
    encoded("x" * 300),
    encoded("y" * 5000),
    "%00",
    "0",
    "-1",
    str(10**30),
    "99999999999",
    "2023-13-45",
    "0000-00-00",
    "abc",
    "1.5",
    encoded("\u202eabc"),  # right-to-left override
    "%ED%A0%80",  # a UTF-16 surrogate: invalid UTF-8
    "%FF",
    encoded("😀"),
    encoded("e\u0301\u0301\u0301"),  # combining marks
    encoded("１２３"),  # fullwidth digits: int() reads them
    encoded("²"),  # a digit to str.isdigit() that int() refuses
    encoded("../"),
    encoded("'"),
    encoded('"'),
    encoded("<script>alert(1)</script>"),
]


class Answers:
    """Sends requests and collects every answer that is not allowed, with its URL.

    Each request runs in a savepoint that is rolled back: a database error in one (on
    PostgreSQL it aborts the whole transaction) cannot spoil the answers to the next, and
    no request leaves anything behind (failed logins, throttle counts) for the next one.
    """

    def __init__(self, client, *, allowed: set[int] = ALLOWED) -> None:
        self.client = client
        self.allowed = allowed
        # A crash becomes a 500 answer to record, not an exception that stops the run.
        client.raise_request_exception = False
        self.failures: list[str] = []
        self.sent = 0

    def send(
        self,
        method: str,
        url: str,
        body: str | None = None,
        *,
        allowed: set[int] | None = None,
        headers: dict[str, str] | None = None,
    ) -> int:
        # Each request meets empty caches: it runs its view (a cached page would hide a
        # crash that a cold cache meets) and no throttle has counted it yet.
        for cache in caches.all():
            cache.clear()
        savepoint = transaction.savepoint()
        try:
            if body is None:
                response = getattr(self.client, method)(url, headers=headers)
            else:
                response = self.client.post(
                    url,
                    data=body,
                    content_type="application/x-www-form-urlencoded",
                    headers=headers,
                )
        finally:
            transaction.savepoint_rollback(savepoint)
            transaction.set_rollback(False)
        self.sent += 1
        if response.status_code not in (allowed or self.allowed):
            error = response.exc_info[1] if response.exc_info else ""
            shown = url if len(url) < 300 else f"{url[:300]}…"
            body_shown = f" body {body[:200]!r}" if body else ""
            headers_shown = f" headers {headers!r}"[:300] if headers else ""
            self.failures.append(
                f"{response.status_code} {method.upper()} {shown}{body_shown}{headers_shown}"
                f" {error!r}"
            )
        return response.status_code

    def get(
        self, url: str, *, allowed: set[int] | None = None, headers: dict[str, str] | None = None
    ) -> int:
        return self.send("get", url, allowed=allowed, headers=headers)

    def check(self) -> None:
        assert self.sent > 0
        assert not self.failures, f"{len(self.failures)} bad answers:\n" + "\n".join(self.failures)


def with_query(url: str, query: str) -> str:
    if not query:
        return url
    return f"{url}{'&' if '?' in url else '?'}{query}"


# --- Routes ---------------------------------------------------------------------------

PARAMETER = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")
REGEX_GROUP = re.compile(r"\((?:\?P<(?P<name>\w+)>)?[^()]*\)")


@dataclass(frozen=True)
class Route:
    """A URL pattern as a template: its text with a ``{name}`` for each parameter."""

    name: str
    template: str

    @property
    def parameters(self) -> list[str]:
        return [field for _text, field, _spec, _conv in Formatter().parse(self.template) if field]

    def fill(self, values: dict[str, str]) -> str:
        return "/" + self.template.format(**values)


def template_of(pattern) -> str:
    """A path() or a simple re_path() pattern as a template."""
    text = str(pattern).replace("{", "{{").replace("}", "}}")
    if isinstance(pattern, RoutePattern):
        return PARAMETER.sub(lambda match: "{" + match["name"] + "}", text)
    assert isinstance(pattern, RegexPattern), f"no template for {pattern!r}"
    text = text.removeprefix("^").removesuffix("$").removesuffix(r"\Z")
    groups = itertools.count(1)
    text = REGEX_GROUP.sub(lambda match: "{%s}" % (match["name"] or f"group{next(groups)}"), text)
    assert not re.search(r"[\\^$()\[\]*+?|]", text), f"too complex a pattern to fill: {text}"
    return text


def public_routes() -> list[Route]:
    routes = []

    def walk(patterns, prefix: str, namespace: str | None) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if pattern.namespace == "admin":
                    continue  # fuzzed below, logged in, model by model
                inner = pattern.namespace or namespace
                walk(pattern.url_patterns, prefix + template_of(pattern.pattern), inner)
            elif isinstance(pattern, URLPattern):
                template = prefix + template_of(pattern.pattern)
                name = pattern.name or template
                routes.append(Route(f"{namespace}:{name}" if namespace else name, template))

    walk(get_resolver().url_patterns, "", None)
    return routes


# The query parameters that views looked up by name, since the last clear().
READ: set[str] = set()


class RecordingQueryDict(QueryDict):
    def __getitem__(self, key):
        READ.add(key)
        return super().__getitem__(key)

    def getlist(self, key, default=None):
        READ.add(key)
        return super().getlist(key, default)

    def __contains__(self, key):
        READ.add(key)
        return super().__contains__(key)


class RecordReads:
    """Test middleware, last in the chain: notes the query parameters the view reads, so
    that each page gets the corpus in just those (and one it does not read)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        query = request.META.get("QUERY_STRING", "")
        request.GET = RecordingQueryDict(query, encoding=request.encoding)
        return self.get_response(request)


PUBLIC_ROUTES = public_routes()


def real_values(world, user, note) -> dict[str, list[str]]:
    """Values of real objects for each path parameter; the page is tried with each."""
    unsubscribe_token = resolve(unsubscribe_path_make(user=user)).kwargs["token"]
    return {
        "series": [world.series.slug],
        "date": [world.published.date.isoformat()],
        "slug": [world.group.slug, world.series.slug, world.association.slug],
        "uidb64": [urlsafe_base64_encode(force_bytes(user.pk))],
        "token": [
            login_link_token.make_token(user),
            invitation_token.make_token(user),
            default_token_generator.make_token(user),
            unsubscribe_token,
        ],
        "pk": [str(note.pk)],
    }


def real_fillings(route: Route, values: dict[str, list[str]]) -> list[dict[str, str]]:
    missing = [name for name in route.parameters if name not in values]
    assert not missing, f"{route.name}: add a real value for {missing} to real_values()"
    choices = [values[name] for name in route.parameters]
    return [
        dict(zip(route.parameters, chosen, strict=True)) for chosen in itertools.product(*choices)
    ]


@pytest.fixture
def member(world):
    """A logged-in user who is a member of the working group."""
    user = UserFactory(username="medlem@example.org", email="medlem@example.org")
    MembershipFactory(working_group=world.group, person=PersonFactory(user=user))
    return user


@pytest.fixture
def note(world):
    note = GroupNote.objects.create(working_group=world.group, title="Intern", body="Bara för oss")
    note.attachment.save("anteckning.txt", ContentFile(b"Hej gruppen"))
    return note


def fuzz_route(
    answers: Answers, route: Route, fillings: list[dict[str, str]], query: str = ""
) -> int:
    """Sends the corpus in each path parameter and in each query parameter the page reads
    (after ``query``, which a hostile value then overrides); returns the real page's status."""
    READ.clear()
    # A real page: the first filling that answers 200, so that the query parameters
    # reach a view that reads them.
    for real in fillings:
        status = answers.get(with_query(route.fill(real), query))
        if status == 200:
            break
    for name in route.parameters:
        for value in HOSTILE:
            answers.get(with_query(route.fill({**real, name: value}), query))
    # A view may read a parameter only when the query string is not empty (FilterView)
    # or only with another one: go on while the answers turn up more.
    fuzzed: set[str] = set()
    while unfuzzed := sorted((READ | {"unknown"}) - fuzzed):
        for name in unfuzzed:
            for value in HOSTILE:
                answers.get(with_query(with_query(route.fill(real), query), f"{name}={value}"))
            fuzzed.add(name)
    return status


@pytest.mark.parametrize("route", PUBLIC_ROUTES, ids=lambda route: route.name)
def test_public_pages_answer_hostile_input_without_a_server_error(
    client, settings, world, member, note, route
):
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, f"{__name__}.RecordReads"]
    answers = Answers(client)
    fillings = real_fillings(route, real_values(world, member, note))
    if fuzz_route(answers, route, fillings) != 200:
        # For the logged in, or for members only: fuzz the page itself too.
        client.force_login(member)
        fuzz_route(answers, route, fillings)
    answers.check()


# --- Forms ----------------------------------------------------------------------------

# Each form's fields with a valid-looking value; each field in turn gets the corpus.
FORMS = {
    "people:login": {"username": "medlem@example.org", "password": "fel-losenord"},
    "people:login_link": {"email": "medlem@example.org"},
    "people:password_reset": {"email": "medlem@example.org"},
}


@pytest.mark.parametrize("name", FORMS)
def test_forms_answer_hostile_input_without_a_server_error(client, member, name):
    answers = Answers(client)
    url = reverse(name)
    fields = FORMS[name]
    for field in fields:
        for value in HOSTILE:
            body = {**{key: encoded(text) for key, text in fields.items()}, field: value}
            answers.send("post", url, "&".join(f"{key}={text}" for key, text in body.items()))
    answers.check()


def test_a_username_too_long_to_record_is_a_form_error(client, member):
    response = client.post(reverse("people:login"), {"username": "x" * 300, "password": "x"})
    assert response.status_code == 200
    assert "username" in response.context["form"].errors


@pytest.mark.parametrize("path", ["/", "/protokoll/", "/konto/logga-in/", "/admin/"])
def test_hostile_cookies_give_no_server_error(client, path):
    answers = Answers(client)
    for name in ("sessionid", "csrftoken", "django_language"):
        for value in HOSTILE:
            # As a server reads header bytes: Latin-1.
            client.cookies[name] = unquote_to_bytes(value).decode("latin-1")
            answers.get(path)
        del client.cookies[name]
    answers.check()


HEADERS = ["User-Agent", "Referer", "Accept-Language", "X-Forwarded-For", "X-Forwarded-Proto"]


def test_hostile_headers_give_no_server_error(client, settings, member):
    # Believe X-Forwarded-For from the test client, as from the proxy in production: the
    # address ends up in django-axes' records and the throttles' keys.
    settings.TRUSTED_PROXIES = ["127.0.0.1/32"]
    settings.TRUSTED_PROXY_COUNT = 1
    answers = Answers(client)
    failed_login = "username=medlem%40example.org&password=fel"
    for header in HEADERS:
        for value in HOSTILE:
            # As a server reads header bytes: Latin-1.
            headers = {header: unquote_to_bytes(value).decode("latin-1")}
            answers.get("/", headers=headers)
            answers.send("post", reverse("people:login"), failed_login, headers=headers)
            answers.send("post", reverse("people:login_link"), "email=a%40b.se", headers=headers)
    answers.check()


# --- NUL ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url", ["/protokoll/?q=a%00b", "/protokoll/a%00b/", "/admin/?q=%00", "/?%00=1"]
)
def test_a_nul_anywhere_in_the_address_is_a_friendly_400(client, url):
    response = client.get(url)
    assert response.status_code == 400
    assert "<h1>" in response.content.decode()


def test_a_nul_in_a_form_value_is_a_400(client):
    response = client.post(reverse("people:login"), {"username": "a\x00b", "password": "x"})
    assert response.status_code == 400


def test_a_nul_in_a_header_is_a_400(client):
    login = {"username": "medlem@example.org", "password": "fel"}
    response = client.post(reverse("people:login"), login, headers={"User-Agent": "a\x00b"})
    assert response.status_code == 400


def test_a_nul_in_a_cookie_is_a_400(client):
    client.cookies["sessionid"] = "abcdefgh\x00"
    assert client.get("/").status_code == 400


# --- Admin ----------------------------------------------------------------------------

ADMIN_MODELS = list(admin.site._registry)
# Every change list reads these, whatever its filters.
CHANGELIST_PARAMETERS = ["q", "o", "p", "_to_field", "unknown"]
# Django asks only whether these are there, so one request each is enough.
CHANGELIST_SWITCHES = ["all", "_popup", "_facets", "e"]
# Dates at the ends of what Python and the databases can hold.
EDGE_DATES = [
    {"year": "1"},
    {"year": "9999"},
    {"year": "9999", "month": "12"},
    {"year": "9999", "month": "12", "day": "31"},
    {"year": "1", "month": "1", "day": "1"},
    {"year": "2023", "month": "2", "day": "30"},
]


@pytest.fixture
def admin_world(world, superuser):
    """At least one object of every model with an admin, besides the public world."""
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    Group.objects.create(name="Sekreterare")
    who = {"username": "medlem@example.org", "ip_address": "192.0.2.1", "user_agent": "test"}
    AccessAttempt.objects.create(**who, get_data="", post_data="", failures_since_start=1)
    AccessLog.objects.create(**who)
    AccessFailureLog.objects.create(**who)
    return world


def changelist_parameters(model, superuser) -> list[str]:
    """The query parameters of a change list: those of each of its filters, and the
    date hierarchy's, besides those every change list reads."""
    model_admin = admin.site._registry[model]
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    request = RequestFactory().get(url)
    request.user = superuser
    changelist = model_admin.get_changelist_instance(request)
    names = {name for spec in changelist.filter_specs for name in spec.expected_parameters()}
    if model_admin.date_hierarchy:
        names |= {f"{model_admin.date_hierarchy}__{part}" for part in ("year", "month", "day")}
        names.add("year")  # the short form, and our meetings' own year filter
    return sorted(names - {None}) + CHANGELIST_PARAMETERS


def date_hierarchy_queries(field: str) -> list[str]:
    """A bad month after a good year, a bad day after a good month, and the edges."""
    queries = [{"year": "2023", "month": value} for value in HOSTILE]
    queries += [{"year": "2023", "month": "1", "day": value} for value in HOSTILE]
    queries += EDGE_DATES
    return [
        "&".join(f"{field}__{part}={value}" for part, value in query.items()) for query in queries
    ]


@pytest.mark.parametrize("model", ADMIN_MODELS, ids=lambda model: model._meta.label)
def test_admin_changelists_answer_hostile_filters_without_a_server_error(
    admin_client_, admin_world, superuser, model
):
    answers = Answers(admin_client_)
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    assert answers.get(url) == 200
    for name in changelist_parameters(model, superuser):
        for value in HOSTILE:
            answers.get(with_query(url, f"{name}={value}"))
    for name in CHANGELIST_SWITCHES:
        answers.get(with_query(url, f"{name}=1"))
    date_field = admin.site._registry[model].date_hierarchy
    if date_field:
        for query in date_hierarchy_queries(date_field):
            answers.get(with_query(url, query))
    answers.check()


def admin_routes(model) -> list[Route]:
    """The model admin's own pages that take an object: change, delete, history, the
    history of one version, and any added views."""
    model_admin = admin.site._registry[model]
    prefix = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    routes = [
        Route(
            pattern.name or str(pattern.pattern), prefix.lstrip("/") + template_of(pattern.pattern)
        )
        for pattern in model_admin.urls
    ]
    return [route for route in routes if route.parameters]


@pytest.mark.parametrize("model", ADMIN_MODELS, ids=lambda model: model._meta.label)
def test_admin_object_pages_answer_bad_ids_without_a_server_error(
    admin_client_, admin_world, model
):
    answers = Answers(admin_client_)
    obj = model._default_manager.order_by("pk").first()
    real_id = str(obj.pk) if obj is not None else "1"
    history = getattr(obj, "history", None) if obj is not None else None
    version = history.order_by("history_id").first() if history is not None else None
    real = {"object_id": real_id, "group1": real_id}
    real["group2"] = str(version.history_id) if version is not None else "1"
    for route in admin_routes(model):
        values = {name: real.get(name, real_id) for name in route.parameters}
        # 403 where a model admin switches a view off for everyone (django-tasks-db's
        # results cannot be deleted): then it is the answer to any id.
        status = answers.get(route.fill(values), allowed=ALLOWED | {403})
        allowed = ALLOWED | {403} if status == 403 else ALLOWED
        for name in route.parameters:
            for value in HOSTILE:
                answers.get(route.fill({**values, name: value}), allowed=allowed)
    answers.check()


ADMIN_SITE_ROUTES = [
    Route(pattern.name or "catch_all", "admin/" + template_of(pattern.pattern))
    for pattern in admin.site.get_urls()
    if isinstance(pattern, URLPattern)
]
# A real request to each admin page that needs a query to do anything.
ADMIN_SITE_QUERIES = {
    "autocomplete": "app_label=meetings&model_name=meeting&field_name=series&term=Gem",
}


@pytest.mark.parametrize("route", ADMIN_SITE_ROUTES, ids=lambda route: route.name)
def test_admin_site_pages_answer_hostile_input_without_a_server_error(
    admin_client_, settings, admin_world, route
):
    from django.contrib.contenttypes.models import ContentType

    from meetings.models import Meeting

    settings.MIDDLEWARE = [*settings.MIDDLEWARE, f"{__name__}.RecordReads"]
    # Django answers 403 to an autocomplete request for a field it does not offer.
    allowed = ALLOWED | {403} if route.name == "autocomplete" else ALLOWED
    answers = Answers(admin_client_, allowed=allowed)
    values = {
        "app_label": ["meetings"],
        "content_type_id": [str(ContentType.objects.get_for_model(Meeting).pk)],
        "object_id": [str(admin_world.published.pk)],
        "url": ["meetings/"],
    }
    fillings = real_fillings(route, values)
    fuzz_route(answers, route, fillings, ADMIN_SITE_QUERIES.get(route.name, ""))
    answers.check()


# --- The cases of issue 14, by name ---------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "year=0",
        "year=99999999999",
        "date__year=0",
        "date__year=9999",
        "date__year=99999999999",
        "date__year=2023&date__month=99999999999",
    ],
)
def test_an_impossible_year_in_the_admin_shows_the_list_or_its_error_page(
    admin_client_, world, query
):
    url = reverse("admin:meetings_meeting_changelist")
    response = admin_client_.get(f"{url}?{query}")
    assert (response.status_code, response.get("Location")) in {(200, None), (302, f"{url}?e=1")}


@pytest.mark.parametrize("object_id", ["abc", "1.5", "x" * 300])
def test_the_history_of_a_non_numeric_id_is_not_found(admin_client_, world, object_id):
    url = reverse("admin:meetings_meeting_history", args=[object_id])
    assert admin_client_.get(url).status_code == 404
