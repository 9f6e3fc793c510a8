"""The saved history of protocol content: finding and removing personal identity numbers.

Removing a personnummer from a protocol's text leaves it in every earlier version that
django-simple-history saved. These functions look through, and rewrite, the historical
records of an object: of a meeting, also those of its agenda items, decisions, action
items and attendance lines (the admin edits those on the meeting's page).
"""

from __future__ import annotations

from collections.abc import Iterator

from django.db import models, transaction
from django.db.models import Q

from .models import ActionItem, AgendaItem, Attendance, Decision, Meeting
from .personnummer import find_personnummer, redact_personnummer

MEETING_CHILDREN = (AgendaItem, Decision, ActionItem, Attendance)

# Used when the usual replacement would not fit a field's max_length: it is shorter
# than any number it replaces, so the text always fits.
SHORT_REPLACEMENT = "***"


def _historical_records(obj: models.Model) -> list[models.QuerySet]:
    """Querysets of every historical record that belongs to ``obj``."""
    model = type(obj)
    querysets = [model.history.filter(**{model._meta.pk.attname: obj.pk})]
    if isinstance(obj, Meeting):
        for child in MEETING_CHILDREN:
            # Rows that were in this meeting once, and the whole history of those in it now.
            now_in_meeting = child.objects.filter(meeting=obj).values("pk")
            querysets.append(child.history.filter(Q(meeting_id=obj.pk) | Q(id__in=now_in_meeting)))
    return querysets


def _text_fields(history_model: type[models.Model]) -> list[models.Field]:
    return [
        field
        for field in history_model._meta.concrete_fields
        if isinstance(field, models.CharField | models.TextField) and not field.choices
    ]


def _texts(queryset: models.QuerySet) -> Iterator[tuple[int, list[models.Field], tuple]]:
    fields = _text_fields(queryset.model)
    names = [field.name for field in fields]
    for history_id, *values in queryset.values_list("history_id", *names).iterator():
        yield history_id, fields, values


def history_has_personnummer(*, obj: models.Model) -> bool:
    """Whether any saved version of ``obj`` (of a meeting: or of its content) holds a number."""
    checked: set[str] = set()  # most versions repeat most texts of the one before
    for queryset in _historical_records(obj):
        for _history_id, _fields, values in _texts(queryset):
            for value in values:
                if value and value not in checked:
                    if find_personnummer(value):
                        return True
                    checked.add(value)
    return False


def _redacted(value: str, field: models.Field) -> str:
    text = redact_personnummer(value)
    if field.max_length and len(text) > field.max_length:
        text = redact_personnummer(value, replacement=SHORT_REPLACEMENT)
    return text


@transaction.atomic
def history_purge_personnummer(*, obj: models.Model) -> int:
    """Replace personal identity numbers in every text field of every historical record
    of ``obj`` (of a meeting: and of its content). Returns how many records changed.

    The object itself is not touched: its text is corrected on its own page first.
    """
    changed = 0
    for queryset in _historical_records(obj):
        manager = queryset.model._default_manager
        for history_id, fields, values in list(_texts(queryset)):
            updates = {}
            for field, value in zip(fields, values, strict=True):
                if value:
                    redacted = _redacted(value, field)
                    if redacted != value:
                        updates[field.name] = redacted
            if updates:
                manager.filter(history_id=history_id).update(**updates)
                changed += 1
    return changed
