"""A person's own data (GDPR articles 15 and 17): export everything, anonymise in every protocol."""

from __future__ import annotations

import re

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation

from meetings.policy import person_public_name, public_label

from .models import Person, PublicationLevel

ANONYMISATION_REASON = "GDPR anonymisation"


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def _meeting(meeting) -> dict:
    return {
        "date": _iso(meeting.date),
        "series": meeting.series.name,
        "published": meeting.is_published,
    }


def person_export(*, person: Person) -> dict:
    """Everything stored about a person, as plain JSON-ready values. Never a password hash."""
    from meetings.models import ActionItem, Attendance, Meeting, ProtocolNotification
    from projects.models import GroupNote

    person = Person.objects.select_related("user").get(pk=person.pk)
    user = person.user
    affiliations = person.affiliations.select_related("organisation").order_by("start", "pk")
    data: dict = {
        "exported_at": timezone.now().isoformat(),
        "person": {
            "id": person.pk,
            "name": person.name,
            "other_names": person.alias_list,
            "email": person.email,
            "phone": person.phone,
            "publication_level": person.publication_level or None,
            "publication_level_in_effect": str(person.effective_publication_level),
            "shown_publicly_as": person_public_name(person),
            "email_when_protocol_published": person.email_notifications,
            "created_by_import": person.created_by_import,
            "created_at": _iso(person.created_at),
        },
        "user_account": None,
        "affiliations": [
            {
                "organisation": a.organisation_label or None,
                "role": a.role,
                "from": _iso(a.start),
                "until": _iso(a.end),
            }
            for a in affiliations
        ],
        "working_group_memberships": [
            {
                "working_group": m.working_group.name,
                "role": m.role,
                "since": _iso(m.since),
            }
            for m in person.memberships.select_related("working_group").order_by("pk")
        ],
        "standing_member_of_series": [s.name for s in person.standing_in_series.order_by("name")],
        "attendance": [
            {
                "meeting": _meeting(a.meeting),
                "name_as_written": a.name_as_written,
                "affiliation_as_written": a.affiliation_as_written,
                "status": a.status,
                "standing_member": a.is_standing_member,
                "roles": a.roles,
            }
            for a in Attendance.objects.filter(person=person)
            .select_related("meeting__series")
            .order_by("meeting__date", "pk")
        ],
        "action_items": [
            {
                "meeting": _meeting(item.meeting),
                "text": item.text,
                "assignees_as_written": item.assignees_as_written,
                "status": item.status,
                "due_date": _iso(item.due_date),
                "due_next_meeting": item.due_next_meeting,
            }
            for item in ActionItem.objects.filter(assigned_people=person)
            .select_related("meeting__series")
            .order_by("meeting__date", "pk")
        ],
        "protocols_approved": [
            {"meeting": _meeting(m), "approved_on": _iso(m.approved_on)}
            for m in Meeting.objects.filter(approved_by=person)
            .select_related("series")
            .order_by("date")
        ],
        "follows": [],
        "notifications_sent": [],
        "internal_notes_written": [],
    }
    if user is not None:
        data["user_account"] = {
            "username": user.get_username(),
            "first_name": user.first_name,
            "last_name": user.last_name,
            "email": user.email,
            "active": user.is_active,
            "staff": user.is_staff,
            "date_joined": _iso(user.date_joined),
            "last_login": _iso(user.last_login),
        }
        data["follows"] = [
            {
                "working_group": f.working_group.name if f.working_group else None,
                "meeting_series": f.series.name if f.series else None,
                "since": _iso(f.created_at),
            }
            for f in user.follows.select_related("working_group", "series").order_by("pk")
        ]
        data["notifications_sent"] = [
            {"meeting": _meeting(n.meeting), "sent_at": _iso(n.sent_at)}
            for n in ProtocolNotification.objects.filter(user=user)
            .select_related("meeting__series")
            .order_by("sent_at")
        ]
        data["internal_notes_written"] = [
            {
                "working_group": note.working_group.name,
                "title": note.title,
                "created_at": _iso(note.created_at),
            }
            for note in GroupNote.objects.filter(created_by=user)
            .select_related("working_group")
            .order_by("created_at")
        ]
    return data


# --- Anonymisation -----------------------------------------------------------------


def anonymous_label(organisation_as_written: str, role: str = "") -> str:
    """The role-and-organisation label, in the site's language: it becomes protocol text."""
    with translation.override(settings.LANGUAGE_CODE):
        return public_label(
            PublicationLevel.ROLE_AND_ORGANISATION, "", role, organisation_as_written
        )


def _current_label(person: Person) -> str:
    current = person.current_affiliations()
    first = current[0] if current else None
    return anonymous_label(first.organisation_label if first else "", first.role if first else "")


def _name_pattern(names: list[str]) -> re.Pattern | None:
    names = sorted({n.strip() for n in names if len(n.strip()) >= 2}, key=len, reverse=True)
    if not names:
        return None
    return re.compile(r"(?<!\w)(?:" + "|".join(re.escape(n) for n in names) + r")(?!\w)")


def _written_names(person: Person) -> list[str]:
    """The full name and the names the protocols use for the person."""
    return [person.name, *person.alias_list]


def _replace(text: str, pattern: re.Pattern | None, label: str, limit: int) -> str:
    if not pattern or not text:
        return text
    return pattern.sub(label, text)[:limit]


def _save_with_history(instance, by, **kwargs) -> None:
    instance._change_reason = ANONYMISATION_REASON
    instance._history_user = by
    instance.save(**kwargs)


@transaction.atomic
def person_anonymise(*, person: Person, by) -> int:
    """Replace the person's name by role and organisation in every protocol.

    Changes, each saved so that the history records ``by`` and the reason:
    every attendance line of the person (the snapshot's own affiliation text gives the
    label), the names in “assignees as written” of action items (the full name
    anywhere; for items assigned to the person also other names and the first name),
    and the name or other names in the signature of meetings the person attended. The person's
    publication level becomes role and organisation. Returns the number of protocol
    lines changed. Free text (agenda items, decisions) is not changed: see
    ``person_free_text_mentions``.
    """
    from meetings.models import ActionItem, Attendance, Meeting

    person = Person.objects.select_for_update().get(pk=person.pk)
    changed = 0

    labels_by_meeting: dict[int, str] = {}
    for attendance in Attendance.objects.filter(person=person).order_by("meeting", "pk"):
        label = anonymous_label(attendance.affiliation_as_written)[
            : Attendance._meta.get_field("name_as_written").max_length
        ]
        labels_by_meeting.setdefault(attendance.meeting_id, label)
        if attendance.name_as_written != label:
            attendance.name_as_written = label
            _save_with_history(attendance, by)
            changed += 1

    fallback = _current_label(person)
    full_name = _name_pattern([person.name])
    written_names = _name_pattern(_written_names(person))
    first_name = person.name.split()[0] if person.name.split() else ""
    assigned_names = _name_pattern([*_written_names(person), first_name])

    signature_limit = Meeting._meta.get_field("note_taker_signature").max_length
    for meeting in Meeting.objects.filter(pk__in=labels_by_meeting).exclude(
        note_taker_signature=""
    ):
        signature = _replace(
            meeting.note_taker_signature,
            written_names,
            labels_by_meeting[meeting.pk],
            signature_limit,
        )
        if signature != meeting.note_taker_signature:
            meeting.note_taker_signature = signature
            _save_with_history(meeting, by)
            changed += 1

    assigned = set(ActionItem.objects.filter(assigned_people=person).values_list("pk", flat=True))
    assignees_limit = ActionItem._meta.get_field("assignees_as_written").max_length
    candidates = ActionItem.objects.filter(
        Q(pk__in=assigned) | Q(assignees_as_written__icontains=person.name)
    ).exclude(assignees_as_written="")
    for action in candidates.order_by("pk"):
        pattern = assigned_names if action.pk in assigned else full_name
        label = labels_by_meeting.get(action.meeting_id, fallback)
        written = _replace(action.assignees_as_written, pattern, label, assignees_limit)
        if written != action.assignees_as_written:
            action.assignees_as_written = written
            _save_with_history(action, by)
            changed += 1

    if person.publication_level != PublicationLevel.ROLE_AND_ORGANISATION:
        person.publication_level = PublicationLevel.ROLE_AND_ORGANISATION
        _save_with_history(person, by)
    return changed


def person_free_text_mentions(*, person: Person) -> list:
    """Meetings whose free text (agenda items, decisions, action items) still names the person.

    Anonymisation does not rewrite free text; staff read these protocols and edit them by hand.
    """
    from meetings.models import ActionItem, AgendaItem, Decision, Meeting

    pattern = _name_pattern(_written_names(person))
    if pattern is None:
        return []
    meeting_ids: set[int] = set()
    for name in {n for n in _written_names(person) if len(n.strip()) >= 2}:
        for model, fields in (
            (AgendaItem, ["title", "body"]),
            (Decision, ["text"]),
            (ActionItem, ["text"]),
        ):
            query = Q()
            for field in fields:
                query |= Q(**{f"{field}__icontains": name})
            for meeting_id, *texts in model.objects.filter(query).values_list(
                "meeting_id", *fields
            ):
                if any(pattern.search(text or "") for text in texts):
                    meeting_ids.add(meeting_id)
    return list(Meeting.objects.filter(pk__in=meeting_ids).select_related("series"))
