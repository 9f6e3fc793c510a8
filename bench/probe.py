"""In-process look-ups for the benchmark, run by bench.run as a subprocess per configuration.

Django's settings can be configured once per process, and bench.run needs several (two
databases, page cache on and off), so each look-up runs here under the environment
bench.run gives it and prints one line of JSON after ``PROBE_JSON``:

``python -m bench.probe resolve``
    The concrete URLs of the endpoints, the search words, the data's row counts.
``python -m bench.probe queries URLS_JSON``
    SQL queries per request (django.test.Client + CaptureQueriesContext): for each
    ``{"name": url}``, a cold request (every Django cache cleared first, process
    caches warm) and a warm one right after it; with the time spent in SQL and in all.
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any
from urllib.parse import urlencode

MARKER = "PROBE_JSON "
HOST = "127.0.0.1"
SAMPLE_TEXTS = 20_000  # agenda item bodies read to rank the search words


def _setup() -> None:
    import django

    django.setup()


def _search_texts() -> list[str]:
    """Agenda item bodies, every k-th row so that all years are represented."""
    from django.db import connection

    from meetings.models import AgendaItem

    table = connection.ops.quote_name(AgendaItem._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 - fixed table name
        total = cursor.fetchone()[0]
        step = max(1, total // SAMPLE_TEXTS)
        cursor.execute(
            f"SELECT title || ' ' || body FROM {table} WHERE id %% %s = 0",  # noqa: S608
            [step],
        )
        return [row[0] for row in cursor.fetchall()]


def _vocabulary() -> list[str]:
    from meetings import scale

    texts = [*scale.SUBJECTS, *scale.VERBS, *scale.OBJECTS, *scale.TAILS, *scale.EXTRA_SENTENCES]
    texts += list(scale.TOPICS)
    from bench.results import candidate_words

    return candidate_words(texts)


def resolve() -> dict[str, Any]:
    from django.db.models import Count
    from django.db.models.functions import ExtractYear
    from django.templatetags.static import static
    from django.urls import reverse

    from bench.results import choose_search_words, last_page, median_item, word_shares
    from meetings import scale
    from meetings.models import AgendaItemWorkingGroup, Meeting
    from meetings.views import MeetingArchiveView
    from projects.models import WorkingGroup

    started = time.monotonic()
    published = Meeting.objects.published()
    endpoints: dict[str, str] = {"bare": reverse("health_live")}
    details: dict[str, Any] = {}

    endpoints["home"] = reverse("home")
    archive = reverse("meetings:archive")
    endpoints["archive"] = archive

    top = (
        published.values("series__slug")
        .annotate(n=Count("pk"))
        .order_by("-n", "series__slug")
        .first()
    )
    if top:
        years = (
            published.filter(series__slug=top["series__slug"])
            .annotate(year=ExtractYear("date"))
            .values("year")
            .annotate(n=Count("pk"))
            .order_by("-n", "-year")
        )
        year = years[0]
        query = urlencode({"series": top["series__slug"], "year": year["year"]})
        endpoints["archive_filtered"] = f"{archive}?{query}"
        details["archive_filtered"] = {
            "series_published_meetings": top["n"],
            "meetings_in_year": year["n"],
        }

    count = published.count()
    per_page = MeetingArchiveView.paginate_by
    page = last_page(count, per_page, MeetingArchiveView.paginate_orphans)
    endpoints["archive_last_page"] = f"{archive}?page={page}"
    details["archive"] = {"published_meetings": count, "paginate_by": per_page, "pages": page}

    items = list(published.annotate(n=Count("agenda_items")).values_list("pk", "n"))
    if items:
        pk, n_items = median_item(items)
        meeting = Meeting.objects.select_related("series").get(pk=pk)
        endpoints["protocol"] = meeting.get_absolute_url()
        # The same page; wrk adds a random query string to each request (bench.results).
        endpoints["protocol_random_query"] = endpoints["protocol"]
        details["protocol"] = {
            "agenda_items": n_items,
            "agenda_items_max": max(n for _pk, n in items),
            "attendances": meeting.attendances.count(),
            "action_items": meeting.action_items.count(),
        }

    group = (
        AgendaItemWorkingGroup.objects.filter(agenda_item__meeting__in=published)
        .values("working_group")
        .annotate(n=Count("pk"))
        .order_by("-n", "working_group")
        .first()
    )
    if group:
        working_group = WorkingGroup.objects.get(pk=group["working_group"])
        endpoints["working_group"] = working_group.get_absolute_url()
        details["working_group"] = {"published_agenda_items": group["n"]}

    texts = _search_texts()
    shares = word_shares(_vocabulary(), texts)
    try:
        common, rare = choose_search_words(shares)
    except ValueError:
        common, rare = scale.OBJECTS[0].split()[0], "klarspråk"
    endpoints["search_common"] = "/sok/?" + urlencode({"q": common})
    endpoints["search_rare"] = "/sok/?" + urlencode({"q": rare})
    details["search"] = {
        "sampled_texts": len(texts),
        "common": {"word": common, "share": shares.get(common)},
        "rare": {"word": rare, "share": shares.get(rare)},
        "method": "share of sampled agenda items whose title+body contains the word (ILIKE-like)",
    }

    endpoints["static"] = static("css/site.css")
    return {
        "endpoints": endpoints,
        "details": details,
        "rows": row_counts(),
        "seconds": round(time.monotonic() - started, 2),
    }


def row_counts() -> dict[str, int]:
    from django.apps import apps
    from django.db import connection

    counts = {}
    for label in ("organisations", "people", "projects", "meetings"):
        for model in apps.get_app_config(label).get_models():
            if not model.__name__.startswith("Historical"):  # bulk rows get no history
                counts[model._meta.label] = model.objects.count()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_database_size(current_database())")
        counts["database_bytes"] = cursor.fetchone()[0]
    return counts


def queries(urls: dict[str, str]) -> dict[str, Any]:
    from django.core.cache import caches
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST=HOST)
    # Fill the process's own caches (content types, translations, templates) first, so
    # the first endpoint measured is not charged for them.
    for url in urls.values():
        client.get(url)
    out: dict[str, Any] = {}
    for name, url in urls.items():
        for alias in caches:
            caches[alias].clear()
        counts: dict[str, Any] = {}
        for label in ("cold", "warm"):
            started = time.perf_counter()
            with CaptureQueriesContext(connection) as captured:
                response = client.get(url)
                if hasattr(response, "streaming_content"):
                    b"".join(response.streaming_content)
            counts[f"{label}_total_ms"] = round((time.perf_counter() - started) * 1000, 1)
            counts[label] = len(captured)
            counts[f"{label}_status"] = response.status_code
            counts[f"{label}_sql_ms"] = round(
                sum(float(query.get("time") or 0) for query in captured.captured_queries) * 1000, 1
            )
        out[name] = counts
    return out


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in ("resolve", "queries"):
        sys.stderr.write(__doc__ or "")
        return 2
    _setup()
    result = resolve() if argv[0] == "resolve" else queries(json.loads(argv[1]))
    sys.stdout.write(MARKER + json.dumps(result) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
