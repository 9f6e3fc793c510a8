"""Run inside a drill site's environment (tests/operations/drill.py): print JSON.

``pages``: the public pages a restore must give back unchanged (home, archive, five
protocols, a working group, the Atom and iCalendar feeds), with what legitimately
differs between two processes set aside: CSRF tokens and the times a feed is generated.
``counts``: rows per model, and the rows that point at nothing.
"""

from __future__ import annotations

import json
import re
import sys

import django

django.setup()

from django.apps import apps  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402

from meetings.models import Meeting  # noqa: E402
from projects.models import WorkingGroup  # noqa: E402

VOLATILE = [
    (
        re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"'),
        'name="csrfmiddlewaretoken" value=""',
    ),
    (re.compile(r"DTSTAMP:\d{8}T\d{6}Z"), "DTSTAMP:-"),
    (re.compile(r"<updated>[^<]+</updated>"), "<updated>-</updated>", 1),
    (re.compile(r'nonce="[^"]+"'), 'nonce=""'),
]


def settle(text: str) -> str:
    for pattern, replacement, *count in VOLATILE:
        text = pattern.sub(replacement, text, count=count[0] if count else 0)
    return text


def pages() -> dict[str, str]:
    paths = [reverse("home"), reverse("meetings:archive"), reverse("meetings:feed")]
    paths.append(reverse("meetings:calendar_ics"))
    meetings = Meeting.objects.published().order_by("-date", "pk")[:5]
    paths += [meeting.get_absolute_url() for meeting in meetings]
    group = WorkingGroup.objects.order_by("name").first()
    paths.append(group.get_absolute_url())
    client = Client(HTTP_HOST="127.0.0.1")
    found = {}
    for path in paths:
        response = client.get(path)
        found[path] = f"{response.status_code}\n{settle(response.content.decode())}"
    assert len(meetings) == 5, "the drill needs five published protocols"
    return found


def counts() -> dict[str, int]:
    result = {}
    with connection.cursor() as cursor:
        for model in apps.get_models(include_auto_created=True):
            meta = model._meta
            if meta.managed and not meta.proxy:
                table = connection.ops.quote_name(meta.db_table)
                cursor.execute(f"SELECT COUNT(*) FROM {table}")  # noqa: S608
                result[meta.label_lower] = cursor.fetchone()[0]
        result["dangling references"] = dangling(cursor)
    return result


def dangling(cursor) -> int:
    """Rows whose foreign key points at no row (the database would refuse them, mostly)."""
    total = 0
    for model in apps.get_models(include_auto_created=True):
        for field in model._meta.concrete_fields:
            if not (field.many_to_one or field.one_to_one) or not field.db_constraint:
                continue  # history rows may point at deleted rows by design
            target = field.related_model._meta
            quote = connection.ops.quote_name
            cursor.execute(
                f"SELECT COUNT(*) FROM {quote(model._meta.db_table)} t "  # noqa: S608
                f"WHERE t.{quote(field.column)} IS NOT NULL AND NOT EXISTS "
                f"(SELECT 1 FROM {quote(target.db_table)} r "
                f"WHERE r.{quote(field.target_field.column)} = t.{quote(field.column)})"
            )
            total += cursor.fetchone()[0]
    return total


if __name__ == "__main__":
    print(json.dumps({"pages": pages, "counts": counts}[sys.argv[1]](), ensure_ascii=False))
