"""A fingerprint of a meeting as saved, for optimistic locking in the admin.

The meeting admin puts the fingerprint of the meeting as it was when the page was opened
into the form, and on saving compares it with the fingerprint now (see
``meetings.admin_concurrency``). The fingerprint is read from the rows themselves, so
every way of changing them counts: the meeting page, an agenda item's own admin page,
service functions. No version column and no migration are needed.
"""

from __future__ import annotations

import hashlib

from django.db.models import CharField, Value

from .models import (
    ActionItem,
    ActionItemOrganisation,
    ActionItemPerson,
    AgendaItem,
    AgendaItemWorkingGroup,
    Attendance,
    AttendanceOrganisation,
    Decision,
    Meeting,
)

# The rows of a meeting's page: each model with all its columns, in a fixed order.
CHILD_MODELS = [Attendance, AgendaItem, Decision, ActionItem]

# The many-to-many links the page edits: (through model, its row's key, the far side).
LINKS = [
    (AttendanceOrganisation, "attendance", "organisation_id"),
    (AgendaItemWorkingGroup, "agenda_item", "working_group_id"),
    (ActionItemPerson, "action_item", "person_id"),
    (ActionItemOrganisation, "action_item", "organisation_id"),
]


def _columns(model) -> list[str]:
    return [field.attname for field in model._meta.concrete_fields]


def meeting_fingerprint(meeting_id: int, *, for_update: bool = False) -> str:
    """SHA-256 over the meeting row and every row of its attendance, agenda items,
    decisions and action items and their links, in six queries.

    With ``for_update`` the meeting row is read with ``SELECT … FOR UPDATE`` (inside a
    transaction), so that no other save of the meeting page can pass its own check
    until this transaction ends. A meeting that does not exist has a fingerprint too.
    """
    digest = hashlib.sha256()

    def feed(label: str, rows) -> None:
        digest.update(f"{label}\n".encode())
        for row in rows:
            digest.update(repr(tuple(row)).encode())
            digest.update(b"\n")

    meeting = Meeting.objects.filter(pk=meeting_id)
    if for_update:
        meeting = meeting.select_for_update()
    feed(Meeting._meta.label, meeting.values_list(*_columns(Meeting)))
    for model in CHILD_MODELS:
        rows = model.objects.filter(meeting_id=meeting_id).order_by("pk")
        feed(model._meta.label, rows.values_list(*_columns(model)))

    link_queries = [
        through.objects.filter(**{f"{owner}__meeting_id": meeting_id})
        .annotate(link=Value(through._meta.label, output_field=CharField()))
        .values_list("link", f"{owner}_id", far)
        for through, owner, far in LINKS
    ]
    links = link_queries[0].union(*link_queries[1:], all=True)
    feed("links", sorted(links))
    return digest.hexdigest()
