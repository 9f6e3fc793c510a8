"""The publication policy: the one place that decides what the public sees.

Three questions, each answered here and nowhere else:

1. **What is public?** ``published_q`` and the ``published()`` / ``visible_to(user)``
   query sets built on it (meetings and every row that hangs off a meeting).
2. **How is a person named?** ``public_label`` turns a name into what a visitor may
   see at a publication level; ``person_public_name``, ``attendance_public_name`` and
   ``action_public_assignees`` apply it to the rows that name people. Free text names
   people through *mentions* (``[[person:12]]``): the text stores who, never the
   letters, and ``public_text`` / ``public_markdown`` print each mention as the
   person's public name at their level *now*.
3. **What may be published?** ``publication_problems`` (the publish check), and
   ``protocol_guard``, which every write path runs its changes in, so that a change
   to a published protocol that the check refuses is rolled back.

Every surface (page, feed, calendar, search entry, meta tag, email) and every write
path (admin pages, inlines, history revert, import, bulk actions, services) goes
through this module.
"""

from __future__ import annotations

import contextvars
import html
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.db.models.signals import m2m_changed, pre_delete, pre_save
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from people.models import Person, PublicationLevel, public_name_prefetch

from .markdown import markdown_to_text, render_markdown
from .personnummer import find_personnummer, redact_personnummer

# --- 1. What is public -------------------------------------------------------------


def published_q(prefix: str = "") -> Q:
    """Rows whose protocol anyone may read: ``prefix`` leads from the row to its meeting
    (``"meeting__"`` for an agenda item, ``""`` for a meeting)."""
    from .models import Meeting

    return Q(**{f"{prefix}protocol_state": Meeting.ProtocolState.PUBLISHED})


def visible_q(user, prefix: str = "") -> Q:
    """Rows a user may read: staff also preview drafts, everyone else only published."""
    if user is not None and user.is_authenticated and user.is_staff:
        return Q()
    return published_q(prefix)


# --- 2. How a person is named ------------------------------------------------------


def initials_of(name: str) -> str:
    return " ".join(f"{part[0]}." for part in name.replace("-", " ").split() if part)


def public_label(
    level: str, name: str, role: str = "", organisation: str = "", *, default_role: str = ""
) -> str:
    """The one rule that turns a name into what a visitor may see at a publication level.

    A name, role or organisation is typed by staff outside any protocol's check, so a
    personal identity number in one never reaches the page either.
    """
    if level == PublicationLevel.FULL_NAME:
        return redact_personnummer(name)
    if level == PublicationLevel.INITIALS:
        return initials_of(name)
    role = role or default_role or str(_("Participant"))
    role = role[:1].upper() + role[1:]  # "HR-chef" stays "HR-chef"
    return redact_personnummer(f"{role}, {organisation}" if organisation else role)


def person_public_name(person: Person) -> str:
    """A person as every public surface names them, by their level today.

    Callers prefetch ``public_name_prefetch()`` (on the path that leads to the person).
    """
    current = person.current_affiliations()
    first = current[0] if current else None
    return public_label(
        person.effective_publication_level,
        person.name,
        role=first.role if first else "",
        organisation=first.organisation_label if first else "",
    )


def attendance_public_name(attendance) -> str:
    """A line of the attendance list as a visitor may see it.

    A line linked to a person follows that person's level; an unlinked line is named
    in full only beside a municipal department (officials act in their role), and
    otherwise by its role and organisation as written. Callers prefetch
    ``public_name_prefetch("person__")`` and ``organisations``.
    """
    if attendance.person is not None:
        level = attendance.person.effective_publication_level
    elif any(org.is_municipal for org in attendance.organisations.all()):
        level = PublicationLevel.FULL_NAME
    else:
        level = PublicationLevel.ROLE_AND_ORGANISATION
    if level == PublicationLevel.ROLE_AND_ORGANISATION:
        return public_label(
            level, attendance.name_as_written, organisation=attendance.affiliation_as_written
        )
    return public_label(level, attendance.name_as_written)


def action_public_assignees(action) -> list[tuple[str, str | None]]:
    """(label, link) for each assignee as a visitor may see them.

    The written snapshot (``assignees_as_written``) is never shown publicly: it holds
    names as typed. Callers prefetch ``public_name_prefetch("assigned_people__")`` and
    ``assigned_organisations``.
    """
    people = [(person_public_name(person), None) for person in action.assigned_people.all()]
    organisations = [(o.name, o.get_absolute_url()) for o in action.assigned_organisations.all()]
    return people + organisations


# Mentions: a person named in free text, stored as who rather than as letters.
MENTION = re.compile(r"\[\[person:(\d{1,10})\]\]")
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!<>|~&])")


def mention(person_id: int) -> str:
    return f"[[person:{person_id}]]"


def mentioned_ids(texts: Iterable[str]) -> set[int]:
    return {int(pk) for text in texts if text for pk in MENTION.findall(text)}


class PublicNames(dict):
    """Person id -> public name, for the mentions in a set of texts (two queries at most).

    A mention of a person not in it (deleted, or not loaded) prints as "Deltagare":
    a forgotten lookup can hide a name, never show one.
    """

    @classmethod
    def for_texts(cls, texts: Iterable[str]) -> PublicNames:
        ids = mentioned_ids(texts)
        if not ids:
            return cls()
        people = Person.objects.filter(pk__in=ids).prefetch_related(public_name_prefetch())
        return cls((person.pk, person_public_name(person)) for person in people)

    def name(self, person_id: int) -> str:
        return self.get(person_id) or str(_("Participant"))


def meetings_mentioning(person_id: int | None) -> set[int]:
    """The meetings whose free text mentions a person: what to render again when their
    name, affiliation or publication level changes."""
    from .models import ActionItem, AgendaItem, Decision, Meeting

    if person_id is None:
        return set()
    token = mention(person_id)
    ids = set(
        Meeting.objects.filter(Q(theme__contains=token) | Q(place__contains=token)).values_list(
            "pk", flat=True
        )
    )
    ids |= set(
        AgendaItem.objects.filter(Q(title__contains=token) | Q(body__contains=token)).values_list(
            "meeting_id", flat=True
        )
    )
    for model in (Decision, ActionItem):
        ids |= set(model.objects.filter(text__contains=token).values_list("meeting_id", flat=True))
    return ids


def public_text(text: str, names: PublicNames | None) -> str:
    """Plain text (a title, a theme, a decision) with each mention as a public name."""
    if not text or "[[person:" not in text:
        return text or ""
    names = names or PublicNames()
    return MENTION.sub(lambda m: names.name(int(m.group(1))), text)


def public_markdown(text: str, names: PublicNames | None) -> SafeString:
    """Markdown rendered to safe HTML, each mention as a public name (as plain words)."""
    if text and "[[person:" in text:
        names = names or PublicNames()
        text = MENTION.sub(
            lambda m: _MARKDOWN_SPECIAL.sub(r"\\\1", names.name(int(m.group(1)))), text
        )
    return render_markdown(text)


def public_plain_text(markdown: str, names: PublicNames | None) -> str:
    """The words a reader sees of Markdown, mentions as public names: search, snippets."""
    return markdown_to_text(public_text(markdown, names))


# --- 3. What may be published ------------------------------------------------------


@dataclass(frozen=True)
class TextPlace:
    """A piece of protocol text, where a reader finds it, and whether it is Markdown."""

    label: str
    text: str
    form_field: str = ""  # where a form shows an error: "body", "theme" ...
    obj: object = None


def protocol_text_places(meeting) -> list[TextPlace]:
    """Every piece of text of a protocol that a reader of the public page sees."""
    places = [
        TextPlace(_("Place"), meeting.place, "place", meeting),
        TextPlace(_("Theme"), meeting.theme, "theme", meeting),
        TextPlace(_("Signature"), meeting.note_taker_signature, "note_taker_signature", meeting),
    ]
    for attendance in meeting.attendances.all():
        label = _("Attendance list: %(name)s") % {"name": attendance.name_as_written}
        for name in ("name_as_written", "affiliation_as_written"):
            places.append(TextPlace(label, getattr(attendance, name), name, attendance))
    for item in meeting.agenda_items.all():
        label = _("Item %(order)s “%(title)s”") % {"order": item.order, "title": item.title}
        places.append(TextPlace(label, item.title, "title", item))
        places.append(TextPlace(label, item.body, "body", item))
    for number, decision in enumerate(meeting.decisions.all(), start=1):
        places.append(
            TextPlace(
                _("Decision %(number)s") % {"number": number}, decision.text, "text", decision
            )
        )
    for number, action in enumerate(meeting.action_items.all(), start=1):
        places.append(
            TextPlace(_("Action item %(number)s") % {"number": number}, action.text, "text", action)
        )
    return places


# The attendance list names people by design, each at their level: no mention needed.
ATTENDANCE_FIELDS = ("name_as_written", "affiliation_as_written")


# A name is a whole word: no letter, digit or hyphen right before it, and after it at
# most a genitive s ("Tottes"). Underscores and asterisks are Markdown, not letters.
NAME_BEFORE = r"(?<![^\W_])(?<!-)"
NAME_AFTER = r"(s?)(?![^\W_])(?!-)"
_MARKUP_OR_ENTITY = re.compile(r"[&*_\\`<\[]")


@dataclass(frozen=True)
class Problem:
    """One reason a protocol may not be (or stay) published.

    ``key`` identifies the problem across two readings of the same protocol, so that a
    change to a published protocol is refused only for what it adds (see protocol_guard).
    """

    key: tuple
    message: str
    form_field: str = ""
    obj: object = field(default=None, compare=False, hash=False)


class NameIndex:
    """Known names of people, to find them in free text.

    Each person is known by their full name, their first name and each of their aliases
    (nicknames, other spellings). Only capitalised words are looked for: "Bo" the name,
    not "bo" the verb.
    """

    def __init__(self, rows: Iterable[tuple[int, str, str]]) -> None:
        self.people: dict[str, set[int]] = {}
        self.full_names: dict[int, str] = {}
        for pk, name, aliases in rows:
            self.full_names[pk] = name
            terms = {name, name.split()[0] if name.split() else ""}
            terms |= {line.strip() for line in (aliases or "").splitlines()}
            for term in terms:
                if len(term) >= 2 and term[:1].isupper():
                    self.people.setdefault(term, set()).add(pk)
        terms = sorted(self.people, key=len, reverse=True)  # "Bo Ek" before "Bo"
        self.pattern = (
            re.compile(NAME_BEFORE + "(" + "|".join(map(re.escape, terms)) + ")" + NAME_AFTER)
            if terms
            else None
        )

    @classmethod
    def load(cls) -> NameIndex:
        return cls(Person.objects.values_list("pk", "name", "aliases").order_by("pk"))

    def find(self, text: str) -> Iterator[tuple[str, set[int]]]:
        """(name as written, candidate person ids) for each known name in the text, as
        typed and as a reader sees it (entities decoded, Markdown reduced to words:
        ``To**tte**`` reads "Totte")."""
        if not text or self.pattern is None:
            return
        readings = [text]
        if _MARKUP_OR_ENTITY.search(text):
            readings += [html.unescape(text), markdown_to_text(text)]
        for reading in readings:
            for match in self.pattern.finditer(reading):
                yield match.group(1), self.people[match.group(1)]


def name_hits(meeting, index: NameIndex) -> list[tuple[TextPlace, str, set[int]]]:
    """(place, name as written, candidates) for every known name still written as letters
    in the protocol's free text (the attendance list names people by design: it is
    shown through the persons' levels, so it is left out here)."""
    hits = []
    for place in protocol_text_places(meeting):
        if place.form_field in ATTENDANCE_FIELDS:
            continue
        seen = set()
        for word, candidates in index.find(place.text):
            if word not in seen:
                seen.add(word)
                hits.append((place, word, candidates))
    return hits


def name_pattern(word: str) -> re.Pattern:
    """A name as a whole word, alone or with a genitive s ("Tottes")."""
    return re.compile(NAME_BEFORE + re.escape(word) + NAME_AFTER)


def replace_name(text: str, word: str, person_id: int) -> str:
    """The text with ``word`` as a mention of the person; a genitive becomes ":s"
    ("T. E.:s"), the Swedish way after a name shortened or replaced."""
    token = mention(person_id)
    return name_pattern(word).sub(lambda m: token + (":s" if m.group(1) else ""), text or "")


def link_known_names(text: str, index: NameIndex) -> str:
    """Every name in the text that fits exactly one known person, as a mention."""
    for word, candidates in list(index.find(text)):
        if len(candidates) == 1:
            text = replace_name(text, word, next(iter(candidates)))
    return text


def publication_problems(meeting, *, index: NameIndex | None = None, today=None) -> list[Problem]:
    """Everything that stops a protocol from being published, in plain words."""
    from .models import Attendance

    problems: list[Problem] = []
    now = timezone.localtime()
    today = today or now.date()
    if meeting.date > today or (
        meeting.date == today
        and (meeting.end_time or meeting.start_time or now.time()) > now.time()
    ):
        problems.append(
            Problem(
                ("future",),
                _("The meeting has not taken place yet (%(date)s).")
                % {"date": date_format(meeting.date, "DATE_FORMAT")},
                "date",
            )
        )
    if not meeting.approved_by_id or not meeting.approved_on:
        problems.append(
            Problem(
                ("unapproved",),
                _("The protocol is not approved: record who approved it (justerare) and when."),
                "approved_by",
            )
        )
    elif meeting.approved_on < meeting.date:
        problems.append(
            Problem(
                ("unapproved",),
                _("The protocol cannot be approved before the meeting was held (%(date)s).")
                % {"date": date_format(meeting.date, "DATE_FORMAT")},
                "approved_on",
            )
        )
    if not meeting.agenda_items.all():
        problems.append(Problem(("no_items",), _("The protocol has no agenda items.")))
    if not any(a.status == Attendance.Status.PRESENT for a in meeting.attendances.all()):
        problems.append(Problem(("no_one_present",), _("No one is marked as present.")))
    return problems + text_problems(meeting, index=index)


def text_problems(meeting, *, index: NameIndex | None = None) -> list[Problem]:
    """What in a protocol's text may not reach the public: personal identity numbers,
    names written as letters, attendance lines linked to no person."""
    problems = personnummer_problems(meeting)
    index = index if index is not None else NameIndex.load()
    shown = set(meeting.shown_names.values_list("text", flat=True))
    for place, word, candidates in name_hits(meeting, index):
        if word in shown:
            continue
        who = ", ".join(sorted(index.full_names[pk] for pk in candidates))
        problems.append(
            Problem(
                ("name", word),
                _(
                    "%(place)s names “%(word)s” (%(who)s) in the text. Link the name to the "
                    "person, or confirm that it may be shown as written."
                )
                % {"place": _place_and_field(place), "word": word, "who": who},
                place.form_field,
                place.obj,
            )
        )
    for attendance in meeting.attendances.all():
        if attendance.person_id is None and attendance.name_as_written not in shown:
            problems.append(
                Problem(
                    ("unlinked", attendance.name_as_written),
                    _(
                        "Attendance list: “%(name)s” is linked to no person. Choose the "
                        "person, or confirm that the line may be shown as it is."
                    )
                    % {"name": attendance.name_as_written},
                    "person",
                    attendance,
                )
            )
    return problems


def personnummer_problems(meeting) -> list[Problem]:
    problems = []
    for place in protocol_text_places(meeting):
        for number in find_personnummer(place.text):
            problems.append(
                Problem(
                    ("personnummer", number),
                    _(
                        "%(place)s contains what looks like a personal identity number. "
                        "Remove it before the protocol can be published."
                    )
                    % {"place": _place_and_field(place)},
                    place.form_field,
                    place.obj,
                )
            )
    return problems


def _place_and_field(place: TextPlace) -> str:
    """“Item 2 “Fritidsbanken”, field text”: where staff find it in the form."""
    if place.obj is None or not place.form_field:
        return place.label
    name = place.obj._meta.get_field(place.form_field).verbose_name
    return _("%(place)s, field “%(field)s”") % {"place": place.label, "field": name}


def problem_messages(problems: Iterable[Problem]) -> list[str]:
    return list(dict.fromkeys(problem.message for problem in problems))


# --- The guard every write path runs in --------------------------------------------


class ProtocolChangeRefused(ValidationError):
    """A change that would put something on a published protocol the check refuses."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__(problem_messages(problems))


@dataclass
class _Guard:
    before: dict[int, set[tuple] | None] = field(default_factory=dict)
    index: NameIndex | None = None

    def name_index(self) -> NameIndex:
        if self.index is None:
            self.index = NameIndex.load()
        return self.index


_active_guard: contextvars.ContextVar[_Guard | None] = contextvars.ContextVar(
    "protocol_guard", default=None
)


def _problem_keys(meeting_id: int, guard: _Guard) -> set[tuple] | None:
    """The keys of a published protocol's problems as the database has it now; None if
    the protocol is not published (then any problem at all refuses publication)."""
    from .models import Meeting

    meeting = protocol_for_check(meeting_id)
    if meeting is None or meeting.protocol_state != Meeting.ProtocolState.PUBLISHED:
        return None
    return {p.key for p in publication_problems(meeting, index=guard.name_index())}


def protocol_for_check(meeting_id: int):
    """A meeting with everything the publish check reads (None if it is gone)."""
    from .models import Meeting

    return (
        Meeting.objects.filter(pk=meeting_id)
        .select_related("series")
        .prefetch_related("attendances__organisations", "agenda_items", "decisions", "action_items")
        .first()
    )


def _touch(meeting_ids: Iterable[int | None]) -> None:
    guard = _active_guard.get()
    if guard is None:
        return
    for meeting_id in meeting_ids:
        if meeting_id is not None and meeting_id not in guard.before:
            guard.before[meeting_id] = _problem_keys(meeting_id, guard)


def _meeting_ids_of(instance) -> set[int | None]:
    """The meeting a protocol row belongs to now and (if saved) in the database."""
    from .models import Meeting

    if isinstance(instance, Meeting):
        return {instance.pk}
    ids = {getattr(instance, "meeting_id", None)}
    if instance.pk is not None:
        saved = type(instance)._default_manager.filter(pk=instance.pk)
        ids.add(saved.values_list("meeting_id", flat=True).first())
    return ids


def _before_write(sender, instance=None, raw=False, **kwargs) -> None:
    if raw or _active_guard.get() is None:
        return
    _touch(_meeting_ids_of(instance))


def _before_m2m(sender, instance=None, action="", **kwargs) -> None:
    if action.startswith("pre_") and _active_guard.get() is not None:
        _touch(_meeting_ids_of(instance))


def connect() -> None:
    """Called from ``MeetingsConfig.ready``: the guard learns which protocols a change
    touches, and how they read before it."""
    from .models import ActionItem, AgendaItem, Attendance, Decision, Meeting

    for model in (Meeting, Attendance, AgendaItem, Decision, ActionItem):
        uid = f"protocol_guard_{model._meta.label_lower}"
        pre_save.connect(_before_write, sender=model, dispatch_uid=f"{uid}_save")
        pre_delete.connect(_before_write, sender=model, dispatch_uid=f"{uid}_delete")
    m2m_changed.connect(_before_m2m, dispatch_uid="protocol_guard_m2m")


@contextmanager
def protocol_guard(*, touching: Iterable[int] = ()):
    """Run a change to protocols; refuse it if it breaks a published protocol.

    Use inside ``transaction.atomic()``: on refusal ``ProtocolChangeRefused`` is raised
    and the transaction rolls back. A change to a published protocol is refused when it
    adds a problem the publish check knows (a personal identity number is refused even
    if it was there before); a protocol that a change makes published must pass the
    whole check. ``touching`` names meetings the caller changes through paths without
    model signals (``update()``, bulk writes).
    """
    outer = _active_guard.get()
    if outer is not None:  # nested: the outermost guard checks everything once
        _touch(touching)
        yield outer
        return
    guard = _Guard()
    token = _active_guard.set(guard)
    try:
        _touch(touching)
        yield guard
        refused = _refusals(guard)
    finally:
        _active_guard.reset(token)
    if refused:
        raise ProtocolChangeRefused(refused)


def _refusals(guard: _Guard) -> list[Problem]:
    from .models import Meeting

    refused = []
    for meeting_id, before in guard.before.items():
        meeting = protocol_for_check(meeting_id)
        if meeting is None or meeting.protocol_state != Meeting.ProtocolState.PUBLISHED:
            continue
        for problem in publication_problems(meeting, index=guard.name_index()):
            if before is None or problem.key not in before or problem.key[0] == "personnummer":
                refused.append(problem)
    return refused
