"""The public page cache: served to anonymous visitors, stale at once after any change."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from meetings.models import Meeting, PublicPagesVersion
from meetings.page_cache import content_changed, current_version
from tests.factories import (
    AgendaItemFactory,
    MeetingFactory,
    OrganisationFactory,
    PersonFactory,
    UserFactory,
    WorkingGroupFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def protocol():
    meeting = MeetingFactory(
        date=datetime.date(2024, 3, 12),
        protocol_state=Meeting.ProtocolState.PUBLISHED,
        published_at=timezone.now(),
    )
    AgendaItemFactory(meeting=meeting, order=1, title="Budget", body="Summan är 100 kronor.")
    return meeting


def test_the_second_visit_is_served_from_the_cache(client, protocol):
    url = protocol.get_absolute_url()
    first = client.get(url)
    second = client.get(url)
    assert first["X-Page-Cache"] == "MISS"
    assert second["X-Page-Cache"] == "HIT"
    assert second.content == first.content
    assert second["Content-Type"] == first["Content-Type"]


def test_a_published_correction_shows_at_once(client, protocol):
    url = protocol.get_absolute_url()
    assert "100 kronor" in client.get(url).content.decode()
    item = protocol.agenda_items.get()
    item.body = "Summan är 120 kronor."
    item.save()
    response = client.get(url)
    assert response["X-Page-Cache"] == "MISS"
    assert "120 kronor" in response.content.decode()


@pytest.mark.parametrize(
    "change",
    [
        lambda m: PersonFactory(name="Ny person"),
        lambda m: OrganisationFactory(name="Ny förening"),
        lambda m: WorkingGroupFactory(name="Ny grupp"),
        lambda m: m.agenda_items.get().working_groups.add(WorkingGroupFactory()),
        lambda m: m.agenda_items.get().delete(),
    ],
    ids=["person", "organisation", "group", "m2m", "delete"],
)
def test_every_change_to_public_content_raises_the_version(protocol, change):
    before = current_version()
    change(protocol)
    assert current_version() > before


def test_reads_and_private_rows_leave_the_cache_alone(protocol):
    from people.models import Follow

    user = UserFactory()
    before = current_version()
    list(Meeting.objects.all())
    Follow.objects.create(user=user, series=protocol.series)
    assert current_version() == before


def test_the_version_survives_a_missing_row():
    PublicPagesVersion.objects.all().delete()
    assert current_version() == 0
    content_changed()
    assert current_version() == 1
    content_changed()
    assert current_version() == 2


def test_logged_in_users_never_get_or_fill_the_cache(client, protocol):
    url = protocol.get_absolute_url()
    client.get(url)  # cached for visitors
    client.force_login(UserFactory())
    response = client.get(url)
    assert "X-Page-Cache" not in response
    assert "Logga ut" in response.content.decode()
    client.logout()
    assert "Logga ut" not in client.get(url).content.decode()


def test_a_visitor_with_a_message_waiting_gets_a_fresh_page(client, protocol):
    url = protocol.get_absolute_url()
    client.get(url)
    client.cookies["messages"] = "anything"
    assert "X-Page-Cache" not in client.get(url)


def test_each_language_has_its_own_cached_page(client):
    url = reverse("meetings:archive")
    assert 'lang="sv"' in client.get(url).content.decode()
    client.post(reverse("set_language"), {"language": "en", "next": url})
    response = client.get(url)
    assert response["X-Page-Cache"] == "MISS"
    assert 'lang="en"' in response.content.decode()


def test_the_language_form_needs_no_token_so_pages_stay_cacheable(client):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    response = strict.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert "csrfmiddlewaretoken" not in client.get(reverse("home")).content.decode()


def test_pages_with_a_form_token_are_not_cached(client):
    url = reverse("people:login")
    client.get(url)
    assert "X-Page-Cache" not in client.get(url)


def test_errors_are_not_cached(client):
    url = reverse("meetings:detail", args=["finns-inte", "2024-01-01"])
    assert client.get(url).status_code == 404
    response = client.get(url)
    assert response.status_code == 404 and "X-Page-Cache" not in response


def test_the_cache_can_be_switched_off(client, protocol, settings):
    settings.PAGE_CACHE_ENABLED = False
    url = protocol.get_absolute_url()
    client.get(url)
    assert "X-Page-Cache" not in client.get(url)


def test_a_new_day_gets_a_new_page(client, protocol, monkeypatch):
    url = reverse("home")
    client.get(url)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    monkeypatch.setattr("meetings.page_cache.timezone.localdate", lambda: tomorrow)
    assert client.get(url)["X-Page-Cache"] == "MISS"


def test_a_hit_keeps_the_headers_and_other_pages_pay_nothing(client, protocol):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    url = protocol.get_absolute_url()
    first = client.get(url)
    hit = client.get(url)
    assert hit["X-Page-Cache"] == "HIT"
    for header in ("Content-Type", "X-Frame-Options", "Content-Language"):
        assert hit[header] == first[header], header
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("health_live")).status_code == 200
    assert len(queries) == 0  # not a cached page: not even the version is read


# --- The key: only the query parameters a page reads --------------------------------------


def test_a_query_parameter_the_page_does_not_read_is_a_cache_hit(client, protocol):
    url = protocol.get_absolute_url()
    first = client.get(url)
    random = client.get(url, {"r": "8f3a91", "utm_source": "nyhetsbrev"})

    assert random["X-Page-Cache"] == "HIT"
    assert random.content == first.content


def test_parameters_in_another_order_share_one_cached_page(client, protocol):
    archive = reverse("meetings:archive")
    first = client.get(f"{archive}?year=2024&q=budget")
    second = client.get(f"{archive}?q=budget&year=2024&extra=1")

    assert first["X-Page-Cache"] == "MISS"
    assert second["X-Page-Cache"] == "HIT"


def test_the_parameters_a_page_reads_give_their_own_pages(client, protocol):
    archive = reverse("meetings:archive")
    found = client.get(archive, {"q": "Budget"})

    other_words = client.get(archive, {"q": "cykelbana"})

    assert other_words["X-Page-Cache"] == "MISS"
    assert protocol.get_absolute_url() in found.content.decode()
    assert protocol.get_absolute_url() not in other_words.content.decode()


def test_the_cached_page_carries_no_trace_of_the_first_visitors_query(client, protocol):
    """Links the page writes from its own address (og:url, the language form) are made
    from the canonical query, or one visitor's query would be served to everyone."""
    url = protocol.get_absolute_url()
    first = client.get(url, {"planted": "<b>text-from-a-visitor</b>"})

    assert "planted" not in first.content.decode()
    assert "text-from-a-visitor" not in first.content.decode()


@pytest.mark.parametrize(
    ("name", "query"),
    [
        ("home", {}),
        ("meetings:archive", {"page": "1"}),
        ("meetings:search", {"q": "budget"}),
        ("meetings:series_list", {}),
        ("meetings:calendar", {}),
        ("projects:list", {}),
        ("organisations:list", {}),
    ],
)
def test_every_cached_page_ignores_what_it_does_not_read(client, protocol, name, query):
    url = reverse(name)
    first = client.get(url, query)
    second = client.get(url, {**query, "zz": "1", "utm_campaign": "x"})

    assert first["X-Page-Cache"] == "MISS"
    assert second["X-Page-Cache"] == "HIT"
    assert second.content == first.content
