"""The protocol parser: small texts written for the tests, and the three real protocols."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest

from meetings.importer.parse import decode_protocol, parse_protocol, protocol_to_json
from meetings.importer.structures import ParsedProtocol, ProtocolError

FIXTURES = Path(__file__).parent / "fixtures"
SEEDS = Path(__file__).resolve().parents[4] / "shared" / "seeds"
needs_seeds = pytest.mark.skipif(
    not SEEDS.is_dir(), reason="the real protocols (shared/seeds/) are not beside this clone"
)

# What the caller builds from the database: lower-case names and aliases to slugs.
GROUPS = {
    "fritidsbank": "fritidsbank",
    "fritidsbanken": "fritidsbank",
    "klarspråk": "klarsprak",
    "bättre hälsa för unga romer": "po-drom",
    "po drom": "po-drom",
    "digitalt utanförskap": "digitalt-utanforskap",
    "personlig representant": "personlig-representant",
    "samskapade tjänster": "samskapade-tjanster",
}


def read(path: Path, **options) -> ParsedProtocol:
    return parse_protocol(decode_protocol(path.read_bytes(), name=path.name), **options)


def fixture(name: str, **options) -> ParsedProtocol:
    return read(FIXTURES / name, **options)


def people(protocol: ParsedProtocol) -> list[tuple[str, str, str, list[str]]]:
    return [(a.name, a.organisation, a.status, a.roles) for a in protocol.attendees]


def items(protocol: ParsedProtocol) -> list[tuple[str, int, str]]:
    return [(item.title, item.level, item.kind) for item in protocol.items]


def actions(protocol: ParsedProtocol) -> list[tuple[str, list[str], str, bool]]:
    titles = [item.title for item in protocol.items]
    return [(a.text, a.assignees, titles[a.item], a.due_next_meeting) for a in protocol.actions]


PROTOCOL = "Gemensam ledningsgrupp 23 januari 2017\n\nNärvarande\nIa Jonsson, Bryggan\n"
ITEM = "\nLokaler\nInget nytt.\n"


# --------------------------------------------------------------------------- decoding


def test_it_decodes_utf8_with_and_without_a_byte_order_mark():
    text = "Närvarande\n"
    assert decode_protocol(text.encode(), name="a.txt") == text
    assert decode_protocol(b"\xef\xbb\xbf" + text.encode(), name="a.txt") == text


def test_it_reads_windows_1252_when_the_bytes_are_not_utf8():
    data = "Fasta ledamöter\nDavid Bergström – socialförvaltningen ”antecknar”\n".encode("cp1252")
    assert decode_protocol(data, name="a.txt") == (
        "Fasta ledamöter\nDavid Bergström – socialförvaltningen ”antecknar”\n"
    )


def test_it_tries_utf8_first():
    # These bytes are valid Windows-1252 too ("NÃ¤rvarande"), but UTF-8 wins.
    assert decode_protocol("Närvarande".encode(), name="a.txt") == "Närvarande\n"


def test_it_reads_utf16_with_a_byte_order_mark():
    assert decode_protocol("Närvarande\r\n".encode("utf-16"), name="a.txt") == "Närvarande\n"


def test_it_normalises_line_endings_and_trailing_spaces():
    data = b"Rubrik  \r\nText\t \rMer text\n"
    assert decode_protocol(data, name="a.txt") == "Rubrik\nText\nMer text\n"


def test_decoding_keeps_every_line_so_that_messages_name_the_files_own_line_numbers():
    data = b"\n\nEtt\n\n\n\n\nTv\xc3\xa5 \n\n\nTre\fFyra\n\nFem\n \n\n"
    text = decode_protocol(data, name="a.txt")
    assert text == "\n\nEtt\n\n\n\n\nTvå\n\n\nTre\nFyra\n\nFem\n"
    assert text.splitlines()[7] == "Två"  # line 8, as in the file


def test_page_breaks_read_as_one_blank_line_and_line_numbers_stay_the_files():
    text = "\n\nMöte 9 mars\n\n\n\n\nNärvarande\nAnna Berg, G7\n"
    with pytest.raises(ProtocolError) as error:
        parse_protocol(text)
    assert error.value.line == 3  # the title, on the file's third line
    parsed = parse_protocol(text, year=2017)
    assert [(a.name, a.line) for a in parsed.attendees] == [("Anna Berg", 9)]


def test_it_composes_letters_typed_as_two_characters():
    decomposed = "Na\u0308rvarande\xa0nu".encode()
    assert decode_protocol(decomposed, name="a.txt") == "Närvarande nu\n"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "protokoll.txt is empty."),
        (b"  \r\n\n", "protokoll.txt is empty."),
        (b"\xef\xbb\xbf", "protokoll.txt is empty."),
        (b"PK\x03\x04\x00\x00word/document.xml", "protokoll.txt is not a text file"),
        (b"\x01\x02\x03\x04 Gemensam ledningsgrupp", "protokoll.txt is not a text file"),
        (b"G\x81\x8d\x8f", "protokoll.txt is neither UTF-8 nor Windows-1252 text"),
    ],
)
def test_it_refuses_what_is_not_a_protocol_text(data, message):
    with pytest.raises(ProtocolError) as error:
        decode_protocol(data, name="protokoll.txt")
    assert str(error.value).startswith(message)
    assert error.value.line is None


# --------------------------------------------------------------------------- the title


def test_it_reads_the_series_and_the_date_from_the_title():
    protocol = fixture("attendance.txt")
    assert protocol.title == "Ledningsgrupp för utveckling, måndag 13 mars 2017"
    assert protocol.series_name == "Ledningsgrupp för utveckling"
    assert protocol.date == datetime.date(2017, 3, 13)


def test_it_reads_a_markdown_title_and_an_iso_date():
    protocol = parse_protocol(PROTOCOL.replace("23 januari 2017", "2017-01-23").replace("G", "# G"))
    assert (protocol.title, protocol.series_name) == (
        "Gemensam ledningsgrupp 2017-01-23",
        "Gemensam ledningsgrupp",
    )
    assert protocol.date == datetime.date(2017, 1, 23)


def test_the_series_leaves_out_the_word_protocol_and_what_follows_the_date():
    protocol = parse_protocol(
        "Protokoll från Gemensam ledningsgrupp 23 januari 2017, kl. 13.30 på Bryggan\n"
        "\nNärvarande\nIa Jonsson, Bryggan\n" + ITEM
    )
    assert protocol.series_name == "Gemensam ledningsgrupp"
    assert protocol.warnings == [
        'The title goes on after the date ("kl. 13.30 på Bryggan"); that part was not imported.'
    ]


def test_a_title_without_a_year_needs_the_year():
    with pytest.raises(ProtocolError) as error:
        fixture("title_without_year.txt")
    assert (error.value.message, error.value.line) == ("the title has no year; give --year", 1)
    assert str(error.value) == "line 1: the title has no year; give --year"

    protocol = fixture("title_without_year.txt", year=2017)
    assert protocol.date == datetime.date(2017, 3, 9)
    assert protocol.series_name == "Ledningsgrupp för utveckling"
    assert protocol.warnings == []


def test_the_year_in_the_title_wins_over_the_given_year():
    protocol = parse_protocol(PROTOCOL + ITEM, year=2018)
    assert protocol.date == datetime.date(2017, 1, 23)
    assert protocol.warnings == [
        "The title says 2017 but the year 2018 was given; the year in the title is used."
    ]


def test_a_date_that_does_not_exist_is_refused_with_its_line():
    with pytest.raises(ProtocolError) as error:
        parse_protocol("\n\nGemensam ledningsgrupp 31 februari 2017\n\nNärvarande\nIa Jonsson\n")
    assert error.value.message == 'the date "31 februari 2017" in the title does not exist'
    assert error.value.line == 3


def test_a_title_without_a_date_is_refused():
    with pytest.raises(ProtocolError) as error:
        parse_protocol("Gemensam ledningsgrupp\n\nNärvarande\nIa Jonsson\n")
    assert error.value.message == (
        'the title "Gemensam ledningsgrupp" has no date; write it like "23 januari 2017"'
    )
    assert error.value.line == 1


def test_an_empty_text_is_refused():
    with pytest.raises(ProtocolError, match="the text is empty"):
        parse_protocol(" \n\n")


# --------------------------------------------------------------------------- attendance


def test_it_reads_every_form_of_attendance_line():
    protocol = fixture("attendance.txt")
    assert protocol.standing_members_heading is True
    assert people(protocol) == [
        ("Bo Pettersson", "Ria/G7", "present", []),
        ("Ivan Kuzhicov", "Vorta Drom", "absent", []),
        ("Bo-Ivar Nilsson", "Ria/Hela människan, G7", "present", []),
        ("Martina Elofsson", "HR-chef socialförvaltningen", "present", []),
        ("Ia Jonsson", "", "present", []),
        ("Anki", "", "present", []),
        ("David Bergström", "socialförvaltningen", "present", ["note_taker"]),
        # after a blank line the list goes on while the lines still look like people
        ("Anne Eskilsson", "socialförvaltningen", "absent", []),
        ("Leif Redestig", "socialförvaltningen", "present", ["chair"]),
        # the sections "Övriga närvarande" and "Anmält förhinder" after the list
        ("Gösta Strand", "arbetsmarknadsförvaltningen", "present", ["guest"]),
        ("Per Norbeck", "Bryggan", "excused", []),
    ]
    assert [a.line for a in protocol.attendees] == [4, 5, 6, 7, 8, 9, 10, 12, 13, 16, 19]
    assert items(protocol) == [("Lokaler", 1, "discussion")]
    assert protocol.warnings == [
        'Line 9 of the attendance list has only one word, "Anki". '
        "Check that it is a person's name."
    ]


def test_it_reads_a_markdown_attendance_list():
    protocol = fixture("markdown_levels.md")
    assert protocol.standing_members_heading is False
    assert people(protocol) == [
        ("Carina Bech Sörensen", "Bryggan", "present", []),
        ("Allan Hedman", "socialförvaltningen", "present", ["note_taker"]),
    ]


def test_it_warns_about_odd_and_repeated_attendance_lines():
    protocol = parse_protocol(
        "Gemensam ledningsgrupp 23 januari 2017\nTid: 13.30\n\nNärvarande:\n"
        "Ia Jonsson, Bryggan\nsamtliga från G7\nIa Jonsson, Bryggan\n"
    )
    assert [a.name for a in protocol.attendees] == ["Ia Jonsson", "samtliga från G7", "Ia Jonsson"]
    assert protocol.warnings == [
        'Line 2, "Tid: 13.30", comes between the title and the attendance list '
        "and was not imported.",
        'Line 6 of the attendance list does not look like "Name, Organisation": '
        '"samtliga från G7". Check the name.',
        '"Ia Jonsson" is in the attendance list twice (lines 5 and 7).',
        "No agenda items were found.",
    ]


def test_a_protocol_without_an_attendance_list_is_refused():
    with pytest.raises(ProtocolError) as error:
        parse_protocol("Gemensam ledningsgrupp 23 januari 2017\n\nLokaler\nVi har möten.\n")
    assert error.value.message.startswith("there is no attendance list")
    assert error.value.line is None


def test_an_empty_attendance_list_is_refused():
    with pytest.raises(ProtocolError) as error:
        parse_protocol("Gemensam ledningsgrupp 23 januari 2017\n\nNärvarande\n")
    assert (error.value.message, error.value.line) == ("the attendance list is empty", 3)


# --------------------------------------------------------------------------- signatures


def test_a_signature_names_the_note_taker_by_full_name():
    protocol = parse_protocol(PROTOCOL + ITEM + "\nVid pennan\n\nIa Jonsson\n")
    assert protocol.signature == "Vid pennan Ia Jonsson"
    assert protocol.attendees[0].roles == ["note_taker"]
    assert items(protocol) == [("Lokaler", 1, "discussion")]
    assert protocol.items[0].body == "Inget nytt."
    assert protocol.warnings == []


def test_a_signature_with_a_first_name_finds_the_only_attendee_with_it():
    protocol = fixture("kinds_and_actions.txt")
    assert protocol.signature == "Vid pennan Martina"
    assert [a.name for a in protocol.attendees if "note_taker" in a.roles] == ["Martina Ekdahl"]


@pytest.mark.parametrize(
    ("attendees", "signature", "expected", "warning"),
    [
        (
            "Ia Jonsson\nIa Berg\n",
            "Vid pennan / Ia",
            "Vid pennan Ia",
            'Line 9: the note-taker "Ia" could be "Ia Jonsson" or "Ia Berg". '
            "Add the role to the right person by hand.",
        ),
        (
            "Ia Jonsson\nAllan Hedman\n",
            "Vid  pennan: Pernilla   Kvist",
            "Vid pennan Pernilla Kvist",
            'Line 9: the note-taker "Pernilla Kvist" is not in the attendance list. '
            "Add the role to the right person by hand.",
        ),
    ],
)
def test_it_warns_when_the_signature_is_not_one_attendee(attendees, signature, expected, warning):
    text = f"Gemensam ledningsgrupp 23 januari 2017\nNärvarande\n{attendees}\nLokaler\nText.\n\n"
    protocol = parse_protocol(text + signature + "\n")
    assert protocol.signature == expected
    assert not any(a.roles for a in protocol.attendees)
    assert protocol.warnings == [warning]


def test_an_approval_gives_the_approver_role():
    protocol = parse_protocol(PROTOCOL + ITEM + "\nJusteras: Ia Jonsson\n")
    assert protocol.attendees[0].roles == ["approver"]
    assert protocol.signature == ""


# --------------------------------------------------------------------------- items and bodies


def test_markdown_heading_levels_are_relative_to_an_empty_item():
    protocol = fixture("markdown_levels.md", known_groups=GROUPS)
    assert items(protocol) == [
        ("Besök från Maskrosbarn", 1, "information"),
        ("CurioCity Mashup", 1, "discussion"),
        ("Rapport från arbetsgrupperna", 1, "information"),
        ("Övrigt", 1, "discussion"),
        ("Träning", 2, "discussion"),
        ("Utegym", 2, "discussion"),
        ("Film", 2, "discussion"),
        ("Nästa möte", 1, "discussion"),
    ]
    bodies = {item.title: item.body for item in protocol.items}
    assert bodies["CurioCity Mashup"] == (
        "1-2 juni arrangerar staden ett evenemang. Läs mer här: <http://www.curiocity.se/>\n"
        "\n"
        "- Ska Bostad först vara med?\n"
        "  - Vi frågar **Bostad först** själva."
    )
    assert bodies["Övrigt"] == ""
    # the two trailing spaces of a Markdown line break become a visible backslash
    assert bodies["Nästa möte"] == "Vårens möten blir:\n\n13 mars\\\n24 april\\\n22 maj"
    assert protocol.items[2].working_groups == ["fritidsbank"]
    assert actions(protocol) == [
        ("Martina lovar att kolla upp detta.", ["Martina"], "Träning", False)
    ]
    assert protocol.warnings == []


def test_markdown_tables_and_quotes_are_kept_line_by_line():
    protocol = parse_protocol(
        "## Gemensam utvecklingsgrupp 13 mars 2017\n\n### Närvarande\n\nIa Jonsson, Bryggan\n\n"
        "## Arvoden\n\nSå här ser det ut:\n| Uppdrag | Arvode |\n|---|---|\n| Möte | 300 kr |\n"
        "\n> Idag får du behålla\n> 25 procent av arvodet.\n"
    )
    assert protocol.items[0].body == (
        "Så här ser det ut:\n\n| Uppdrag | Arvode |\n|---|---|\n| Möte | 300 kr |\n\n"
        "> Idag får du behålla\n> 25 procent av arvodet."
    )


def test_plain_text_bodies_become_markdown():
    protocol = fixture("bodies.txt")
    assert [item.title for item in protocol.items] == [
        "Digitalt utanförskap",
        "Brukarmedverkan i rekrytering",
        "Vårens möten",
    ]
    assert protocol.items[0].body == (
        "Genom Ria/Hela människan, G7 och Vorta Drom har vi startat ett arbete mot digitalt "
        "utanförskap. Arvoderade instruktörer håller i utbildningar.\n"
        "\n"
        "- Det handlar också om tillgång till teknik och om hur vi tar hand om stadens avlagda "
        "datorutrustning.\n"
        "  - Datorer från skolorna.\n"
        "  - Datorer från förvaltningarna.\n"
        "- Det finns en datorsal på Kompetenscenter Norrehed."
    )
    assert protocol.items[1].body == (
        "Det saknas ett brukarperspektiv i arbetet med rekrytering. Socialförvaltningen vill "
        "börja involvera brukare i hela processen.\n"
        "\n"
        "- Brukarna vill gärna träffa samverkansgruppen, för att samtala om vad det här innebär "
        "för parterna.\n"
        "- Det bör också vara möjligt att välja den brukare som har mest relevant erfarenhet för "
        "den aktuella rekryteringen.\n"
        "\n"
        "Gången för en rekrytering:\n"
        "\n"
        "1. Annons\n"
        "2. Intervju med brukare\n"
        "\n"
        "Mer information finns på <http://öppnasoc.se/utveckling> och i **Facebookgruppen**.\n"
        "\n"
        "https://www.facebook.com/groups/utvecklingsochelsingborg"
    )
    # short lines are kept as lines: they were not wrapped by the word processor
    assert protocol.items[2].body == "13 februari\\\n13 mars\\\n24 april"
    assert protocol.warnings == []


def test_items_after_an_empty_other_business_item_are_its_sub_items():
    protocol = fixture("other_business.txt")
    assert items(protocol) == [
        ("Lokaler", 1, "discussion"),
        ("Övrigt", 1, "discussion"),
        ("Träning", 2, "discussion"),
        ("Film", 2, "discussion"),
    ]
    assert protocol.warnings == []


def test_headings_followed_by_a_blank_line_are_found_when_no_other_heading_is():
    protocol = fixture("headings_with_blank_lines.txt")
    assert [(item.title, item.body) for item in protocol.items] == [
        (
            "Lokaler",
            "Vi går igenom lokalerna. Lokalen är 70 kvadratmeter, men det är mycket lågt i tak.",
        ),
        ("Fiskeklubb", "Bengt och Bosse har dragit igång en fiskeklubb."),
    ]


def test_it_warns_about_text_before_the_first_item_and_about_empty_items():
    protocol = parse_protocol(
        PROTOCOL + "\nMötet öppnas. Alla hälsas välkomna.\n\nLokaler\n\nFilm\nVi filmar.\n"
    )
    assert [(item.title, item.body) for item in protocol.items] == [
        ("Lokaler", ""),
        ("Film", "Vi filmar."),
    ]
    assert protocol.warnings == [
        'Line 6 comes before the first agenda item and was not imported: "Mötet öppnas. '
        'Alla hälsas välkomna.".',
        'The item "Lokaler" (line 8) has no text.',
    ]


# --------------------------------------------------------------------------- kinds, decisions, actions


def test_it_finds_kinds_decisions_and_actions():
    protocol = fixture("kinds_and_actions.txt")
    assert items(protocol) == [
        ("Temat för nästa möte", 1, "decision"),
        ("Mötestider", 1, "decision"),
        ("Bättre hälsa för unga romer", 1, "tabled"),
        ("CurioCity Mashup", 1, "tabled"),
        ("Rapport från Fritidsbanken", 1, "information"),
        # "Pingstkyrkan tog beslutet" reports someone else's decision
        ("Fritidsbank", 1, "discussion"),
        ("Stadsbyggnadsförvaltningen", 1, "discussion"),
        ("Arbetsmarknadsförvaltningens roll", 1, "discussion"),
        ("Utegym", 1, "discussion"),
        # deciding to table an item tables it
        ("Klarspråk", 1, "tabled"),
    ]
    assert [(d.text, protocol.items[d.item].title) for d in protocol.decisions] == [
        (
            "Gruppen beslutar att temat för nästa utvecklingsgrupp blir CurioCity.",
            "Temat för nästa möte",
        ),
        ("Beslut: Vi träffas varannan torsdag på t.ex. Bryggan eller Ria.", "Mötestider"),
        ("Vi beslutar att bordlägga frågan.", "Klarspråk"),
    ]
    assert actions(protocol) == [
        ("Vi tar fram en enkel projektplan till nästa möte.", [], "Fritidsbank", True),
        (
            "Ia och Allan jobbar vidare med frågan.",
            ["Ia", "Allan"],
            "Stadsbyggnadsförvaltningen",
            False,
        ),
        (
            "Arbetsmarknadsförvaltningen ska ta upp frågan om mandat i sin ledning.",
            ["Arbetsmarknadsförvaltningen"],
            "Arbetsmarknadsförvaltningens roll",
            False,
        ),
        ("Martina Ekdahl lovar att kolla upp detta.", ["Martina Ekdahl"], "Utegym", False),
        (
            "Därför lovar Samir att fråga sin förvaltning till nästa möte.",
            ["Samir"],
            "Utegym",
            True,
        ),
    ]
    assert protocol.warnings == [
        'Item "Fritidsbank": "Vi tar fram en enkel projektplan till nästa möte." does not say '
        "who will do it. Add a person or an organisation."
    ]


def test_working_groups_are_found_by_name_or_alias_as_whole_words():
    protocol = fixture("working_groups.txt", known_groups=GROUPS)
    assert [(item.title, item.working_groups) for item in protocol.items] == [
        ("Fritidsbanken och Klarspråk", ["fritidsbank", "klarsprak", "po-drom"]),
        ("Övriga frågor", []),
    ]
    assert fixture("working_groups.txt").items[0].working_groups == []


# --------------------------------------------------------------------------- JSON


def test_the_json_summary_has_the_stable_keys():
    protocol = fixture("kinds_and_actions.txt", known_groups=GROUPS)
    summary = protocol_to_json(protocol, file="kinds_and_actions.txt", series="ledningsgrupp")
    assert list(summary) == [
        "file",
        "series",
        "date",
        "title",
        "attendees",
        "agenda_items",
        "action_items",
        "warnings",
    ]
    assert summary["file"] == "kinds_and_actions.txt"
    assert summary["series"] == "ledningsgrupp"
    assert summary["date"] == "2017-03-20"
    assert summary["title"] == "Ledningsgrupp för utveckling 20 mars 2017"
    assert summary["attendees"][2] == {
        "name": "Martina Ekdahl",
        "organisation": "stadsbyggnadsförvaltningen",
        "status": "present",
        "roles": ["note_taker"],
    }
    assert summary["agenda_items"][2] == {
        "title": "Bättre hälsa för unga romer",
        "kind": "tabled",
        "working_groups": ["po-drom"],
    }
    assert summary["action_items"][1] == {
        "text": "Ia och Allan jobbar vidare med frågan.",
        "assignees": ["Ia", "Allan"],
    }
    assert summary["warnings"] == protocol.warnings
    assert protocol_to_json(protocol, file="x.txt", series=None)["series"] is None


# --------------------------------------------------------------------------- the real protocols


@needs_seeds
def test_seed_gemensam_ledningsgrupp_2017_01_23():
    protocol = read(SEEDS / "gemensam-ledningsgrupp-2017-01-23.txt", known_groups=GROUPS)
    assert (protocol.series_name, protocol.date) == (
        "Gemensam ledningsgrupp",
        datetime.date(2017, 1, 23),
    )
    assert protocol.standing_members_heading is True
    assert len(protocol.attendees) == 9
    assert [a.name for a in protocol.attendees if a.status == "absent"] == [
        "Ivan Kuzhicov",
        "David Bergström",
    ]
    assert ("Ia Jonsson", "", "present", []) in people(protocol)
    assert [a.name for a in protocol.attendees if "note_taker" in a.roles] == ["Pernilla Kvist"]
    assert protocol.signature == "Vid pennan Pernilla Kvist"
    assert items(protocol) == [
        ("Lokaler", 1, "discussion"),
        ("Stöd till föräldrar med placerade barn", 1, "discussion"),
        ("Nationell spridning av Bättre hälsa för unga romer", 1, "tabled"),
        ("Personlig representant", 1, "discussion"),
        ("CurioCity Mashup", 1, "tabled"),
        ("Samskapade utredningar/tjänster", 1, "discussion"),
        ("Planering av nästa Gemensamma utvecklingsgrupp (13 februari)", 1, "decision"),
        ("Stadsbyggnadsförvaltningen", 1, "discussion"),
    ]
    assert [d.text for d in protocol.decisions] == [
        "Gruppen beslutar att temat för nästa utvecklingsgrupp blir CurioCity."
    ]
    assert actions(protocol) == [
        (
            "Ia och Allan jobbar vidare med frågan.",
            ["Ia", "Allan"],
            "Stadsbyggnadsförvaltningen",
            False,
        )
    ]
    assert [item.working_groups for item in protocol.items][:4] == [
        ["fritidsbank"],
        [],
        ["po-drom"],
        ["personlig-representant"],
    ]
    # the paragraph after a page break stays a paragraph of its own
    assert protocol.items[3].body.endswith(
        "Vi bildar en arbetsgrupp. I första hand är Allan, Per och Bosse är involverade i "
        "arbetet, förutom Anki."
    )
    assert "\n\n\n" not in protocol.items[3].body
    assert protocol.warnings == []


@needs_seeds
def test_seed_gemensam_utvecklingsgrupp_2017_01_16():
    protocol = read(SEEDS / "gemensam-utvecklingsgrupp-2017-01-16.md", known_groups=GROUPS)
    assert (protocol.series_name, protocol.date) == (
        "Gemensam utvecklingsgrupp",
        datetime.date(2017, 1, 16),
    )
    assert len(protocol.attendees) == 13
    assert {a.status for a in protocol.attendees} == {"present"}
    assert protocol.attendees[6].name == "Ivan Kuzhikov"
    assert items(protocol) == [
        ("Besök från stadsbyggnadsförvaltningen", 1, "information"),
        ("Gemensam utvecklingsgrupp framöver", 1, "decision"),
        ("CurioCity Mashup", 1, "discussion"),
        ("Hur väcker vi idéer?", 1, "discussion"),
        ("Rekryteringsgrupp", 1, "discussion"),
        ("Samskapade tjänster", 1, "discussion"),
        ("Förenklad dokumentation", 1, "discussion"),
        ("Maskrosbarn", 1, "discussion"),
        ("Rapport från arbetsgrupperna", 1, "information"),
        ("Övrigt", 1, "discussion"),
        ("Träning", 2, "discussion"),
        ("Fiskeklubb", 2, "discussion"),
        ("Minnesmärke", 2, "discussion"),
        ("Film", 2, "discussion"),
    ]
    assert [d.text for d in protocol.decisions] == [
        "Vi beslutar att Gemensam utvecklingsgrupp kommer att fortsätta, men att vi träffas en "
        "gång i månaden framöver och i stället utökar vi mötestiden till två timmar "
        "(i praktiken 2x45 minuter med 15 minuters paus)."
    ]
    assert actions(protocol) == [
        ("Martina Ekdahl lovar att kolla upp detta.", ["Martina Ekdahl"], "Träning", False),
        ("Martina lovar att kolla upp detta.", ["Martina"], "Minnesmärke", False),
    ]
    bodies = {item.title: item.body for item in protocol.items}
    assert bodies["Samskapade tjänster"].endswith(
        "- Vad har orsakat den ömsesidiga misstro som har präglat socialtjänstens arbete?\n"
        "  - Okunskap, rädsla, brist på kontakt och krav på att följa rutiner."
    )
    assert bodies["Förenklad dokumentation"].endswith(
        "- Hur ser tidsschemat ut?\n  - Anne Eskilsson håller på att sätta ihop en grupp för detta."
    )
    assert "<http://www.curiocity.se/>" in bodies["CurioCity Mashup"]
    assert (
        "**måndagar 13:30** och plats, **Bryggan**." in bodies["Gemensam utvecklingsgrupp framöver"]
    )
    assert bodies["Gemensam utvecklingsgrupp framöver"].endswith(
        "Vårens möten med Gemensam utvecklingsgrupp blir:\n\n"
        "13 februari\\\n13 mars\\\n24 april\\\n22 maj"
    )
    assert bodies["Rapport från arbetsgrupperna"].startswith("**Digitalt utanförskap** söker")
    assert protocol.items[8].working_groups == ["digitalt-utanforskap", "klarsprak"]
    assert protocol.signature == ""
    assert protocol.warnings == []


@needs_seeds
def test_seed_ledningsgrupp_for_utveckling_03_09():
    path = SEEDS / "ledningsgrupp-for-utveckling-03-09.txt"
    with pytest.raises(ProtocolError) as error:
        read(path)
    assert (error.value.message, error.value.line) == (
        "the title has no year; give --year",
        2,
    )  # the file starts with a blank line

    protocol = read(path, year=2017, known_groups=GROUPS)
    assert (protocol.series_name, protocol.date) == (
        "Ledningsgrupp för utveckling",
        datetime.date(2017, 3, 9),
    )
    assert protocol.standing_members_heading is False
    assert len(protocol.attendees) == 9
    assert ("Bo Pettersson", "Ria/Hela människan, G7", "present", []) in people(protocol)
    assert ("Martina Elofsson", "HR-chef socialförvaltningen", "present", []) in people(protocol)
    assert [a.name for a in protocol.attendees if "note_taker" in a.roles] == ["David Bergström"]
    assert protocol.attendees[-1].organisation == "socialförvaltningen"
    assert [item.title for item in protocol.items] == [
        "SOF-AMF",
        "Arbetsmarknadsförvaltningens roll",
        "Digitalt utanförskap",
        "Sysselsättning",
        "Brukarmedverkan i rekrytering",
        "Fritidsbank",
        "Om den här gruppen",
    ]
    assert protocol.decisions == []
    assert actions(protocol) == [
        (
            "Arbetsmarknadsförvaltningen ska ta upp frågan om mandat i sin ledning.",
            ["Arbetsmarknadsförvaltningen"],
            "Arbetsmarknadsförvaltningens roll",
            False,
        ),
        ("Vi tar fram en enkel projektplan till nästa möte.", [], "Fritidsbank", True),
    ]
    bodies = {item.title: item.body for item in protocol.items}
    assert (
        "\n- Brukarna vill gärna träffa samverkansgruppen, för att samtala om vad det här innebär "
        "för parterna.\n" in bodies["Brukarmedverkan i rekrytering"]
    )
    assert bodies["Brukarmedverkan i rekrytering"].endswith(
        "- Vi behöver få in en känsla av samskapande i allt vi gör, så att det inte fastnar i att "
        "vi beställer tjänster av brukare."
    )
    assert bodies["Digitalt utanförskap"].endswith(
        "- Det handlar också om tillgång till teknik. Kan vi på ett bättre sätt ta hand om "
        "stadens avlagda datorutrustning?\n"
        "- Det finns datorsal på Kompetenscenter Norrehed, som inte utnyttjas optimalt."
    )
    assert bodies["SOF-AMF"].endswith(
        "öppnasoc.se/utveckling\n\nhttp://%C3%B6ppnasoc.se/utveckling"
    )
    assert bodies["Om den här gruppen"].endswith(
        "https://www.facebook.com/groups/utvecklingsochelsingborg\n\n"
        "https://www.facebook.com/groups/utvecklingsochelsingborg"
    )
    assert protocol.items[1].working_groups == [
        "po-drom",
        "fritidsbank",
        "digitalt-utanforskap",
        "klarsprak",
        "personlig-representant",
    ]
    assert protocol.warnings == [
        'Item "Fritidsbank": "Vi tar fram en enkel projektplan till nästa möte." does not say '
        "who will do it. Add a person or an organisation."
    ]
