"""Write a parsed protocol as a draft meeting: all of it in one transaction, or nothing."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.utils.formats import date_format
from django.utils.text import slugify
from django.utils.translation import gettext as _

from organisations.models import Organisation
from people.models import Person

from ..models import (
    ActionItem,
    AgendaItem,
    Attendance,
    Decision,
    Meeting,
    MeetingSeries,
)
from .matching import ProtocolMatch, protocol_match, with_line
from .structures import ParsedProtocol, ProtocolError

CHANGE_REASON = "import_protocol"

ROLE_FLAGS = {
    "chair": "is_chair",
    "note_taker": "is_note_taker",
    "approver": "is_approver",
    "guest": "is_guest",
}


class ImportStatus(enum.StrEnum):
    CREATED = "created"
    REPLACED = "replaced"  # a draft of the same series and date was replaced
    EXISTS = "exists"  # the meeting is already there: nothing written
    REFUSED = "refused"  # replacing an approved or published protocol: never
    WOULD_CREATE = "would_create"  # dry run
    WOULD_REPLACE = "would_replace"  # dry run


@dataclass
class ImportResult:
    status: ImportStatus
    parsed: ParsedProtocol
    series: MeetingSeries
    file_name: str
    match: ProtocolMatch
    meeting: Meeting | None = None  # the new meeting, or the one already there
    created_people: list[Person] = field(default_factory=list)
    created_organisations: list[Organisation] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return self.status == ImportStatus.REFUSED

    @property
    def warnings(self) -> list[str]:
        return [*self.parsed.warnings, *self.match.warnings]

    @property
    def message(self) -> str:
        """What happened, in one plain sentence."""
        values = {
            "series": self.series.name,
            "date": date_format(self.parsed.date),
            "attendees": len(self.parsed.attendees),
            "items": len(self.parsed.items),
            "decisions": len(self.parsed.decisions),
            "actions": len(self.parsed.actions),
            "people": len(self.match.new_people),
            "organisations": len(self.match.new_organisations),
            "state": self.meeting.get_protocol_state_display() if self.meeting else "",
        }
        counts = _(
            "attendance list: %(attendees)d, agenda items: %(items)d, decisions: %(decisions)d, "
            "action items: %(actions)d, new people: %(people)d, new organisations: "
            "%(organisations)d"
        )
        text = {
            ImportStatus.CREATED: _("Created a draft protocol for %(series)s %(date)s"),
            ImportStatus.REPLACED: _("Replaced the draft protocol of %(series)s %(date)s"),
            ImportStatus.WOULD_CREATE: _("Would create a draft protocol for %(series)s %(date)s"),
            ImportStatus.WOULD_REPLACE: _(
                "Would replace the draft protocol of %(series)s %(date)s"
            ),
            ImportStatus.EXISTS: _(
                "%(series)s already has a meeting on %(date)s: nothing was written."
            ),
            ImportStatus.REFUSED: _(
                "%(series)s already has a meeting on %(date)s and its protocol is "
                "%(state)s: it is never replaced. Nothing was written."
            ),
        }[self.status]
        if self.status in {ImportStatus.EXISTS, ImportStatus.REFUSED}:
            return text % values
        return f"{text % values} ({counts % values})."


def protocol_import(
    *,
    parsed: ParsedProtocol,
    series: MeetingSeries,
    file_name: str,
    replace: bool = False,
    by=None,
    dry_run: bool = False,
) -> ImportResult:
    """Create a draft meeting from a parsed protocol, or say why not.

    A meeting of the same series and date is never duplicated: it is reported as
    EXISTS, or with ``replace`` a draft is deleted and made again. An approved or
    published protocol is never touched (REFUSED). ``dry_run`` matches and
    reports what would happen, writing nothing. Text too long for the database
    raises ProtocolError before anything is written.
    """
    check_lengths(parsed)
    match = protocol_match(parsed=parsed)
    result = ImportResult(
        status=ImportStatus.CREATED,
        parsed=parsed,
        series=series,
        file_name=file_name,
        match=match,
    )
    try:
        with transaction.atomic():
            existing = (
                Meeting.objects.select_for_update().filter(series=series, date=parsed.date).first()
            )
            result.meeting = existing
            if existing is not None:
                if not replace:
                    result.status = ImportStatus.EXISTS
                    return result
                if existing.protocol_state != Meeting.ProtocolState.DRAFT:
                    result.status = ImportStatus.REFUSED
                    return result
            if dry_run:
                result.status = (
                    ImportStatus.WOULD_REPLACE if existing else ImportStatus.WOULD_CREATE
                )
                return result
            if existing is not None:
                existing.delete()
                result.status = ImportStatus.REPLACED
            _Writer(result, by=by).write()
    except IntegrityError:
        # Someone else saved a meeting of that series and date in the meantime.
        result.meeting = Meeting.objects.filter(series=series, date=parsed.date).first()
        if result.meeting is None:
            raise
        result.status = ImportStatus.EXISTS
        result.created_people, result.created_organisations = [], []
    return result


def check_lengths(parsed: ParsedProtocol) -> None:
    """Refuse text the database cannot hold, rather than cut what the protocol said."""

    def limit(model, name: str) -> int:
        return model._meta.get_field(name).max_length

    def check(text: str, maximum: int, line: int, what: str) -> None:
        if len(text) > maximum:
            raise ProtocolError(
                _("%(what)s is longer than %(max)d characters.") % {"what": what, "max": maximum},
                line=line or None,
            )

    for attendee in parsed.attendees:
        check(attendee.name, limit(Attendance, "name_as_written"), attendee.line, _("The name"))
        check(
            attendee.organisation,
            limit(Attendance, "affiliation_as_written"),
            attendee.line,
            _("The organisation"),
        )
    for item in parsed.items:
        check(item.title, limit(AgendaItem, "title"), item.line, _("The title"))
    for action in parsed.actions:
        line = parsed.items[action.item].line if 0 <= action.item < len(parsed.items) else 0
        check(
            ", ".join(action.assignees),
            limit(ActionItem, "assignees_as_written"),
            line,
            _("The names in an action item"),
        )
    check(parsed.signature, limit(Meeting, "note_taker_signature"), 0, _("The signature"))


def unique_slug(model, name: str) -> str:
    base = (slugify(name) or "organisation")[:190]
    slug, number = base, 2
    while model.objects.filter(slug=slug).exists():
        slug, number = f"{base}-{number}", number + 1
    return slug


class _Writer:
    def __init__(self, result: ImportResult, *, by) -> None:
        self.result = result
        self.parsed = result.parsed
        self.match = result.match
        self.by = by
        self.reason = f"{CHANGE_REASON} {result.file_name}"[:100]

    def save(self, obj) -> None:
        # History rows say who imported and from which file.
        obj._change_reason = self.reason
        if self.by is not None and getattr(self.by, "is_authenticated", False):
            obj._history_user = self.by
        obj.save()

    def write(self) -> None:
        meeting = Meeting(
            series=self.result.series,
            date=self.parsed.date,
            status=Meeting.Status.HELD,
            protocol_state=Meeting.ProtocolState.DRAFT,
            note_taker_signature=self.parsed.signature.strip(),
        )
        self.save(meeting)
        self.result.meeting = meeting
        organisations = self.create_organisations()
        people = self.write_attendance(meeting, organisations)
        items = self.write_items(meeting)
        for decision in self.parsed.decisions:
            self.save(
                Decision(
                    meeting=meeting, agenda_item=self.item(items, decision.item), text=decision.text
                )
            )
        self.write_actions(meeting, items, people)

    def create_organisations(self) -> dict[str, Organisation]:
        created = {}
        for key, new in self.match.new_organisations.items():
            organisation = Organisation(
                name=new.name,
                slug=unique_slug(Organisation, new.name),
                kind=new.kind,
                created_by_import=True,
            )
            self.save(organisation)
            created[key] = organisation
            self.result.created_organisations.append(organisation)
        return created

    def write_attendance(
        self, meeting: Meeting, new_organisations: dict[str, Organisation]
    ) -> list[Person | None]:
        """The attendance lines, exactly as written; returns each line's person."""
        people: list[Person | None] = []
        for order, (attendee, match) in enumerate(
            zip(self.parsed.attendees, self.match.attendees, strict=True), start=1
        ):
            person = match.person
            if match.new_person:
                person = Person(name=match.new_person, created_by_import=True)
                self.save(person)
                self.result.created_people.append(person)
            people.append(person)
            status = attendee.status
            if status not in Attendance.Status.values:
                status = Attendance.Status.PRESENT
            attendance = Attendance(
                meeting=meeting,
                order=order,
                person=person,
                name_as_written=attendee.name,
                affiliation_as_written=attendee.organisation,
                status=status,
                is_standing_member=self.parsed.standing_members_heading,
                **{flag: role in attendee.roles for role, flag in ROLE_FLAGS.items()},
            )
            self.save(attendance)
            organisations = match.organisations + [
                new_organisations[key] for key in match.new_organisations
            ]
            if organisations:
                attendance.organisations.add(*organisations)
        return people

    def write_items(self, meeting: Meeting) -> list[AgendaItem]:
        items = []
        for order, parsed_item in enumerate(self.parsed.items, start=1):
            kind = parsed_item.kind
            if kind not in AgendaItem.Kind.values:
                kind = AgendaItem.Kind.DISCUSSION
            item = AgendaItem(
                meeting=meeting,
                order=order,
                level=2 if parsed_item.level == 2 else 1,
                title=parsed_item.title,
                body=parsed_item.body,
                kind=kind,
            )
            self.save(item)
            groups = [
                self.match.working_groups[slug]
                for slug in dict.fromkeys(parsed_item.working_groups)
                if slug in self.match.working_groups
            ]
            if groups:
                item.working_groups.add(*groups)
            items.append(item)
        return items

    @staticmethod
    def item(items: list[AgendaItem], index: int) -> AgendaItem | None:
        return items[index] if 0 <= index < len(items) else None

    def write_actions(
        self, meeting: Meeting, items: list[AgendaItem], people: list[Person | None]
    ) -> None:
        for parsed_action, assignees in zip(self.parsed.actions, self.match.actions, strict=True):
            action = ActionItem(
                meeting=meeting,
                agenda_item=self.item(items, parsed_action.item),
                text=parsed_action.text,
                assignees_as_written=", ".join(parsed_action.assignees),
                due_next_meeting=parsed_action.due_next_meeting,
            )
            self.save(action)
            assigned_people = []
            for assignee in assignees:
                person = (
                    people[assignee.attendee] if assignee.attendee is not None else assignee.person
                )
                if person is not None and person not in assigned_people:
                    assigned_people.append(person)
            organisations = list(dict.fromkeys(a.organisation for a in assignees if a.organisation))
            if assigned_people:
                action.assigned_people.add(*assigned_people)
            if organisations:
                action.assigned_organisations.add(*organisations)


def import_error_message(file_name: str, error: ProtocolError) -> str:
    """“protokoll.txt, line 3: …”: the file and the line, for whoever opens it to fix it."""
    # Errors about the file as a whole (“x.txt is empty.”) already name it.
    message = error.message if file_name in error.message else f"{file_name}: {error.message}"
    if error.line:
        return f"{file_name}, {with_line(error.line, error.message)}"
    return message
