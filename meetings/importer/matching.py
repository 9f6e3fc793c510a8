"""Find the people, organisations, series and working groups a parsed protocol names.

Database reads only: what to create is decided here, but ``saving`` writes it.

Nothing is merged silently. A match is *exact* when the text equals the name, the
short name or a recorded alias, ignoring only case and spacing: protocols write
“socialförvaltningen” in lower case on every line, and an alias such as “Bryggan”
or “Bosse” was recorded by staff on purpose. Every other match (other accents, a
similar spelling, a first name alone, an organisation found inside a longer text)
is reported in ``warnings`` so that staff check it before the protocol goes out.

Rules for the attendance list:

- A name is looked up among all people (name and aliases). Names of two or more
  words may also match a similar spelling (``difflib`` ratio ≥ 0.85, accents
  ignored); a one-word name is never guessed, it is left unlinked with a warning.
  A name that fits several people equally is left unlinked with a warning.
- An unknown name of two or more words becomes a new person (flagged
  ``created_by_import`` when saved).
- The organisation text is split on “,” and then “/” (“Ria/Hela människan, G7”),
  unless a comma part is itself a known name (“Ria / Hela människan”). A part that
  is no known organisation is searched for a known one inside it (“HR-chef
  socialförvaltningen”); the rest is read as a role. An unknown part becomes a new
  organisation only if it looks like one: a single capitalised word that is not a
  role word (“Pingstkyrkan”), or a text ending in a word such as “…förvaltningen”
  or “…föreningen”. Anything else (“brukarmentor”) stays only as written, with a warning.

Assignees of action items (“Ia och Allan jobbar vidare”) are looked up first on
the attendance list, where a first name alone counts when it is unique there,
then among organisations, then among all people by full name. They never create
anything.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from django.utils.translation import gettext as _

from organisations.models import Organisation
from people.models import Person
from projects.models import WorkingGroup

from ..models import MeetingSeries
from .structures import ParsedAttendee, ParsedProtocol

T = TypeVar("T")

SIMILARITY = 0.85
# Shorter texts are never matched by similarity: "G7" and "G8" are different groups.
SIMILAR_MIN_LENGTH = 5

# How a text was matched.
EXACT = "exact"  # the name itself, ignoring case and spacing
ALIAS = "alias"  # a short name or a recorded alias
ACCENTS = "accents"  # equal once accents are ignored
SIMILAR = "similar"  # a near spelling
FIRST_NAME = "first_name"  # a first name, unique on the attendance list
INSIDE = "inside"  # an organisation named inside a longer text
AMBIGUOUS = "ambiguous"  # fits several: nothing is linked

SILENT = {EXACT, ALIAS}

# Words that name what someone does, not where: never turned into organisations.
ROLE_ENDINGS = (
    "utvecklare",
    "mentor",
    "chef",
    "samordnare",
    "sekreterare",
    "ledare",
    "praktikant",
    "ordförande",
    "volontär",
    "medlem",
    "student",
    "assistent",
    "handläggare",
    "representant",
)
# Last words that make a text look like an organisation's name.
ORGANISATION_ENDINGS = (
    "förvaltningen",
    "förvaltning",
    "föreningen",
    "förening",
    "förbundet",
    "förbund",
    "kommun",
    "kommunen",
    "regionen",
    "myndigheten",
    "kyrkan",
    "universitet",
    "stiftelsen",
)
MUNICIPAL_ENDINGS = ("förvaltningen", "förvaltning")


def casefold_key(text: str) -> str:
    """Case and spacing ignored: “Ria / Hela människan” = “ria/hela människan”."""
    text = re.sub(r"\s*/\s*", "/", " ".join(text.split()))
    return text.casefold()


def fold(text: str) -> str:
    """Case, spacing and accents ignored: “Stojanović” = “stojanovic”, “Fontänhuset” = “fontanhuset”."""
    decomposed = unicodedata.normalize("NFKD", text)
    return casefold_key("".join(ch for ch in decomposed if not unicodedata.combining(ch)))


def with_line(line: int, message: str) -> str:
    return _("line %(line)d: %(message)s") % {"line": line, "message": message} if line else message


@dataclass(frozen=True)
class Found(Generic[T]):
    obj: T | None = None
    how: str = ""  # one of the constants above; "" when nothing fits
    candidates: tuple[T, ...] = ()  # when the text fits several equally


class NameIndex(Generic[T]):
    """Looks objects up by name and other names, from exact to similar."""

    def __init__(self, entries: Iterable[tuple[T, str, Iterable[str]]]) -> None:
        self._exact: dict[str, dict[T, str]] = {}
        self._folded: dict[str, list[T]] = {}
        self._labels: list[tuple[str, T]] = []
        for obj, name, others in entries:
            for label, how in [(name, EXACT), *((other, ALIAS) for other in others)]:
                if not label.strip():
                    continue
                hits = self._exact.setdefault(casefold_key(label), {})
                if hits.get(obj) != EXACT:  # the name wins over an alias of the same object
                    hits[obj] = how
                self._folded.setdefault(fold(label), []).append(obj)
                self._labels.append((fold(label), obj))

    def find(self, written: str, *, similar: bool = True) -> Found[T]:
        hits = self._exact.get(casefold_key(written))
        if hits:
            if len(hits) > 1:
                return Found(how=AMBIGUOUS, candidates=tuple(hits))
            ((obj, how),) = hits.items()
            return Found(obj, how)
        key = fold(written)
        folded = list(dict.fromkeys(self._folded.get(key, [])))
        if len(folded) == 1:
            return Found(folded[0], ACCENTS)
        if len(folded) > 1:
            return Found(how=AMBIGUOUS, candidates=tuple(folded))
        if not similar or len(key) < SIMILAR_MIN_LENGTH:
            return Found()
        best: dict[T, float] = {}
        matcher = difflib.SequenceMatcher(b=key, autojunk=False)
        for label, obj in self._labels:
            matcher.set_seq1(label)
            if matcher.real_quick_ratio() < SIMILARITY or matcher.quick_ratio() < SIMILARITY:
                continue
            ratio = matcher.ratio()
            if ratio >= SIMILARITY and ratio > best.get(obj, 0):
                best[obj] = ratio
        if len(best) == 1:
            return Found(next(iter(best)), SIMILAR)
        if len(best) > 1:
            ranked = sorted(best, key=best.__getitem__, reverse=True)
            return Found(how=AMBIGUOUS, candidates=tuple(ranked))
        return Found()


def found_warning(written: str, found: Found, label: Callable[[object], str]) -> str:
    """The warning a match needs, or "" for an exact one."""
    if found.how == AMBIGUOUS:
        return _(
            "‘%(written)s’ fits more than one: %(names)s. Not linked: choose in the admin."
        ) % {
            "written": written,
            "names": ", ".join(label(obj) for obj in found.candidates),
        }
    if found.obj is None or found.how in SILENT:
        return ""
    reason = {
        ACCENTS: _("different accents"),
        SIMILAR: _("similar spelling"),
        FIRST_NAME: _("first name, the only one on the attendance list"),
        INSIDE: _("the rest is read as a role"),
    }[found.how]
    return _("‘%(written)s’ matched to %(name)s (%(reason)s)") % {
        "written": written,
        "name": label(found.obj),
        "reason": reason,
    }


def is_several_words(name: str) -> bool:
    return len(name.split()) > 1


# ---------------------------------------------------------------------------
# Series and working groups


@dataclass(frozen=True)
class SeriesMatch:
    series: MeetingSeries | None
    warning: str = ""


def series_match(name: str) -> SeriesMatch:
    """The series a title names (“Gemensam ledningsgrupp”), by name or alias."""
    index = NameIndex((s, s.name, s.alias_list) for s in MeetingSeries.objects.all())
    found = index.find(name)
    return SeriesMatch(found.obj, found_warning(name, found, str))


def working_group_names() -> dict[str, str]:
    """``known_groups`` for the parser: every lowercased name and alias → the group's slug."""
    names: dict[str, str] = {}
    for group in WorkingGroup.objects.only("name", "slug", "aliases"):
        for label in [group.name, *group.alias_list]:
            names.setdefault(label.lower(), group.slug)
    return names


# ---------------------------------------------------------------------------
# The whole protocol


@dataclass
class NewOrganisation:
    name: str
    kind: str


@dataclass
class AttendeeMatch:
    person: Person | None = None  # an existing person
    new_person: str = ""  # the name of a person to create
    how: str = ""  # how the person was matched
    organisations: list[Organisation] = field(default_factory=list)
    new_organisations: list[str] = field(default_factory=list)  # keys of new_organisations

    @property
    def label(self) -> str:
        return self.person.name if self.person else self.new_person


@dataclass
class AssigneeMatch:
    written: str
    attendee: int | None = None  # index of the attendance line of the person
    person: Person | None = None  # someone not on the attendance list
    organisation: Organisation | None = None


@dataclass
class ProtocolMatch:
    attendees: list[AttendeeMatch]
    actions: list[list[AssigneeMatch]]  # one list per parsed action
    working_groups: dict[str, WorkingGroup]  # slug → group
    new_organisations: dict[str, NewOrganisation]
    warnings: list[str]

    @property
    def new_people(self) -> list[str]:
        return [a.new_person for a in self.attendees if a.new_person]

    def assignee_label(self, assignee: AssigneeMatch) -> str:
        if assignee.attendee is not None:
            return self.attendees[assignee.attendee].label
        if assignee.person is not None:
            return assignee.person.name
        if assignee.organisation is not None:
            return assignee.organisation.name
        return ""


def person_index() -> NameIndex[Person]:
    return NameIndex((p, p.name, p.alias_list) for p in Person.objects.only("name", "aliases"))


def organisation_index() -> NameIndex[Organisation]:
    return NameIndex(
        (o, o.name, [o.short_name, *o.alias_list])
        for o in Organisation.objects.only("name", "short_name", "aliases")
    )


def looks_like_organisation(part: str) -> str:
    """The name of an organisation to create for an unknown part, or "" if it looks like a role."""
    words = part.split()
    last = fold(words[-1])
    if any(last.endswith(fold(ending)) for ending in ORGANISATION_ENDINGS):
        before = words[:-1]
        # "IFS Schizofreniföreningen" is a name; in "HR-chef kulturförvaltningen" only the
        # last word is, the rest is a role.
        name = part if all(word[:1].isupper() for word in before) else words[-1]
        return name[:1].upper() + name[1:]
    is_role = any(last.endswith(fold(ending)) for ending in ROLE_ENDINGS)
    if len(words) == 1 and part[:1].isupper() and not is_role:
        return part
    return ""


def organisation_kind(name: str) -> str:
    if any(fold(name).endswith(fold(ending)) for ending in MUNICIPAL_ENDINGS):
        return Organisation.Kind.MUNICIPAL_DEPARTMENT
    # Unknown: not municipal, so people next to it are shown by role until staff decide.
    return Organisation.Kind.OTHER


def find_inside(part: str, index: NameIndex[Organisation]) -> Found[Organisation]:
    """A known organisation named by some of the words of a longer text, longest first."""
    words = part.split()
    for size in range(len(words) - 1, 0, -1):
        for start in range(len(words) - size + 1):
            found = index.find(" ".join(words[start : start + size]), similar=False)
            if found.obj is not None:
                return Found(found.obj, INSIDE)
    return Found()


class _Matcher:
    def __init__(self, parsed: ParsedProtocol) -> None:
        self.parsed = parsed
        self.people = person_index()
        self.organisations = organisation_index()
        self.new_organisations: dict[str, NewOrganisation] = {}
        self.warnings: list[str] = []
        self._warned_parts: set[tuple[str, object]] = set()

    def warn(self, line: int, message: str) -> None:
        if message:
            self.warnings.append(with_line(line, message))

    def run(self) -> ProtocolMatch:
        attendees = []
        linked: dict[tuple[str, object], int] = {}
        for attendee in self.parsed.attendees:
            match = self.attendee(attendee.name, attendee.line)
            self.forbid_double(match, attendee, linked)
            self.affiliation(match, attendee.organisation, attendee.line)
            attendees.append(match)
        actions = [
            self.assignees(action.assignees, action.item, attendees)
            for action in self.parsed.actions
        ]
        return ProtocolMatch(
            attendees=attendees,
            actions=actions,
            working_groups=self.groups(),
            new_organisations=self.new_organisations,
            warnings=list(dict.fromkeys(self.warnings)),
        )

    def attendee(self, name: str, line: int) -> AttendeeMatch:
        found = self.people.find(name, similar=is_several_words(name))
        self.warn(line, found_warning(name, found, str))
        if found.obj is not None:
            return AttendeeMatch(person=found.obj, how=found.how)
        if found.how == AMBIGUOUS:
            return AttendeeMatch(how=AMBIGUOUS)
        if not is_several_words(name):
            self.warn(
                line,
                _(
                    "‘%(name)s’ is a first name only: not linked to a person. "
                    "Choose one in the admin."
                )
                % {"name": name},
            )
            return AttendeeMatch()
        self.warn(
            line, _("‘%(name)s’ is not known: a new person will be created.") % {"name": name}
        )
        return AttendeeMatch(new_person=" ".join(name.split()), how="new")

    def forbid_double(
        self,
        match: AttendeeMatch,
        attendee: ParsedAttendee,
        linked: dict[tuple[str, object], int],
    ) -> None:
        """One person, one line: a second line for the same person stays unlinked."""
        if match.person:
            key: tuple[str, object] = ("person", match.person.pk)
        elif match.new_person:
            key = ("new", fold(match.new_person))
        else:
            return
        if key in linked:
            self.warn(
                attendee.line,
                _("‘%(name)s’ is the same person as line %(other)d: linked only once.")
                % {"name": attendee.name, "other": linked[key]},
            )
            match.person, match.new_person, match.how = None, "", ""
        else:
            linked[key] = attendee.line

    def affiliation(self, match: AttendeeMatch, text: str, line: int) -> None:
        for part in self.organisation_parts(text):
            found = self.organisations.find(part, similar=True)
            if found.obj is None and found.how != AMBIGUOUS:
                found = find_inside(part, self.organisations)
            if found.obj is not None:
                if found.obj not in match.organisations:
                    match.organisations.append(found.obj)
                self.warn_once(line, part, found.obj, found_warning(part, found, str))
                continue
            if found.how == AMBIGUOUS:
                self.warn_once(line, part, None, found_warning(part, found, str))
                continue
            name = looks_like_organisation(part)
            if name:
                key = fold(name)
                if key not in self.new_organisations:
                    self.new_organisations[key] = NewOrganisation(name, organisation_kind(name))
                    self.warn(
                        line,
                        _("‘%(part)s’ is not a known organisation: %(name)s will be created.")
                        % {"part": part, "name": name},
                    )
                if key not in match.new_organisations:
                    match.new_organisations.append(key)
            else:
                self.warn_once(
                    line,
                    part,
                    None,
                    _("‘%(part)s’ is not a known organisation: kept only as written (a role?).")
                    % {"part": part},
                )

    def warn_once(self, line: int, part: str, obj: object, message: str) -> None:
        """The same text matched the same way warns once, on its first line."""
        key = (casefold_key(part), obj)
        if message and key not in self._warned_parts:
            self._warned_parts.add(key)
            self.warn(line, message)

    def organisation_parts(self, text: str) -> list[str]:
        parts = []
        for chunk in text.split(","):
            chunk = chunk.strip()
            if not chunk:
                continue
            # "Ria / Hela människan" is one name; "Ria/G7" is two.
            if "/" in chunk and self.organisations.find(chunk, similar=False).obj is None:
                parts += [piece.strip() for piece in chunk.split("/") if piece.strip()]
            else:
                parts.append(chunk)
        return parts

    def assignees(
        self, written_names: list[str], item: int, attendees: list[AttendeeMatch]
    ) -> list[AssigneeMatch]:
        line = self.item_line(item)
        # Only lines linked to a person (or to one to create) can be assigned work.
        linked = [index for index, match in enumerate(attendees) if match.label]
        listed = NameIndex(
            (index, self.parsed.attendees[index].name, self.other_names(attendees[index]))
            for index in linked
        )
        first_names: dict[str, list[int]] = {}
        for index in linked:
            for label in [self.parsed.attendees[index].name, *self.other_names(attendees[index])]:
                if label.split():
                    first_names.setdefault(fold(label.split()[0]), []).append(index)
        matches: list[AssigneeMatch] = []
        for written in written_names:
            match = self.assignee(written, line, listed, first_names, attendees)
            target = (match.attendee, match.person, match.organisation)
            if target == (None, None, None) or target not in [
                (m.attendee, m.person, m.organisation) for m in matches
            ]:
                matches.append(match)
        return matches

    @staticmethod
    def other_names(match: AttendeeMatch) -> list[str]:
        return [match.person.name, *match.person.alias_list] if match.person else []

    def assignee(
        self,
        written: str,
        line: int,
        listed: NameIndex[int],
        first_names: dict[str, list[int]],
        attendees: list[AttendeeMatch],
    ) -> AssigneeMatch:
        several = is_several_words(written)
        found = listed.find(written, similar=several)
        if found.obj is None and found.how != AMBIGUOUS and not several:
            indexes = list(dict.fromkeys(first_names.get(fold(written), [])))
            if len(indexes) == 1:
                found = Found(indexes[0], FIRST_NAME)
            elif len(indexes) > 1:
                found = Found(how=AMBIGUOUS, candidates=tuple(indexes))
        if found.obj is not None or found.how == AMBIGUOUS:
            self.warn(line, found_warning(written, found, lambda index: attendees[index].label))
            return AssigneeMatch(written, attendee=found.obj)
        organisation = self.organisations.find(written)
        if organisation.obj is not None or organisation.how == AMBIGUOUS:
            self.warn(line, found_warning(written, organisation, str))
            return AssigneeMatch(written, organisation=organisation.obj)
        person = self.people.find(written, similar=several)
        if person.obj is not None or person.how == AMBIGUOUS:
            self.warn(line, found_warning(written, person, str))
            return AssigneeMatch(written, person=person.obj)
        self.warn(
            line,
            _("‘%(name)s’ in an action item is not linked to a person or an organisation.")
            % {"name": written},
        )
        return AssigneeMatch(written)

    def item_line(self, item: int) -> int:
        items = self.parsed.items
        return items[item].line if 0 <= item < len(items) else 0

    def groups(self) -> dict[str, WorkingGroup]:
        slugs = {slug for item in self.parsed.items for slug in item.working_groups}
        groups = {g.slug: g for g in WorkingGroup.objects.filter(slug__in=slugs)}
        for item in self.parsed.items:
            for slug in item.working_groups:
                if slug not in groups:
                    self.warn(
                        item.line,
                        _("No working group has the slug ‘%(slug)s’: not linked.") % {"slug": slug},
                    )
        return groups


def protocol_match(*, parsed: ParsedProtocol) -> ProtocolMatch:
    """Who and what the protocol names, as far as the database knows them."""
    return _Matcher(parsed).run()
