"""What the parser finds in a protocol: plain data, no database."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field


class ProtocolError(Exception):
    """The text cannot be read as a protocol; says why and, where it can, on which line."""

    def __init__(self, message: str, *, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}" if self.line else self.message


@dataclass
class ParsedAttendee:
    name: str  # exactly as written, e.g. "Ivan Kuzhicov"
    organisation: str  # the rest of the line as written, e.g. "Ria/Hela människan, G7"
    status: str = "present"  # "present" | "absent" | "excused"
    roles: list[str] = field(default_factory=list)  # e.g. ["note_taker"]
    line: int = 0


@dataclass
class ParsedItem:
    title: str
    body: str  # Markdown
    kind: str = "discussion"  # "information" | "discussion" | "decision" | "tabled"
    level: int = 1  # 2 for a sub-item (a "###" under "## Övrigt")
    working_groups: list[str] = field(default_factory=list)  # slugs of groups named in it
    line: int = 0


@dataclass
class ParsedDecision:
    text: str
    item: int  # index into ParsedProtocol.items


@dataclass
class ParsedAction:
    text: str  # the sentence that assigns the work
    assignees: list[str]  # names as written: "Martina Ekdahl", "Ia", "Arbetsmarknadsförvaltningen"
    item: int  # index into ParsedProtocol.items
    due_next_meeting: bool = False


@dataclass
class ParsedProtocol:
    title: str  # the title line as written
    series_name: str  # the series part of the title, e.g. "Gemensam ledningsgrupp"
    date: datetime.date
    attendees: list[ParsedAttendee] = field(default_factory=list)
    standing_members_heading: bool = False  # the list was headed "Fasta ledamöter"
    items: list[ParsedItem] = field(default_factory=list)
    decisions: list[ParsedDecision] = field(default_factory=list)
    actions: list[ParsedAction] = field(default_factory=list)
    signature: str = ""  # e.g. "Vid pennan Pernilla Kvist"
    warnings: list[str] = field(default_factory=list)
