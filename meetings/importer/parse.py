"""Read the text of a protocol into plain structures, without the database.

The network's protocols come from a word processor (plain text, lines wrapped at
about 100 characters) or are written in Markdown. Both have the same parts, in
this order:

1. a title line: the series and the date ("Gemensam ledningsgrupp 23 januari 2017");
2. an attendance list under "Närvarande" or "Fasta ledamöter", one person a line;
3. agenda items, each a heading followed by its text;
4. perhaps a closing "Vid pennan" with the note-taker's name.

Rules for agenda headings (what the seeds need, and why):

- Markdown: every "#" heading after the attendance list starts an item. The number
  of "#" does not fix the level, because the seeds mix "###" and "##" for items of
  the same rank. A heading is a sub-item (level 2) only when it is deeper than an
  item before it whose text is empty (like "## Övrigt" followed by "### Träning");
  it stays a sub-item until a heading as shallow as that item comes.
- Plain text: a heading is a line that starts a block (after a blank line), is at
  most 80 characters, starts with a capital letter, does not end with . , ; : or !,
  is not a list item or a web address, and is followed directly by its text (a
  line that does not start with a small letter, which would mean a wrapped line).
  A lone short line followed by a blank line and another heading is an item with
  no text ("Övrigt"); the items after an empty "Övrigt" are its sub-items. If no
  heading at all is followed directly by its text, the document puts a blank line
  after each heading, and every lone short line is a heading.

Rules for kinds, in this order: an item with a decision of the meeting ("Vi
beslutar att", "Gruppen bestämde", "Beslut:"; not "Pingstkyrkan tog beslutet") is
"decision", unless what it decides is to table the item; one that is tabled
("bordläggs", "tas upp vid nästa möte": carried over to the next meeting) is
"tabled"; a report (its title says "Rapport", "Information" or "Besök", or its
text "berättar" or "informerar") with no question, discussion word or action is
"information"; the rest are "discussion".

Bodies become Markdown: wrapped lines are joined, a short line followed by a line
that starts with a capital keeps its line break (as a backslash, CommonMark's hard
break), "•", "*" and "–" bullets become "- ", Word's "o" sub-bullets become nested
"  - ", numbered lists, links, bold text, tables and bare web addresses are kept.
"""

from __future__ import annotations

import codecs
import datetime
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import NamedTuple

from django.utils.translation import gettext as _

from meetings.importer.structures import (
    ParsedAction,
    ParsedAttendee,
    ParsedDecision,
    ParsedItem,
    ParsedProtocol,
    ProtocolError,
)

__all__ = ["ProtocolError", "decode_protocol", "parse_protocol", "protocol_to_json"]

_NO_GROUPS: Mapping[str, str] = MappingProxyType({})


class Line(NamedTuple):
    number: int  # 1-based, in the text given to parse_protocol
    text: str


# --------------------------------------------------------------------------- decoding

# More than this share of control characters means the file is not text.
_MAX_CONTROL_SHARE = 0.01


def decode_protocol(data: bytes, *, name: str) -> str:
    """Bytes of a protocol file as clean text, or a ProtocolError that names the file."""
    if not data.strip():
        raise ProtocolError(_("%(file)s is empty.") % {"file": name})
    # Newlines first: "\r" and "\f" are control characters too, but mean line breaks.
    text = _normalise_newlines(_decode_bytes(data, name=name))
    controls = sum(1 for char in text if _is_control(char))
    if controls > _MAX_CONTROL_SHARE * len(text):
        raise ProtocolError(
            _("%(file)s is not a text file (it has many control characters).") % {"file": name}
        )
    text = "".join(char for char in text if not _is_control(char))
    # Every line stays where it was, blank ones too, so that line numbers in messages
    # are the file's own; parse_protocol itself reads blank runs (page breaks) as one.
    lines = _clean_line_list(text)
    if not any(lines):
        raise ProtocolError(_("%(file)s is empty.") % {"file": name})
    return "\n".join(lines).rstrip("\n") + "\n"


def _decode_bytes(data: bytes, *, name: str) -> str:
    unreadable = _("%(file)s is neither UTF-8 nor Windows-1252 text; save it as UTF-8 text.") % {
        "file": name
    }
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        # Word's "Unicode text" is UTF-16 with a byte order mark: nothing else starts so.
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as error:
            raise ProtocolError(unreadable) from error
    if b"\x00" in data:
        raise ProtocolError(
            _("%(file)s is not a text file (it looks like a binary file).") % {"file": name}
        )
    try:
        # "utf-8-sig" also removes the byte order mark that Windows editors add.
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError as error:
        raise ProtocolError(unreadable) from error


def _is_control(char: str) -> bool:
    return char not in "\n\t" and unicodedata.category(char) == "Cc"


def _normalise_newlines(text: str) -> str:
    # A form feed is a page break from the word processor: keep it as a line break.
    for newline in ("\r\n", "\r", "\f", "\v", "\u2028", "\u2029", "\x85"):
        text = text.replace(newline, "\n")
    return text


def _clean_line_list(text: str) -> list[str]:
    # NFC so that "ä" typed on a Mac (a + combining dots) matches "Närvarande";
    # no-break spaces from the word processor become plain spaces.
    text = unicodedata.normalize("NFC", _normalise_newlines(text)).replace("\xa0", " ")
    return [line.expandtabs(4).rstrip() for line in text.split("\n")]


def _collapse_blank_line_runs(lines: list[Line]) -> list[Line]:
    """Page breaks (three or more blank lines) read as one blank line; numbers are kept."""
    result: list[Line] = []
    run: list[Line] = []
    for line in lines:
        if not line.text:
            run.append(line)
            continue
        result.extend(run[:1] if len(run) >= 3 else run)
        run = []
        result.append(line)
    return result


# --------------------------------------------------------------------------- the title

_MONTHS = {
    "januari": 1,
    "jan": 1,
    "februari": 2,
    "feb": 2,
    "mars": 3,
    "mar": 3,
    "april": 4,
    "apr": 4,
    "maj": 5,
    "juni": 6,
    "jun": 6,
    "juli": 7,
    "jul": 7,
    "augusti": 8,
    "aug": 8,
    "september": 9,
    "sept": 9,
    "sep": 9,
    "oktober": 10,
    "okt": 10,
    "november": 11,
    "nov": 11,
    "december": 12,
    "dec": 12,
}
_MONTH_NAMES = "|".join(sorted(_MONTHS, key=len, reverse=True))
_WEEKDAYS = "måndag|tisdag|onsdag|torsdag|fredag|lördag|söndag"
# "måndag den 23 januari 2017", "23 januari 2017", "9 mars", "23 jan. 2017"
_DATE_RE = re.compile(
    rf"(?:\b(?:{_WEEKDAYS})(?:en)?\s+)?(?:\bden\s+)?"
    rf"\b(?P<day>\d{{1,2}})(?::[ae])?\s+(?P<month>{_MONTH_NAMES})\b\.?"
    rf"(?:\s+(?P<year>\d{{4}})\b)?",
    re.IGNORECASE,
)
_ISO_DATE_RE = re.compile(r"\b(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})\b")
_MD_HEADING_RE = re.compile(r"^(?P<hashes>#{1,6})\s+(?P<text>.*?)(?:\s+#+)?\s*$")


def _strip_heading_markup(text: str) -> str:
    """The words of a heading: no "#", no bold markers around it, no "§ 3" numbering."""
    match = _MD_HEADING_RE.match(text)
    if match:
        text = match["text"]
    text = text.strip()
    for marker in ("**", "__"):
        if text.startswith(marker) and text.endswith(marker) and len(text) > 4:
            text = text[2:-2].strip()
    return re.sub(r"^(?:§\s*\d+|\d+\.)\s+", "", text)


def _parse_title(line: Line, year: int | None, warnings: list[str]) -> tuple[str, datetime.date]:
    """The series name and the date in the title line."""
    title = _strip_heading_markup(line.text)
    found = list(_DATE_RE.finditer(title)) or list(_ISO_DATE_RE.finditer(title))
    if not found:
        raise ProtocolError(
            _('the title "%(title)s" has no date; write it like "23 januari 2017"')
            % {"title": title},
            line=line.number,
        )
    match = found[-1]  # the date ends the title; an earlier one is part of the name
    month_text = match["month"]
    month = int(month_text) if month_text.isdigit() else _MONTHS[month_text.lower()]
    if match["year"]:
        written_year = int(match["year"])
        if year is not None and year != written_year:
            warnings.append(
                _(
                    "The title says %(written)s but the year %(given)s was given; the year in the title is used."
                )
                % {"written": written_year, "given": year}
            )
    elif year is None:
        raise ProtocolError(_("the title has no year; give --year"), line=line.number)
    else:
        written_year = year
    try:
        date = datetime.date(written_year, month, int(match["day"]))
    except ValueError as error:
        raise ProtocolError(
            _('the date "%(date)s" in the title does not exist') % {"date": match[0].strip()},
            line=line.number,
        ) from error
    before, after = (_title_part(part) for part in (title[: match.start()], title[match.end() :]))
    if before and after:
        warnings.append(
            _('The title goes on after the date ("%(rest)s"); that part was not imported.')
            % {"rest": after}
        )
    series = _PROTOCOL_WORD_RE.sub("", before or after)
    if not series:
        warnings.append(_("The title has a date but no name of a meeting series."))
    return series, date


# "Protokoll från Gemensam ledningsgrupp": the series is what follows.
_PROTOCOL_WORD_RE = re.compile(
    r"^(?:protokoll|minnesanteckningar|anteckningar)(?:\s+(?:från|för|vid))?(?:[\s,:–—-]+|$)",
    re.IGNORECASE,
)


def _title_part(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip(" ,;:–—-|")


# --------------------------------------------------------------------------- attendance

_ATTENDANCE_HEADINGS = {
    "närvarande": ("present", []),
    "deltagare": ("present", []),
    "fasta ledamöter": ("present", []),
    "ej närvarande": ("absent", []),
    "frånvarande": ("absent", []),
    "anmält förhinder": ("excused", []),
    "förhinder": ("excused", []),
    "övriga närvarande": ("present", ["guest"]),
    "gäster": ("present", ["guest"]),
    "adjungerade": ("present", ["guest"]),
}
# The first list must be one of these; the others may follow it.
_FIRST_ATTENDANCE_HEADINGS = ("närvarande", "deltagare", "fasta ledamöter")

# Words in brackets (or after the last comma) that say something about the person,
# not about the organisation: they are removed from the organisation text.
_STATUS_MARKERS = {
    "ej närvarande": "absent",
    "inte närvarande": "absent",
    "frånvarande": "absent",
    "förhinder": "excused",
    "anmält förhinder": "excused",
}
_ROLE_MARKERS = {
    "antecknar": "note_taker",
    "antecknare": "note_taker",
    "vid pennan": "note_taker",
    "sekreterare": "note_taker",
    "protokollförare": "note_taker",
    "ordförande": "chair",
    "ordf": "chair",
    "justerare": "approver",
    "justerar": "approver",
    "gäst": "guest",
}
_LIST_MARKER_RE = re.compile(r"^\s*(?:[-*+•·●▪◦–]|\d{1,3}[.)])\s+")
_NAME_PARTICLES = {"af", "av", "von", "van", "der", "den", "de", "la", "le", "da", "di", "du"}


def _attendance_heading(text: str) -> str | None:
    """The lower-case heading if the line is one of the attendance headings."""
    words = " ".join(_strip_heading_markup(text).strip("*_: ").lower().split())
    return words if words in _ATTENDANCE_HEADINGS else None


def _looks_like_name(text: str) -> bool:
    """One to five words, each capitalised (or a particle such as "von")."""
    words = text.split()
    if not 1 <= len(words) <= 5:
        return False
    for position, word in enumerate(words):
        if position and word.lower() in _NAME_PARTICLES:
            continue
        if not word[0].isupper() or not all(c.isalnum() or c in "-'’./" for c in word):
            return False
    return True


@dataclass
class _AttendeeLine:
    name: str
    organisation: str
    status: str | None = None
    roles: list[str] = field(default_factory=list)


def _split_attendee(text: str) -> _AttendeeLine:
    """Split "Name, Organisation (marker)" and take the markers out."""
    text = _LIST_MARKER_RE.sub("", text)
    status: str | None = None
    roles: list[str] = []

    def take_marker(words: str) -> bool:
        nonlocal status
        key = " ".join(words.lower().strip(" .").split())
        if key in _STATUS_MARKERS:
            status = _STATUS_MARKERS[key]
            return True
        if key in _ROLE_MARKERS:
            if _ROLE_MARKERS[key] not in roles:
                roles.append(_ROLE_MARKERS[key])
            return True
        return False

    text = re.sub(r"\s*\(([^()]*)\)", lambda m: "" if take_marker(m[1]) else m[0], text)
    name, _comma, organisation = (part.strip() for part in text.partition(","))
    # "Ivan Kuzhicov, Vorta Drom, ej närvarande": a marker written as the last part
    head, comma, last = organisation.rpartition(",")
    if comma and take_marker(last):
        organisation = head.strip()
    elif not comma and organisation and take_marker(organisation):
        organisation = ""
    return _AttendeeLine(" ".join(name.split()), " ".join(organisation.split()), status, roles)


def _is_clear_attendee(text: str) -> bool:
    """Surely an attendance line, used to go on reading the list after a blank line."""
    parsed = _split_attendee(text)
    if not _looks_like_name(parsed.name) or parsed.organisation.endswith((".", "?", "!")):
        return False
    return bool(parsed.organisation) or len(parsed.name.split()) >= 2


def _read_attendance(
    lines: list[Line], start: int, heading: str, warnings: list[str]
) -> tuple[list[ParsedAttendee], int]:
    """The attendees listed under ``heading`` at ``start``; and the index after the list."""
    attendees: list[ParsedAttendee] = []
    status, roles = _ATTENDANCE_HEADINGS[heading]
    index = start + 1
    while index < len(lines) and not lines[index].text:
        index += 1
    while index < len(lines):
        line = lines[index]
        if not line.text:
            following = _next_non_blank(lines, index)
            if following is None:
                break
            next_heading = _attendance_heading(lines[following].text)
            if next_heading and next_heading not in _FIRST_ATTENDANCE_HEADINGS:
                index = following
                continue
            block = _block_from(lines, following)
            if any(_MD_HEADING_RE.match(b.text) or not _is_clear_attendee(b.text) for b in block):
                break
            index = following
            continue
        other = _attendance_heading(line.text)
        if other and other not in _FIRST_ATTENDANCE_HEADINGS:
            status, roles = _ATTENDANCE_HEADINGS[other]
            index += 1
            continue
        if _MD_HEADING_RE.match(line.text):
            break
        attendees.append(_attendee_from_line(line, status, roles, warnings))
        index += 1
    _warn_about_duplicates(attendees, warnings)
    return attendees, index


def _attendee_from_line(
    line: Line, status: str, roles: list[str], warnings: list[str]
) -> ParsedAttendee:
    parsed = _split_attendee(line.text)
    if not _looks_like_name(parsed.name):
        warnings.append(
            _(
                'Line %(line)d of the attendance list does not look like "Name, Organisation": '
                '"%(text)s". Check the name.'
            )
            % {"line": line.number, "text": line.text.strip()}
        )
    elif len(parsed.name.split()) == 1 and not parsed.organisation:
        warnings.append(
            _(
                'Line %(line)d of the attendance list has only one word, "%(name)s". '
                "Check that it is a person's name."
            )
            % {"line": line.number, "name": parsed.name}
        )
    all_roles = list(roles) + [role for role in parsed.roles if role not in roles]
    return ParsedAttendee(
        name=parsed.name,
        organisation=parsed.organisation,
        status=parsed.status or status,
        roles=all_roles,
        line=line.number,
    )


def _warn_about_duplicates(attendees: list[ParsedAttendee], warnings: list[str]) -> None:
    seen: dict[str, ParsedAttendee] = {}
    for attendee in attendees:
        key = attendee.name.casefold()
        if key in seen:
            warnings.append(
                _('"%(name)s" is in the attendance list twice (lines %(first)d and %(second)d).')
                % {"name": attendee.name, "first": seen[key].line, "second": attendee.line}
            )
        else:
            seen[key] = attendee


def _next_non_blank(lines: list[Line], index: int) -> int | None:
    for later in range(index, len(lines)):
        if lines[later].text:
            return later
    return None


def _block_from(lines: list[Line], index: int) -> list[Line]:
    """The lines from ``index`` up to the next blank line."""
    block = []
    for line in lines[index:]:
        if not line.text:
            break
        block.append(line)
    return block


# --------------------------------------------------------------------------- signatures

# "Vid pennan", "Vid pennan / Pernilla", "Antecknat av: Pernilla Kvist", "Justeras: Ia Jonsson"
_SIGNATURE_RE = re.compile(
    r"^(?:#{1,6}\s+)?(?:\*\*)?(?P<label>vid\s+pennan|antecknat\s+av|antecknare|sekreterare"
    r"|protokollförare|justeras|justerare|justerat\s+av|justerat)(?:\*\*)?"
    r"\s*(?:[:/,–—-]\s*(?P<name>.*?))?\s*$",
    re.IGNORECASE,
)
_APPROVER_LABELS = ("justeras", "justerare", "justerat av", "justerat")


def _read_signatures(lines: list[Line], protocol: ParsedProtocol) -> set[int]:
    """Find closing signatures, give their people the role; return the lines they use."""
    used: set[int] = set()
    for index, line in enumerate(lines):
        match = _SIGNATURE_RE.match(line.text)
        if not match:
            continue
        name = (match["name"] or "").strip()
        name_index = index
        if not name:
            following = _next_non_blank(lines, index + 1)
            if following is None or following - index > 2:
                continue
            name = lines[following].text.strip()
            name_index = following
        # "Pernilla Kvist, 24 januari 2017": the name is what comes before a comma
        name = " ".join(name.split(",")[0].strip("*_ ").split())
        if not _looks_like_name(name):
            continue  # "Sekreterare" followed by a sentence is ordinary text
        used.update({index, name_index})
        label = " ".join(match["label"].split())
        if label.lower() in _APPROVER_LABELS:
            _give_role(protocol, name, "approver", line.number)
        else:
            protocol.signature = f"{label} {name}"
            _give_role(protocol, name, "note_taker", line.number)
    return used


def _give_role(protocol: ParsedProtocol, name: str, role: str, number: int) -> None:
    """Add the role to the attendee with this full name, or with this first name."""
    what = _("note-taker") if role == "note_taker" else _("approver")
    key = name.casefold()
    matches = [a for a in protocol.attendees if a.name.casefold() == key]
    if not matches and len(name.split()) == 1:
        matches = [a for a in protocol.attendees if a.name.split()[:1] == [name]]
    if len(matches) == 1:
        if role not in matches[0].roles:
            matches[0].roles.append(role)
        return
    if not matches:
        protocol.warnings.append(
            _(
                'Line %(line)d: the %(role)s "%(name)s" is not in the attendance list. '
                "Add the role to the right person by hand."
            )
            % {"line": number, "role": what, "name": name}
        )
    else:
        names = _(" or ").join(f'"{a.name}"' for a in matches)
        protocol.warnings.append(
            _(
                'Line %(line)d: the %(role)s "%(name)s" could be %(names)s. '
                "Add the role to the right person by hand."
            )
            % {"line": number, "role": what, "name": name, "names": names}
        )


# --------------------------------------------------------------------------- item headings


@dataclass
class _RawItem:
    title: str
    line: int
    depth: int  # number of "#" in Markdown; 0 in plain text
    body: list[Line] = field(default_factory=list)
    level: int = 1


_URL_RE = re.compile(r"^<?(?:https?://|www\.)\S+>?$", re.IGNORECASE)
_BULLET_RE = re.compile(
    r"^(?P<indent>\s*)(?:(?P<bullet>[-*+•·●▪◦–])|(?P<number>\d{1,3}[.)]))\s+(?P<text>.*)$"
)
_PLAIN_SUB_BULLET_RE = re.compile(r"^(?P<indent>\s*)o\s+(?P<text>\S.*)$")
_MAX_HEADING_LENGTH = 80
_OTHER_BUSINESS = {"övrigt", "övriga frågor", "övriga punkter"}


def _split_markdown_items(lines: list[Line]) -> tuple[list[_RawItem], list[Line]]:
    """Items at "#" headings; and the lines before the first one."""
    items: list[_RawItem] = []
    before: list[Line] = []
    for line in lines:
        match = _MD_HEADING_RE.match(line.text)
        if match:
            items.append(
                _RawItem(_strip_heading_markup(line.text), line.number, len(match["hashes"]))
            )
        elif items:
            items[-1].body.append(line)
        elif line.text:
            before.append(line)
    _set_markdown_levels(items)
    return items, before


def _set_markdown_levels(items: list[_RawItem]) -> None:
    parent_depth: int | None = None  # depth of the empty item whose sub-items we are in
    for item in items:
        if parent_depth is not None and item.depth > parent_depth:
            item.level = 2
            continue
        parent_depth = item.depth if not _has_text(item.body) else None


def _split_plain_items(
    lines: list[Line], *, loose: bool = False
) -> tuple[list[_RawItem], list[Line]]:
    """Items at plain-text headings (see the module's docstring); and the lines before.

    If no heading is followed directly by its text, the document puts a blank line
    after each heading: then every lone short line is a heading (``loose``).
    """
    items: list[_RawItem] = []
    before: list[Line] = []
    for index, line in enumerate(lines):
        if _is_plain_heading(lines, index, loose=loose):
            items.append(_RawItem(_strip_heading_markup(line.text), line.number, 0))
        elif items:
            items[-1].body.append(line)
        elif line.text:
            before.append(line)
    in_other_business = False
    for item in items:
        if in_other_business:
            item.level = 2
        elif item.title.lower().rstrip(":") in _OTHER_BUSINESS and not _has_text(item.body):
            in_other_business = True
    if not items and not loose:
        return _split_plain_items(lines, loose=True)
    return items, before


def _could_be_plain_heading(text: str) -> bool:
    text = text.strip()
    return (
        0 < len(text) <= _MAX_HEADING_LENGTH
        and (text[0].isupper() or text[0] == "§")
        and not text.endswith((".", ",", ";", ":", "!"))
        and not _BULLET_RE.match(text)
        and not _URL_RE.match(text)
    )


def _is_plain_heading(lines: list[Line], index: int, *, loose: bool = False) -> bool:
    if loose:
        return _is_lone_heading(lines, index) and _next_non_blank(lines, index + 1) is not None
    if _heads_text(lines, index):
        return True
    # A lone line before a heading is an item without text, like "Övrigt".
    following = _next_non_blank(lines, index + 1)
    return (
        _is_lone_heading(lines, index) and following is not None and _heads_text(lines, following)
    )


def _heads_text(lines: list[Line], index: int) -> bool:
    """A heading-like line that starts a block and is directly followed by its text."""
    if (
        not _opens_block_like_a_heading(lines, index)
        or index + 1 >= len(lines)
        or not lines[index + 1].text
    ):
        return False
    # A small letter on the next line means this line was wrapped: it is a paragraph.
    return not lines[index + 1].text.lstrip()[0].islower()


def _is_lone_heading(lines: list[Line], index: int) -> bool:
    """A heading-like line with blank lines before and after it."""
    return _opens_block_like_a_heading(lines, index) and (
        index + 1 >= len(lines) or not lines[index + 1].text
    )


def _opens_block_like_a_heading(lines: list[Line], index: int) -> bool:
    return (
        bool(lines[index].text)
        and (index == 0 or not lines[index - 1].text)
        and _could_be_plain_heading(lines[index].text)
    )


def _has_text(body: list[Line]) -> bool:
    return any(line.text for line in body)


# --------------------------------------------------------------------------- bodies


@dataclass
class _ListEntry:
    level: int
    marker: str  # "-" or "1." as written
    text: str


@dataclass
class _Block:
    kind: str  # "paragraph" | "list" | "url" | "verbatim"
    lines: list[str] = field(default_factory=list)  # paragraph lines, the URL, table rows
    entries: list[_ListEntry] = field(default_factory=list)


@dataclass
class _Body:
    markdown: str
    texts: list[str]  # each paragraph and list entry as one line, to find sentences in


# A line of a wrapped paragraph is at least this long; a shorter line followed by
# one that starts with a capital is a deliberate line break ("13 februari / 13 mars").
_MIN_WRAPPED_LENGTH = 50
_SENTENCE_END = (".", "!", "?", ":", ")", '"', "”")


def _body_to_markdown(lines: list[Line], *, plain: bool) -> _Body:
    """The item text as Markdown: lists normalised, wrapped lines joined."""
    blocks: list[_Block] = []
    after_blank = False
    for line in lines:
        text = line.text
        if not text.strip():
            after_blank = True
            continue
        current = blocks[-1] if blocks else None
        entry = _list_entry(text, plain=plain)
        if entry is not None:
            if current is None or current.kind != "list":
                current = _Block("list")
                blocks.append(current)
            current.entries.append(entry)
        elif _URL_RE.match(text.strip()):
            blocks.append(_Block("url", lines=[text.strip()]))
        elif not plain and text.lstrip().startswith(("|", ">")):
            # Markdown tables and quotes are kept line by line, as written.
            if current is None or current.kind != "verbatim" or after_blank:
                current = _Block("verbatim")
                blocks.append(current)
            current.lines.append(text)
        elif current is not None and _continues(current, text, after_blank, plain=plain):
            _append_continuation(current, text.strip())
        else:
            blocks.append(_Block("paragraph", lines=[text.strip()]))
        after_blank = False
    return _Body(
        markdown="\n\n".join(_render_block(block) for block in blocks),
        texts=[text for block in blocks for text in _block_texts(block)],
    )


def _list_entry(text: str, *, plain: bool) -> _ListEntry | None:
    match = _BULLET_RE.match(text)
    sub = _PLAIN_SUB_BULLET_RE.match(text) if plain else None
    if match is None and sub is None:
        return None
    if match is None:
        # Word's plain text writes second-level bullets as "o".
        return _ListEntry(max(1, len(sub["indent"]) // 2), "-", sub["text"].strip())
    level = len(match["indent"]) // 2
    content = match["text"].strip()
    if match["bullet"] and content.startswith("o "):
        # "- o Okunskap": a Word sub-bullet pasted into a Markdown list
        content = content[2:].strip()
        level = max(level, 1)
    marker = match["number"] or "-"
    return _ListEntry(level, marker, content)


def _continues(block: _Block, text: str, after_blank: bool, *, plain: bool) -> bool:
    """Does this line go on the last paragraph or list entry?"""
    if block.kind in ("url", "verbatim"):
        return False
    if not after_blank:
        return True
    # A page break in plain text can split a sentence: "innebär för" / "" / "parterna."
    last = block.entries[-1].text if block.kind == "list" else block.lines[-1]
    return plain and text.lstrip()[0].islower() and not last.endswith(_SENTENCE_END)


def _append_continuation(block: _Block, text: str) -> None:
    if block.kind == "list":
        block.entries[-1].text += " " + text
    else:
        block.lines.append(text)


def _render_block(block: _Block) -> str:
    if block.kind in ("url", "verbatim"):
        return "\n".join(block.lines)
    if block.kind == "paragraph":
        return _join_paragraph(block.lines)
    rendered = []
    widths: list[int] = []  # marker width of the last entry at each level
    for entry in block.entries:
        level = min(entry.level, len(widths))  # a list cannot skip a level
        indent = sum(widths[:level])
        widths = widths[:level] + [len(entry.marker) + 1]
        rendered.append(" " * indent + f"{entry.marker} {entry.text}")
    return "\n".join(rendered)


def _join_paragraph(lines: list[str]) -> str:
    joined = lines[0]
    for previous, line in zip(lines, lines[1:], strict=False):
        wrapped = len(previous) >= _MIN_WRAPPED_LENGTH or line[0].islower()
        # A backslash is CommonMark's visible hard line break; trailing spaces would
        # be stripped by editors (and by decode_protocol).
        joined += (" " if wrapped else "\\\n") + line
    return joined


def _block_texts(block: _Block) -> list[str]:
    if block.kind == "paragraph":
        return [" ".join(block.lines)]
    if block.kind == "list":
        return [entry.text for entry in block.entries]
    return []


# --------------------------------------------------------------------------- sentences

_ABBREVIATIONS = ("t.ex.", "bl.a.", "m.m.", "m.fl.", "osv.", "o.s.v.", "dvs.", "d.v.s.", "kl.")
_ABBREVIATIONS += ("ca.", "nr.", "s.k.", "p.g.a.", "fr.o.m.", "t.o.m.", "jan.", "feb.", "okt.")
# After . ! or ? (perhaps closed by a quote or a bracket), before a capital or a digit
_SENTENCE_SPLIT_RE = re.compile(r"(?:(?<=[.!?])|(?<=[.!?][\"”)]))\s+(?=[\"“”(]?[A-ZÅÄÖÉÜ0-9])")


def _sentences(text: str) -> list[str]:
    text = text.replace("**", "").replace("__", "")
    parts: list[str] = []
    for part in _SENTENCE_SPLIT_RE.split(text):
        if parts and parts[-1].lower().endswith(_ABBREVIATIONS):
            parts[-1] += " " + part
        else:
            parts.append(part)
    return [part.strip() for part in parts if part.strip()]


# --------------------------------------------------------------------------- kinds

_MEETING_SUBJECT = r"(?:vi|\w*grupp(?:en)?|mötet)"
_DECIDING_VERB = r"(?:beslutar|beslutade|beslöt|bestämmer|bestämde|enades|enas|kom\s+överens)"
_DECISION_RE = re.compile(
    rf"\b{_MEETING_SUBJECT}\s+(?:har\s+)?(?:beslutat|bestämt|{_DECIDING_VERB})\b"
    rf"|\b{_DECIDING_VERB}\s+{_MEETING_SUBJECT}\b"  # "Därför beslutar vi att ..."
    r"|\b(?:beslutades|beslöts|bestämdes)\b"
    r"|^beslut\s*:",
    re.IGNORECASE,
)
_TABLED_RE = re.compile(
    r"\bbordl(?:ägg|ad|ag)\w*"
    r"|\b(?:tas|tar\s+vi)\s+upp\s+(?:igen\s+)?(?:vid|på|till)\s+nästa\s+(?:möte|gång)"
    r"|\bskjuts\s+(?:upp\s+)?till\s+nästa\s+(?:möte|gång)",
    re.IGNORECASE,
)
_REPORT_TITLE_RE = re.compile(
    r"\b(?:\w*rapport\w*|information|info|besök|presentation)\b", re.IGNORECASE
)
_REPORT_TEXT_RE = re.compile(
    r"\b(?:berättar|informerar|presenterar|rapporterar|redogör)\b", re.IGNORECASE
)
_DISCUSSION_RE = re.compile(
    r"\?|\b(?:diskuter\w*|anser|menar|tycker|föreslår|förslag\w*|synpunkter)\b", re.IGNORECASE
)


def _kind(title: str, body: _Body, decisions: list[str], has_action: bool) -> str:
    text = " ".join([title, *body.texts])
    # "Vi beslutar att bordlägga frågan" tables the item rather than deciding it.
    if any(not _TABLED_RE.search(decision) for decision in decisions):
        return "decision"
    if _TABLED_RE.search(text):
        return "tabled"
    reported = _REPORT_TITLE_RE.search(title) or _REPORT_TEXT_RE.search(text)
    if reported and not has_action and not _DISCUSSION_RE.search(" ".join(body.texts)):
        return "information"
    return "discussion"


# --------------------------------------------------------------------------- actions

# Phrases that give someone work. In Swedish the verb comes second, so after a
# word like "Därför" the subject follows the first verb: "Därför lovar Ia att ...".
_ACTION_PHRASES = (
    ("lovar", "att"),
    ("lovade", "att"),
    ("jobbar", "vidare med"),
    ("arbetar", "vidare med"),
    ("tittar", "vidare på"),
    ("ska", "ta upp"),
    ("ska", "ta fram"),
    ("tar", "fram"),
    ("ska", "kolla upp"),
    ("kollar", "upp"),
    ("ska", "undersöka"),
    ("undersöker", ""),
    ("återkommer", "med"),
    ("ansvarar", "för"),
    ("tar", "kontakt med"),
    ("ska", "kontakta"),
    ("kontaktar", ""),
    ("bjuder", "in"),
    ("ska", "bjuda in"),
    ("sammankallar", ""),
    ("ska", "sammankalla"),
    ("har", "fått i uppdrag att"),
    ("får", "i uppdrag att"),
    ("fick", "i uppdrag att"),
)
_NAME_WORD = r"[A-ZÅÄÖÉÜ][\w'’./-]*"
_NAME_RUN = rf"{_NAME_WORD}(?:(?:\s*,\s*|\s+och\s+|\s+samt\s+|\s*&\s*|\s+){_NAME_WORD})*"


def _words(phrase: str) -> str:
    """A phrase as a pattern that allows any space between its words."""
    return r"\s+".join(phrase.split())


_STRAIGHT_ACTION_RE = re.compile(
    r"\b(?:"
    + "|".join(
        _words(f"{head} {tail}")
        for head, tail in sorted(_ACTION_PHRASES, key=lambda p: -len(p[0] + p[1]))
    )
    + r")\b",
    re.IGNORECASE,
)
# The whole group, or a pronoun: nobody in particular has the task.
_NOBODY = {"vi", "gruppen", "mötet", "ledningsgruppen", "utvecklingsgruppen", "alla", "man"}
_NOBODY |= {"jag", "ni", "de", "dom", "han", "hon", "någon", "vi alla"}
_PRONOUN = "|".join(sorted(_NOBODY, key=len, reverse=True))
_INVERTED_ACTION_RE = re.compile(
    r"\b(?:"
    + "|".join(
        rf"{head}\s+(?P<s{number}>{_NAME_RUN}|(?i:{_PRONOUN}))\s+{_words(tail)}"
        for number, (head, tail) in enumerate(_ACTION_PHRASES)
        if tail
    )
    + r")\b"
)
_DUE_NEXT_RE = re.compile(r"\bnästa\s+(?:möte|gång|sammanträde)", re.IGNORECASE)


def _find_action(sentence: str) -> str | None:
    """Who is given work in this sentence, as written ("" if nobody is named), or None."""
    straight = _STRAIGHT_ACTION_RE.search(sentence)
    if straight:
        return _subject_before(sentence[: straight.start()])
    inverted = _INVERTED_ACTION_RE.search(sentence)
    if inverted:
        return next(value for value in inverted.groupdict().values() if value)
    return None


def _subject_before(text: str) -> str:
    """The names (or pronoun) written just before the verb: "..., och Ia och Allan"."""
    words = text.replace(",", " , ").split()
    taken: list[str] = []
    for word in reversed(words):
        if re.fullmatch(_NAME_WORD, word) or word in {",", "och", "samt", "&"}:
            taken.insert(0, word)
        elif not taken and word.lower() in _NOBODY:
            taken.insert(0, word)
            break
        else:
            break
    while taken and taken[0] in {",", "och", "samt", "&"}:
        taken.pop(0)
    return " ".join(taken).replace(" ,", ",")


def _assignees(subject: str) -> list[str]:
    parts = re.split(r"\s*,\s*|\s+och\s+|\s+samt\s+|\s*&\s*", subject)
    return [part.strip() for part in parts if part.strip() and part.lower() not in _NOBODY]


# --------------------------------------------------------------------------- working groups


def _group_patterns(known_groups: Mapping[str, str]) -> list[tuple[re.Pattern[str], str]]:
    patterns = []
    for name, slug in known_groups.items():
        words = name.split()
        if words:
            body = r"\s+".join(re.escape(word) for word in words)
            patterns.append((re.compile(rf"(?<!\w){body}(?!\w)", re.IGNORECASE), slug))
    return patterns


def _groups_named(text: str, patterns: list[tuple[re.Pattern[str], str]]) -> list[str]:
    found: list[tuple[int, str]] = []
    for pattern, slug in patterns:
        match = pattern.search(text)
        if match:
            found.append((match.start(), slug))
    slugs: list[str] = []
    for _position, slug in sorted(found):
        if slug not in slugs:
            slugs.append(slug)
    return slugs


# --------------------------------------------------------------------------- the protocol


def parse_protocol(
    text: str, *, year: int | None = None, known_groups: Mapping[str, str] = _NO_GROUPS
) -> ParsedProtocol:
    """Read a protocol's text; raise ProtocolError if it cannot be read as one.

    ``year`` is used when the title has none. ``known_groups`` maps a lower-case
    name or alias of a working group to its slug. Line numbers in errors and
    warnings count the lines of ``text``.
    """
    numbered = [Line(number, line) for number, line in enumerate(_clean_line_list(text), start=1)]
    lines = _collapse_blank_line_runs(numbered)
    title_index = _next_non_blank(lines, 0)
    if title_index is None:
        raise ProtocolError(_("the text is empty"))
    warnings: list[str] = []
    series_name, date = _parse_title(lines[title_index], year, warnings)
    protocol = ParsedProtocol(
        title=_strip_heading_markup(lines[title_index].text),
        series_name=series_name,
        date=date,
        warnings=warnings,
    )
    rest = _read_attendance_section(lines, title_index, protocol)
    used = _read_signatures(rest, protocol)
    # Signature lines become blank, so that they neither join a paragraph nor start an item.
    rest = [Line(line.number, "") if i in used else line for i, line in enumerate(rest)]
    is_markdown = any(_MD_HEADING_RE.match(line.text) for line in lines)
    if is_markdown:
        raw_items, before = _split_markdown_items(rest)
    else:
        raw_items, before = _split_plain_items(rest)
    if before:
        first, last = before[0].number, before[-1].number
        message = (
            _('Line %(first)d comes before the first agenda item and was not imported: "%(text)s".')
            if first == last
            else _(
                'Lines %(first)d–%(last)d come before the first agenda item and were not imported: "%(text)s".'
            )
        )
        warnings.append(message % {"first": first, "last": last, "text": _shorten(before[0].text)})
    if not raw_items:
        warnings.append(_("No agenda items were found."))
    patterns = _group_patterns(known_groups)
    for index, raw in enumerate(raw_items):
        _add_item(protocol, index, raw, raw_items, plain=not is_markdown, patterns=patterns)
    return protocol


def _read_attendance_section(
    lines: list[Line], title_index: int, protocol: ParsedProtocol
) -> list[Line]:
    """Fill in the attendees; return the lines after the attendance list."""
    start = next(
        (
            index
            for index in range(title_index + 1, len(lines))
            if _attendance_heading(lines[index].text) in _FIRST_ATTENDANCE_HEADINGS
        ),
        None,
    )
    if start is None:
        raise ProtocolError(
            _(
                'there is no attendance list: write "Närvarande" or "Fasta ledamöter" on a line '
                "of its own after the title, then one person a line"
            )
        )
    skipped = [line for line in lines[title_index + 1 : start] if line.text]
    for line in skipped:
        protocol.warnings.append(
            _(
                'Line %(line)d, "%(text)s", comes between the title and the attendance list '
                "and was not imported."
            )
            % {"line": line.number, "text": _shorten(line.text)}
        )
    heading = _attendance_heading(lines[start].text) or "närvarande"
    protocol.standing_members_heading = heading == "fasta ledamöter"
    protocol.attendees, end = _read_attendance(lines, start, heading, protocol.warnings)
    if not protocol.attendees:
        raise ProtocolError(_("the attendance list is empty"), line=lines[start].number)
    return lines[end:]


def _add_item(
    protocol: ParsedProtocol,
    index: int,
    raw: _RawItem,
    raw_items: list[_RawItem],
    *,
    plain: bool,
    patterns: list[tuple[re.Pattern[str], str]],
) -> None:
    body = _body_to_markdown(_trim_blank_lines(raw.body), plain=plain)
    sentences = [sentence for text in body.texts for sentence in _sentences(text)]
    decisions = [s for s in sentences if _DECISION_RE.search(s)]
    actions = [(s, subject) for s in sentences if (subject := _find_action(s)) is not None]
    for sentence in decisions:
        protocol.decisions.append(ParsedDecision(text=sentence, item=index))
    for sentence, subject in actions:
        assignees = _assignees(subject)
        if not assignees:
            protocol.warnings.append(
                _(
                    'Item "%(title)s": "%(sentence)s" does not say who will do it. Add a person or an organisation.'
                )
                % {"title": raw.title, "sentence": sentence}
            )
        protocol.actions.append(
            ParsedAction(
                text=sentence,
                assignees=assignees,
                item=index,
                due_next_meeting=bool(_DUE_NEXT_RE.search(sentence)),
            )
        )
    has_sub_items = index + 1 < len(raw_items) and raw_items[index + 1].level > raw.level
    if not body.markdown and not has_sub_items:
        protocol.warnings.append(
            _('The item "%(title)s" (line %(line)d) has no text.')
            % {"title": raw.title, "line": raw.line}
        )
    protocol.items.append(
        ParsedItem(
            title=raw.title,
            body=body.markdown,
            kind=_kind(raw.title, body, decisions, bool(actions)),
            level=raw.level,
            working_groups=_groups_named(raw.title + "\n" + body.markdown, patterns),
            line=raw.line,
        )
    )


def _trim_blank_lines(lines: list[Line]) -> list[Line]:
    start = next((i for i, line in enumerate(lines) if line.text), len(lines))
    end = max((i + 1 for i, line in enumerate(lines) if line.text), default=start)
    return lines[start:end]


def _shorten(text: str, limit: int = 60) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


# --------------------------------------------------------------------------- JSON


def protocol_to_json(parsed: ParsedProtocol, *, file: str, series: str | None) -> dict:
    """The stable summary printed by the import command (``series`` is the matched slug)."""
    return {
        "file": file,
        "series": series,
        "date": parsed.date.isoformat(),
        "title": parsed.title,
        "attendees": [
            {
                "name": attendee.name,
                "organisation": attendee.organisation,
                "status": attendee.status,
                "roles": list(attendee.roles),
            }
            for attendee in parsed.attendees
        ],
        "agenda_items": [
            {"title": item.title, "kind": item.kind, "working_groups": list(item.working_groups)}
            for item in parsed.items
        ],
        "action_items": [
            {"text": action.text, "assignees": list(action.assignees)} for action in parsed.actions
        ],
        "warnings": list(parsed.warnings),
    }
