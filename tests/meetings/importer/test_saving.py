"""Saving a parsed protocol: one draft meeting, exactly as written, never twice."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone, translation

from meetings.importer.saving import ImportStatus, import_error_message, protocol_import
from meetings.importer.structures import (
    ParsedAction,
    ParsedAttendee,
    ParsedDecision,
    ParsedItem,
    ParsedProtocol,
    ProtocolError,
)
from meetings.models import ActionItem, AgendaItem, Attendance, Decision, Meeting
from organisations.models import Organisation
from people.models import Person
from tests.factories import MeetingFactory, UserFactory
from tests.meetings.importer.test_matching import make_network

pytestmark = pytest.mark.django_db

DATE = datetime.date(2017, 1, 23)


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def network():
    return make_network()


def parsed_protocol() -> ParsedProtocol:
    """The steering group of 23 January 2017, as the parser gives it."""
    return ParsedProtocol(
        title="Gemensam ledningsgrupp 23 januari 2017",
        series_name="Gemensam ledningsgrupp",
        date=DATE,
        standing_members_heading=True,
        attendees=[
            ParsedAttendee("Bo Pettersson", "Ria/G7", line=5),
            ParsedAttendee("Ivan Kuzhicov", "Vorta Drom", status="absent", line=6),
            ParsedAttendee("Per Norbeck", "Bryggan", line=7),
            ParsedAttendee("Ia Jonsson", "", line=8),
            ParsedAttendee("Allan Hedman", "socialförvaltningen", line=9),
            ParsedAttendee("Pernilla Kvist", "socialförvaltningen", roles=["note_taker"], line=10),
            ParsedAttendee("Anki Berg", "Pingstkyrkan", roles=["guest"], line=11),
        ],
        items=[
            ParsedItem("Lokaler", "Olika möten är på gång.", kind="information", line=14),
            ParsedItem(
                "Nationell spridning av Bättre hälsa för unga romer",
                "Denna punkt bordläggs tills nästa möte.",
                kind="tabled",
                line=20,
            ),
            ParsedItem(
                "Planering av nästa Gemensamma utvecklingsgrupp (13 februari)",
                "Gruppen beslutar att temat blir CurioCity.",
                kind="decision",
                line=24,
            ),
            ParsedItem(
                "Fritidsbank",
                "- Vi tar fram en enkel projektplan.",
                working_groups=["fritidsbank"],
                line=28,
            ),
            ParsedItem("Träning", "Martina lovar att kolla upp detta.", level=2, line=32),
        ],
        decisions=[ParsedDecision("Gruppen beslutar att temat blir CurioCity.", item=2)],
        actions=[
            ParsedAction("Ia och Allan jobbar vidare med frågan.", ["Ia", "Allan"], item=3),
            ParsedAction(
                "Arbetsmarknadsförvaltningen ska ta upp frågan.",
                ["Arbetsmarknadsförvaltningen"],
                item=3,
                due_next_meeting=True,
            ),
        ],
        signature="Vid pennan Pernilla Kvist",
    )


def counts() -> dict[str, int]:
    models = [Meeting, Attendance, AgendaItem, Decision, ActionItem, Person, Organisation]
    return {model.__name__: model.objects.count() for model in models}


def test_it_creates_a_draft_meeting_with_everything_the_protocol_says(network):
    before = counts()
    user = UserFactory(is_staff=True)

    result = protocol_import(
        parsed=parsed_protocol(), series=network.lg, file_name="lg.txt", by=user
    )

    assert result.status == ImportStatus.CREATED
    meeting = result.meeting
    assert (meeting.series, meeting.date) == (network.lg, DATE)
    assert meeting.status == Meeting.Status.HELD
    assert meeting.protocol_state == Meeting.ProtocolState.DRAFT
    assert meeting.note_taker_signature == "Vid pennan Pernilla Kvist"
    after = counts()
    assert {name: after[name] - before[name] for name in after} == {
        "Meeting": 1,
        "Attendance": 7,
        "AgendaItem": 5,
        "Decision": 1,
        "ActionItem": 2,
        "Person": 3,  # Per Norbeck, Ia Jonsson and Anki Berg
        "Organisation": 1,  # Pingstkyrkan
    }
    assert meeting.history.first().history_user == user


def test_attendance_keeps_the_lines_exactly_as_written(network):
    meeting = protocol_import(
        parsed=parsed_protocol(), series=network.lg, file_name="lg.txt"
    ).meeting

    rows = list(meeting.attendances.order_by("order"))
    assert [(a.name_as_written, a.affiliation_as_written) for a in rows] == [
        ("Bo Pettersson", "Ria/G7"),
        ("Ivan Kuzhicov", "Vorta Drom"),
        ("Per Norbeck", "Bryggan"),
        ("Ia Jonsson", ""),
        ("Allan Hedman", "socialförvaltningen"),
        ("Pernilla Kvist", "socialförvaltningen"),
        ("Anki Berg", "Pingstkyrkan"),
    ]
    ivan = rows[1]
    assert ivan.person == network.ivan  # similar spelling, linked
    assert ivan.status == Attendance.Status.ABSENT
    assert set(rows[0].organisations.all()) == {network.ria, network.g7}
    assert list(rows[2].organisations.all()) == [network.bryggan]
    assert all(row.is_standing_member for row in rows)
    assert [row.name_as_written for row in rows if row.is_note_taker] == ["Pernilla Kvist"]
    assert [row.name_as_written for row in rows if row.is_guest] == ["Anki Berg"]


def test_new_people_and_organisations_are_flagged_as_created_by_import(network):
    result = protocol_import(parsed=parsed_protocol(), series=network.lg, file_name="lg.txt")

    assert sorted(p.name for p in Person.objects.filter(created_by_import=True)) == [
        "Anki Berg",
        "Ia Jonsson",
        "Per Norbeck",
    ]
    pingstkyrkan = Organisation.objects.get(created_by_import=True)
    assert (pingstkyrkan.name, pingstkyrkan.slug) == ("Pingstkyrkan", "pingstkyrkan")
    assert pingstkyrkan.kind == Organisation.Kind.OTHER
    assert not Person.objects.filter(created_by_import=False, name="Ia Jonsson").exists()
    assert {p.name for p in result.created_people} == {"Anki Berg", "Ia Jonsson", "Per Norbeck"}
    assert not Person.objects.filter(created_by_import=True, name="Bo Pettersson").exists()
    anki = result.meeting.attendances.get(name_as_written="Anki Berg")
    assert list(anki.organisations.all()) == [pingstkyrkan]


def test_items_decisions_and_action_items_are_linked(network):
    meeting = protocol_import(
        parsed=parsed_protocol(), series=network.lg, file_name="lg.txt"
    ).meeting

    items = list(meeting.agenda_items.order_by("order"))
    assert [(i.order, i.kind, i.level) for i in items] == [
        (1, "information", 1),
        (2, "tabled", 1),
        (3, "decision", 1),
        (4, "discussion", 1),
        (5, "discussion", 2),
    ]
    assert items[0].title == "Lokaler"
    assert list(items[3].working_groups.all()) == [network.fritidsbank]
    decision = meeting.decisions.get()
    assert decision.agenda_item == items[2]
    work, amf = meeting.action_items.order_by("pk")
    assert work.agenda_item == items[3]
    assert work.assignees_as_written == "Ia, Allan"
    assert {p.name for p in work.assigned_people.all()} == {"Ia Jonsson", "Allan Hedman"}
    assert not work.due_next_meeting
    assert list(amf.assigned_organisations.all()) == [network.amf]
    assert amf.due_next_meeting


def test_importing_the_same_protocol_again_writes_nothing(network):
    first = protocol_import(parsed=parsed_protocol(), series=network.lg, file_name="lg.txt")
    before = counts()

    again = protocol_import(parsed=parsed_protocol(), series=network.lg, file_name="lg.txt")

    assert again.status == ImportStatus.EXISTS
    assert again.meeting == first.meeting
    assert counts() == before
    assert "already has a meeting" in again.message


def test_replace_makes_a_draft_again_without_new_people(network):
    first = protocol_import(parsed=parsed_protocol(), series=network.lg, file_name="lg.txt")
    first.meeting.agenda_items.filter(order=1).update(title="Ändrad")
    before = counts()

    result = protocol_import(
        parsed=parsed_protocol(), series=network.lg, file_name="lg.txt", replace=True
    )

    assert result.status == ImportStatus.REPLACED
    assert not Meeting.objects.filter(pk=first.meeting.pk).exists()
    assert counts() == before  # the people and the organisation made the first time are reused
    assert result.meeting.agenda_items.get(order=1).title == "Lokaler"
    assert result.created_people == []


@pytest.mark.parametrize("state", ["approved", "published"])
def test_replace_never_touches_an_approved_or_published_protocol(network, state):
    existing = MeetingFactory(
        series=network.lg,
        date=DATE,
        protocol_state=state,
        published_at=timezone.now() if state == "published" else None,
    )
    before = counts()

    result = protocol_import(
        parsed=parsed_protocol(), series=network.lg, file_name="lg.txt", replace=True
    )

    assert result.status == ImportStatus.REFUSED
    assert result.failed
    assert result.meeting == existing
    assert counts() == before
    assert "it is never replaced" in result.message


def test_a_dry_run_writes_nothing(network):
    before = counts()

    result = protocol_import(
        parsed=parsed_protocol(), series=network.lg, file_name="lg.txt", dry_run=True
    )

    assert result.status == ImportStatus.WOULD_CREATE
    assert counts() == before
    assert result.meeting is None
    assert result.message.startswith("Would create a draft protocol for Ledningsgrupp")


def test_text_too_long_for_the_database_is_refused_with_its_line(network):
    parsed = parsed_protocol()
    parsed.items[1].title = "x" * 301
    before = counts()

    with pytest.raises(ProtocolError) as error:
        protocol_import(parsed=parsed, series=network.lg, file_name="lg.txt")

    assert error.value.line == 20
    assert counts() == before


def test_a_failure_half_way_writes_nothing(network, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(Decision, "save", broken)
    before = counts()

    with pytest.raises(RuntimeError):
        protocol_import(parsed=parsed_protocol(), series=network.lg, file_name="lg.txt")

    assert counts() == before


def test_an_error_message_names_the_file_and_the_line():
    assert (
        import_error_message("lg.txt", ProtocolError("No date in the title.", line=2))
        == "lg.txt, line 2: No date in the title."
    )
    assert import_error_message("lg.txt", ProtocolError("The file is empty.")) == (
        "lg.txt: The file is empty."
    )
