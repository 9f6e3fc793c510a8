"""Site search: what is indexed, how it is kept up to date, and how it is queried.

The index is one table, ``SearchEntry``, with a row per published protocol, agenda
item, decision and action item, and per working group and organisation. Only
published meetings ever get rows, so anonymous visitors cannot find a draft.

Keeping it up to date: saving or deleting anything that feeds an entry marks the
meeting, group or organisation as stale; when the transaction commits, each stale
one is indexed again once, whatever number of rows the save touched (an admin page
with thirty inlines reindexes its meeting once). ``rebuild_index`` rebuilds it all
(``manage.py rebuild_search_index``), for bulk loads that bypass signals.

Querying: on PostgreSQL, full-text search with the Swedish configuration (stemming,
stop words) over a stored ``tsvector`` that a trigger keeps current (migration 0006),
ranked by relevance, newest first among equals; snippets (``ts_headline``) only for
the shown page. On SQLite every word must appear in the title or the text, newest first.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank
from django.db import connection, models, transaction
from django.db.models import F, Prefetch, Q
from django.db.models.expressions import RawSQL
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator

from organisations.models import Organisation
from projects.models import WorkingGroup

from .markdown import markdown_to_text
from .models import ActionItem, AgendaItem, Decision, Meeting, SearchEntry
from .policy import PublicNames, public_plain_text, public_text

BATCH_SIZE = 1000
MAX_WORDS = 10
MAX_RESULTS = 300  # matches ranked per search on PostgreSQL (15 pages); see match()
SNIPPET_WORDS = 30
# Highlight markers that cannot occur in indexed text (they are removed from it), so the
# snippet can be HTML-escaped as a whole and the markers then turned into <mark>.
START, STOP = "\ue000", "\ue001"
_MARKERS = re.compile(f"[{START}{STOP}\x00]")


def _clean(text: str) -> str:
    return _MARKERS.sub("", text or "")


# --- building entries -------------------------------------------------------------------


def _meeting_texts(meeting: Meeting) -> Iterator[str]:
    yield from (meeting.theme, meeting.place)
    for item in meeting.agenda_items.all():
        yield from (item.title, item.body)
    for row in (*meeting.decisions.all(), *meeting.action_items.all()):
        yield row.text


def _meeting_entries(meeting: Meeting, names: PublicNames) -> Iterator[SearchEntry]:
    """The entries of a published protocol, as its public page words them (mentions of
    people by their public names, ``meetings.policy``)."""
    common = {"meeting": meeting, "series_id": meeting.series_id, "date": meeting.date}
    place = " ".join(public_text(part, names) for part in (meeting.theme, meeting.place) if part)
    yield SearchEntry(
        kind=SearchEntry.Kind.PROTOCOL,
        title=meeting.title,
        text=_clean(place),
        **common,
    )
    items = {item.pk: item for item in meeting.agenda_items.all()}
    for item in items.values():
        yield SearchEntry(
            kind=SearchEntry.Kind.ITEM,
            agenda_item=item,
            title=_clean(public_text(item.title, names))[:300],
            text=_clean(public_plain_text(item.body, names)),
            anchor=item.anchor,
            **common,
        )
    for kind, rows in (
        (SearchEntry.Kind.DECISION, meeting.decisions.all()),
        (SearchEntry.Kind.ACTION, meeting.action_items.all()),
    ):
        for row in rows:
            item = items.get(row.agenda_item_id)
            yield SearchEntry(
                kind=kind,
                agenda_item=item,
                title=_clean(public_text(item.title, names) if item else meeting.title)[:300],
                text=_clean(public_plain_text(row.text, names)),
                anchor=item.anchor if item else "",
                **common,
            )


def _group_entry(group: WorkingGroup) -> SearchEntry:
    text = " ".join([*group.alias_list, markdown_to_text(group.description)])
    return SearchEntry(
        kind=SearchEntry.Kind.GROUP,
        working_group=group,
        title=_clean(group.name),
        text=_clean(text),
    )


def _organisation_entry(organisation: Organisation) -> SearchEntry:
    parts = [organisation.short_name, *organisation.alias_list, organisation.description]
    return SearchEntry(
        kind=SearchEntry.Kind.ORGANISATION,
        organisation=organisation,
        title=_clean(organisation.name),
        text=_clean(" ".join(part for part in parts if part)),
    )


_ITEM_FIELDS = ("meeting_id", "order", "title", "body")
_ROW_FIELDS = ("meeting_id", "agenda_item_id", "text")


def _published_meetings(ids: Iterable[int] | None = None):
    meetings = (
        Meeting.objects.published()
        .select_related("series")
        .prefetch_related(
            Prefetch("agenda_items", queryset=AgendaItem.objects.only(*_ITEM_FIELDS)),
            Prefetch("decisions", queryset=Decision.objects.only(*_ROW_FIELDS)),
            Prefetch("action_items", queryset=ActionItem.objects.only(*_ROW_FIELDS)),
        )
        .order_by("pk")
    )
    return meetings if ids is None else meetings.filter(pk__in=ids)


def index_meetings(ids: Iterable[int]) -> None:
    """Replace the entries of these meetings: fresh ones if published, none otherwise."""
    ids = list(ids)
    with transaction.atomic():
        SearchEntry.objects.filter(meeting_id__in=ids).delete()
        meetings = list(_published_meetings(ids))
        names = PublicNames.for_texts(text for m in meetings for text in _meeting_texts(m))
        entries = [entry for meeting in meetings for entry in _meeting_entries(meeting, names)]
        SearchEntry.objects.bulk_create(entries, batch_size=BATCH_SIZE)


def index_working_groups(ids: Iterable[int]) -> None:
    ids = list(ids)
    with transaction.atomic():
        SearchEntry.objects.filter(kind=SearchEntry.Kind.GROUP, working_group_id__in=ids).delete()
        groups = WorkingGroup.objects.filter(pk__in=ids)
        SearchEntry.objects.bulk_create(_group_entry(group) for group in groups)


def index_organisations(ids: Iterable[int]) -> None:
    ids = list(ids)
    with transaction.atomic():
        SearchEntry.objects.filter(
            kind=SearchEntry.Kind.ORGANISATION, organisation_id__in=ids
        ).delete()
        organisations = Organisation.objects.filter(pk__in=ids)
        SearchEntry.objects.bulk_create(_organisation_entry(o) for o in organisations)


def rebuild_index() -> int:
    """Index everything from scratch in one transaction; returns the number of entries."""
    total = 0
    with transaction.atomic():
        SearchEntry.objects.all().delete()
        batch: list[SearchEntry] = []
        last = 0
        while chunk := list(_published_meetings().filter(pk__gt=last)[:200]):
            last = chunk[-1].pk
            names = PublicNames.for_texts(text for m in chunk for text in _meeting_texts(m))
            for meeting in chunk:
                batch.extend(_meeting_entries(meeting, names))
            if len(batch) >= BATCH_SIZE:
                SearchEntry.objects.bulk_create(batch, batch_size=BATCH_SIZE)
                total += len(batch)
                batch = []
        batch.extend(_group_entry(group) for group in WorkingGroup.objects.all())
        batch.extend(_organisation_entry(o) for o in Organisation.objects.all())
        SearchEntry.objects.bulk_create(batch, batch_size=BATCH_SIZE)
        total += len(batch)
    return total


# --- keeping it up to date ----------------------------------------------------------------


def mark_stale(kind: str, pk: int | None) -> None:
    """Reindex this meeting, group or organisation when the current transaction commits.

    Every save registers the flush, but the first flush after the commit empties the
    set, so a meeting is indexed once per transaction. Marks left by a rolled back
    transaction are simply reindexed with the next flush: indexing reads what is stored.
    """
    if pk is None:
        return
    pending = getattr(connection, "_search_pending", None)
    if pending is None:
        pending = connection._search_pending = {
            "meeting": set(),
            "group": set(),
            "organisation": set(),
        }
    pending[kind].add(pk)
    transaction.on_commit(_flush_pending)


def _flush_pending() -> None:
    pending = getattr(connection, "_search_pending", None)
    if not pending or not any(pending.values()):
        return
    connection._search_pending = None
    if pending["meeting"]:
        index_meetings(pending["meeting"])
    if pending["group"]:
        index_working_groups(pending["group"])
    if pending["organisation"]:
        index_organisations(pending["organisation"])


# --- querying -----------------------------------------------------------------------------


def search_words(query: str) -> str:
    """The query as it is searched: markers and NUL removed, spaces collapsed, bounded."""
    return " ".join(_clean(query).split()[:MAX_WORDS])


def uses_full_text() -> bool:
    return connection.vendor == "postgresql"


def _ts_query(words: str) -> SearchQuery:
    # websearch syntax: "exact phrase", OR, -excluded; never a syntax error.
    return SearchQuery(words, config="pg_catalog.swedish", search_type="websearch")


# Among equally good matches, and on SQLite always.
NEWEST = (F("date").desc(nulls_last=True), F("pk").desc())


class RankedMatches:
    """The entries that match, best first, as the Paginator reads them (PostgreSQL).

    ``candidates`` are the keys of the bounded set of matches (see ``match``): they give
    the count without another search. A page is then ranked on the search table alone
    and only its own rows are read, joined and given snippets, in one query.
    """

    def __init__(self, entries: models.QuerySet, candidates: list[int], query: SearchQuery):
        self.entries = entries
        self.candidates = candidates
        self.query = query

    def count(self) -> int:
        return len(self.candidates)

    def __getitem__(self, page: slice) -> list[SearchEntry]:
        if not self.candidates:
            return []
        meta = SearchEntry._meta
        key = ".".join(map(connection.ops.quote_name, (meta.db_table, meta.pk.column)))
        # One array, not a thousand literals in IN (...): those take longer to plan
        # than the ranking takes to run.
        among_candidates = RawSQL(  # noqa: S611 - a quoted column name; the keys are a parameter
            f"{key} = ANY(%s)", [self.candidates], output_field=models.BooleanField()
        )
        ranked = (
            self.entries.filter(among_candidates)
            .order_by(SearchRank(F("search_vector"), self.query).desc(), *NEWEST)
            .values_list("pk", flat=True)[page]
        )
        keys = list(ranked)
        marks = {"start_sel": START, "stop_sel": STOP, "config": "pg_catalog.swedish"}
        rows = self.entries.filter(pk__in=keys).annotate(
            headline=SearchHeadline(
                "text",
                self.query,
                max_words=SNIPPET_WORDS,
                min_words=SNIPPET_WORDS // 2,
                max_fragments=2,
                fragment_delimiter=" … ",
                **marks,
            ),
            title_headline=SearchHeadline("title", self.query, highlight_all=True, **marks),
        )
        by_key = {entry.pk: entry for entry in rows}
        return [by_key[pk] for pk in keys if pk in by_key]


def match(entries: models.QuerySet, words: str) -> RankedMatches | models.QuerySet:
    """Entries matching the words, best first, the newest first among equals.

    On PostgreSQL the ranking reads at most ``MAX_RESULTS`` matches: groups and
    organisations, then the newest protocol entries. A common word matches a third of
    twenty years of protocols, and ranking every one of them would cost each search
    about as much as scanning the whole index; a bounded set keeps it constant. The
    page says when the bound was reached, so the visitor adds a word or a filter.
    Apply every other filter to ``entries`` first: they must narrow the candidates.
    """
    if uses_full_text():
        query = _ts_query(words)
        # NULLS FIRST, as the (-date, -id) index is sorted, so PostgreSQL can walk it.
        candidates = (
            entries.filter(search_vector=query)
            .order_by(F("date").desc(nulls_first=True), F("pk").desc())
            .values_list("pk", flat=True)[:MAX_RESULTS]
        )
        return RankedMatches(entries, list(candidates), query)
    for word in words.split():
        word = word.strip('"')
        if word.startswith("-") or word.upper() == "OR" or not word:
            continue
        matches = Q()
        # SQLite's LIKE ignores case for ASCII letters only: try the usual spellings of Ö.
        for variant in {word, word.lower(), word.capitalize()}:
            matches |= Q(title__icontains=variant) | Q(text__icontains=variant)
        entries = entries.filter(matches)
    return entries.order_by(*NEWEST)


def add_snippets(entries: list[SearchEntry], words: str) -> None:
    """Give each shown entry ``snippet``, escaped text around the words, and ``title_html``,
    its escaped title; the words in both are in <mark>.

    On PostgreSQL ``RankedMatches`` read the headlines with the rows.
    """
    full_text = uses_full_text()
    for entry in entries:
        if full_text:
            text, title = entry.headline, entry.title_headline
        else:
            text, title = _plain_headline(entry.text, words), _marked(entry.title, words)
        entry.snippet = _highlighted(text)
        entry.title_html = _highlighted(title)


def _terms_pattern(words: str) -> re.Pattern | None:
    terms = [w.strip('"') for w in words.split() if w.strip('"-') and w.upper() != "OR"]
    if not terms:
        return None
    return re.compile("|".join(re.escape(term) for term in terms), re.IGNORECASE)


def _marked(text: str, words: str) -> str:
    pattern = _terms_pattern(words)
    return pattern.sub(lambda m: f"{START}{m.group(0)}{STOP}", text) if pattern else text


def _plain_headline(text: str, words: str) -> str:
    pattern = _terms_pattern(words)
    found = pattern.search(text) if pattern else None
    start = max(0, text.rfind(" ", 0, max(0, found.start() - 80)) + 1) if found else 0
    excerpt = Truncator(text[start:]).words(SNIPPET_WORDS)
    if start:
        excerpt = "… " + excerpt
    return _marked(excerpt, words)


def _highlighted(headline: str) -> SafeString:
    html = escape(headline).replace(START, "<mark>").replace(STOP, "</mark>")
    return mark_safe(html)  # noqa: S308 - escaped just above; only our markers become tags
