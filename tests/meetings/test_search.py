"""Search: what is indexed and when, matching on each database, filters, snippets, bad input.

The suite runs on SQLite and on PostgreSQL (``make test``); tests whose answer differs
assert the behaviour of the database they run on, so neither pass skips anything.
"""

from __future__ import annotations

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from meetings.models import Meeting, SearchEntry
from meetings.search import rebuild_index, uses_full_text
from tests.factories import (
    ActionItemFactory,
    AgendaItemFactory,
    DecisionFactory,
    MeetingFactory,
    MeetingSeriesFactory,
    OrganisationFactory,
    WorkingGroupFactory,
)

pytestmark = pytest.mark.django_db

SEARCH = reverse("meetings:search")


def published(**kwargs) -> Meeting:
    kwargs.setdefault("date", datetime.date(2024, 3, 12))
    return MeetingFactory(
        protocol_state=Meeting.ProtocolState.PUBLISHED, published_at=timezone.now(), **kwargs
    )


def result_titles(client, query: str) -> list[str]:
    response = client.get(SEARCH, {"q": query} if isinstance(query, str) else query)
    assert response.status_code == 200
    return [entry.title for entry in response.context["results"]]


def test_published_protocols_are_indexed_on_commit_and_drafts_never(client, commit):
    def make():
        meeting = published()
        item = AgendaItemFactory(meeting=meeting, title="Lokalfrågan", body="Vi behöver en lokal.")
        DecisionFactory(meeting=meeting, agenda_item=item, text="Styrgruppen beslutar om hyran.")
        ActionItemFactory(meeting=meeting, agenda_item=item, text="Anna ringer hyresvärden.")
        draft = MeetingFactory(date=datetime.date(2024, 4, 1))
        AgendaItemFactory(meeting=draft, title="Hemligt förslag", body="Utkast om hyran.")
        return meeting

    meeting = commit(make)
    kinds = set(SearchEntry.objects.filter(meeting=meeting).values_list("kind", flat=True))
    assert kinds == {"protocol", "item", "decision", "action"}
    assert not SearchEntry.objects.exclude(meeting=meeting).filter(meeting__isnull=False).exists()
    assert result_titles(client, "hyran") == ["Lokalfrågan"]  # the decision, not the draft
    assert result_titles(client, "Hemligt") == []


def test_publishing_and_unpublishing_change_the_results_at_once(client, commit, staff_user):
    from meetings.services import protocol_publish, protocol_unpublish
    from tests.factories import AttendanceFactory

    meeting = commit(lambda: MeetingFactory(approved=True, date=datetime.date(2024, 3, 12)))
    commit(lambda: AgendaItemFactory(meeting=meeting, title="Fritidsbanken", body="Utlåning."))
    commit(lambda: AttendanceFactory(meeting=meeting))
    assert result_titles(client, "Fritidsbanken") == []

    commit(lambda: protocol_publish(meeting=meeting, by=staff_user))
    assert result_titles(client, "Fritidsbanken") == ["Fritidsbanken"]

    commit(lambda: protocol_unpublish(meeting=meeting))
    assert result_titles(client, "Fritidsbanken") == []


def test_a_correction_replaces_the_old_text(client, commit):
    meeting = published()
    item = commit(lambda: AgendaItemFactory(meeting=meeting, title="Budget", body="Summan är fel."))
    item.body = "Summan är rättad."
    commit(item.save)
    assert result_titles(client, "rättad") == ["Budget"]
    assert result_titles(client, "fel") == []


def test_one_save_with_many_rows_indexes_the_meeting_once(commit, monkeypatch):
    from meetings import search

    calls = []
    monkeypatch.setattr(search, "index_meetings", lambda ids: calls.append(set(ids)))
    meeting = published()

    def save_many():
        for order in range(1, 6):
            AgendaItemFactory(meeting=meeting, order=order)

    commit(save_many)
    assert calls == [{meeting.pk}]


def test_groups_and_organisations_are_found_and_follow_renames(client, commit):
    group = commit(lambda: WorkingGroupFactory(name="Klarspråk", description="Enkla brev."))
    commit(lambda: OrganisationFactory(name="Föreningen Ria", short_name="Ria"))
    assert result_titles(client, "Klarspråk") == ["Klarspråk"]
    assert result_titles(client, "Ria") == ["Föreningen Ria"]
    group.name = "Klarspråksgruppen"
    commit(group.save)
    assert result_titles(client, "Klarspråksgruppen") == ["Klarspråksgruppen"]


def test_rebuilding_gives_the_same_index_as_saving(commit):
    def make():
        meeting = published()
        item = AgendaItemFactory(meeting=meeting, body="**Fet** text och [länk](https://a.se).")
        DecisionFactory(meeting=meeting, agenda_item=item)
        ActionItemFactory(meeting=meeting, agenda_item=None)
        WorkingGroupFactory()
        OrganisationFactory()

    commit(make)
    fields = ("kind", "meeting_id", "agenda_item_id", "title", "text", "anchor")
    saved = sorted(SearchEntry.objects.values_list(*fields))
    assert rebuild_index() == len(saved)
    assert sorted(SearchEntry.objects.values_list(*fields)) == saved
    assert ("Fet text och länk" in entry[4] for entry in saved)


def test_word_forms_on_postgresql_exact_words_on_sqlite(client, commit):
    meeting = published()
    commit(
        lambda: AgendaItemFactory(
            meeting=meeting, title="Samverkan", body="Ett möte i arbetsgrupp."
        )
    )

    def items(words: str) -> list[str]:
        return result_titles(client, {"q": words, "kind": "item"})

    if uses_full_text():  # Swedish stemming
        assert items("möten") == ["Samverkan"]
        assert items("arbetsgruppen") == ["Samverkan"]
        assert items("och") == []  # only a stop word: nothing, no error
    else:  # every word must occur as written, in any case
        assert items("MÖTE") == ["Samverkan"]
        assert items("arbetsgruppen") == []
    assert items("möte arbetsgrupp") == ["Samverkan"]
    assert items("möte cykel") == []


def test_title_outranks_text_and_newer_comes_first_among_equals(client, commit):
    def make():
        for day, title, body in [
            (1, "Ekonomi", "Vi talade om lokaler."),
            (2, "Lokaler", "Vi talade om ekonomi."),
            (3, "Ekonomi igen", "Vi talade om lokaler."),
        ]:
            AgendaItemFactory(
                meeting=published(date=datetime.date(2024, 5, day)), title=title, body=body
            )

    commit(make)
    titles = result_titles(client, "lokaler")
    if uses_full_text():
        assert titles == ["Lokaler", "Ekonomi igen", "Ekonomi"]
    else:
        assert titles == ["Ekonomi igen", "Lokaler", "Ekonomi"]  # newest first


def test_filters_combine_with_the_words(client, commit):
    def make():
        series = MeetingSeriesFactory(slug="natverk", name="Nätverksmöte")
        group = WorkingGroupFactory(slug="fritid", name="Fritid")
        old = AgendaItemFactory(
            meeting=published(series=series, date=datetime.date(2019, 2, 1)),
            title="Gammal",
            body="cykel",
        )
        old.working_groups.add(group)
        DecisionFactory(meeting=old.meeting, agenda_item=old, text="Vi köper en cykel.")
        AgendaItemFactory(
            meeting=published(date=datetime.date(2024, 2, 1)), title="Ny", body="cykel"
        )

    commit(make)
    assert sorted(result_titles(client, "cykel")) == ["Gammal", "Gammal", "Ny"]
    assert sorted(result_titles(client, {"q": "cykel", "series": "natverk"})) == [
        "Gammal",
        "Gammal",
    ]
    assert result_titles(client, {"q": "cykel", "year": "2024"}) == ["Ny"]
    assert sorted(result_titles(client, {"q": "cykel", "working_group": "fritid"})) == [
        "Gammal",
        "Gammal",
    ]
    assert result_titles(client, {"q": "cykel", "kind": "decision"}) == ["Gammal"]
    assert result_titles(client, {"q": "cykel", "kind": "decision", "year": "2024"}) == []


def test_snippets_mark_the_words_and_escape_the_text(client, commit):
    meeting = published()
    body = "Inledning. " * 20 + "Vi diskuterade 5 < 6 & <script>alert(1)</script> budgeten i år."
    commit(lambda: AgendaItemFactory(meeting=meeting, title="Punkt", body=body))
    response = client.get(SEARCH, {"q": "budgeten"})
    html = response.content.decode()
    assert "<mark>budgeten</mark>" in html
    assert "5 &lt; 6 &amp;" in html
    assert "<script>" not in html


def test_results_are_paginated_and_link_to_the_item(client, commit):
    def make():
        for day in range(1, 26):
            meeting = published(date=datetime.date(2023, 1, day))
            AgendaItemFactory(meeting=meeting, order=2, title=f"Budget {day}", body="budget")

    commit(make)
    first = client.get(SEARCH, {"q": "budget", "kind": "item"})
    assert first.context["page_obj"].paginator.count == 25
    assert len(first.context["results"]) == 20
    assert first.context["results"][0].get_absolute_url().endswith("/2023-01-25/#item-2")
    second = client.get(SEARCH, {"q": "budget", "kind": "item", "page": "2"})
    assert len(second.context["results"]) == 5
    # The page sees its parameters in canonical (sorted) order: see meetings.page_cache.
    assert 'href="?kind=item&amp;q=budget&amp;page=1"' in second.content.decode()


def test_snippets_are_made_for_the_shown_page_only(client, commit):
    def make():
        for day in range(1, 26):
            meeting = published(date=datetime.date(2023, 1, day))
            AgendaItemFactory(meeting=meeting, title=f"Punkt {day}", body="Om budget i år.")

    commit(make)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(SEARCH, {"q": "budget", "kind": "item"})
    results = response.context["results"]
    assert len(results) == 20 and response.context["page_obj"].paginator.count == 25
    assert all("<mark>budget</mark>" in entry.snippet for entry in results)
    if uses_full_text():  # one ts_headline query, for the 20 shown rows and no others
        (headlines,) = [query["sql"] for query in queries if "ts_headline" in query["sql"]]
        keys = re.search(r"IN \(([^)]*)\)", headlines).group(1)
        assert {int(key) for key in keys.split(",")} == {entry.pk for entry in results}


@pytest.mark.parametrize(
    "query",
    [
        {"q": "a\x00b"},
        {"q": "x" * 500},
        {"q": "'\"():&|!*<>\\"},
        {"q": "-"},
        {"q": '"'},
        {"q": "OR"},
        {"q": "budget", "page": "abc"},
        {"q": "budget", "page": "99999"},
        {"q": "budget", "year": "tusen"},
        {"q": "budget", "series": "finns-inte"},
        {"q": "budget", "kind": "hemlig"},
        {"q": "budget", "working_group": "../../"},
        {"q": ["budget", "möte"]},
    ],
)
def test_no_input_gives_an_error_page(client, query, commit):
    commit(lambda: AgendaItemFactory(meeting=published(), body="budget"))
    response = client.get(SEARCH, query)
    # A NUL byte is refused before the search runs (config.middleware.RefuseNulMiddleware).
    has_nul = any("\x00" in value for value in query.values() if isinstance(value, str))
    assert response.status_code == (400 if has_nul else 200)


def test_a_word_found_nowhere_says_so(client, commit):
    commit(lambda: AgendaItemFactory(meeting=published(), body="budget"))
    response = client.get(SEARCH, {"q": "cykelbana"})
    assert response.context["page_obj"].paginator.count == 0
    assert response.context["results"] == []
    assert "Inget träffar. Prova färre eller andra ord" in response.content.decode()


def test_an_empty_query_asks_for_words(client):
    html = client.get(SEARCH).content.decode()
    assert "Skriv ett eller flera ord" in html


def test_the_search_box_is_in_the_header_of_every_page(client):
    for url in (reverse("home"), reverse("meetings:archive"), reverse("projects:list")):
        html = client.get(url).content.decode()
        assert f'action="{SEARCH}"' in html and 'id="site-search-q"' in html, url


def test_the_search_page_costs_the_same_queries_for_1_or_40_results(client, commit):
    from tests.queries import count_queries

    def make(count, start):
        for day in range(start, start + count):
            meeting = published(date=datetime.date(2022, 1, 1) + datetime.timedelta(days=day))
            item = AgendaItemFactory(meeting=meeting, body="budget")
            DecisionFactory(meeting=meeting, agenda_item=item, text="budget")

    commit(lambda: make(1, 0))
    small = count_queries(client, f"{SEARCH}?q=budget")
    commit(lambda: make(40, 1))
    assert count_queries(client, f"{SEARCH}?q=budget") == small


def test_postgresql_ranks_a_bounded_set_groups_first_then_the_newest(client, commit, monkeypatch):
    from meetings import search

    monkeypatch.setattr(search, "MAX_RESULTS", 3)

    def make():
        WorkingGroupFactory(name="Cykelgruppen", description="cykel")
        for day in range(1, 6):
            AgendaItemFactory(
                meeting=published(date=datetime.date(2024, 6, day)),
                title=f"Dag {day}",
                body="cykel",
            )

    commit(make)
    response = client.get(SEARCH, {"q": "cykel", "kind": "item"})
    titles = [entry.title for entry in response.context["results"]]
    if uses_full_text():
        assert titles == ["Dag 5", "Dag 4", "Dag 3"]  # the bound applies after the filters
        assert "de 3 senaste träffarna" in response.content.decode()
        everything = result_titles(client, "cykel")
        assert "Cykelgruppen" in everything and len(everything) == 3
    else:  # SQLite has no bound: every match, newest first
        assert titles == ["Dag 5", "Dag 4", "Dag 3", "Dag 2", "Dag 1"]


def test_words_in_the_title_are_marked_too(client, commit):
    commit(lambda: AgendaItemFactory(meeting=published(), title="Budget <2025>", body="Inget."))
    html = client.get(SEARCH, {"q": "budget"}).content.decode()
    assert "<mark>Budget</mark> &lt;2025&gt;</a>" in html
