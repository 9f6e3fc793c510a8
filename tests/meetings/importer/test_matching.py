"""Matching a parsed protocol to the database: tolerant, and never silent about a guess."""

from __future__ import annotations

import datetime
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from meetings.importer.matching import (
    ACCENTS,
    ALIAS,
    EXACT,
    SIMILAR,
    fold,
    protocol_match,
    series_match,
    working_group_names,
)
from meetings.importer.structures import (
    ParsedAction,
    ParsedAttendee,
    ParsedItem,
    ParsedProtocol,
)
from organisations.models import Organisation
from tests.factories import (
    MeetingSeriesFactory,
    OrganisationFactory,
    PersonFactory,
    WorkingGroupFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    # Messages are asserted in English, whatever the Swedish catalog says.
    with translation.override("en"):
        yield


def make_network() -> SimpleNamespace:
    """The organisations, series, people and groups of the seed protocols."""
    municipal = Organisation.Kind.MUNICIPAL_DEPARTMENT
    n = SimpleNamespace()
    n.sof = OrganisationFactory(
        name="Socialförvaltningen",
        slug="socialforvaltningen",
        short_name="SOF",
        aliases="Socialtjänsten",
        kind=municipal,
    )
    n.amf = OrganisationFactory(
        name="Arbetsmarknadsförvaltningen",
        slug="arbetsmarknadsforvaltningen",
        short_name="AMF",
        kind=municipal,
    )
    n.sbf = OrganisationFactory(
        name="Stadsbyggnadsförvaltningen", slug="stadsbyggnadsforvaltningen", kind=municipal
    )
    n.bryggan = OrganisationFactory(
        name="Fontänhuset Bryggan", slug="fontanhuset-bryggan", aliases="Bryggan\nFontänhuset"
    )
    n.ria = OrganisationFactory(
        name="Ria / Hela människan",
        slug="ria-hela-manniskan",
        aliases="Café Ria\nRia\nHela människan",
    )
    n.g7 = OrganisationFactory(name="G7", slug="g7")
    n.vorta = OrganisationFactory(name="Vorta Drom", slug="vorta-drom")
    n.ug = MeetingSeriesFactory(
        name="Gemensam utvecklingsgrupp",
        slug="gemensam-utvecklingsgrupp",
        aliases="Utvecklingsgruppen",
    )
    n.lg = MeetingSeriesFactory(
        name="Ledningsgrupp för utveckling",
        slug="ledningsgrupp-for-utveckling",
        aliases="Gemensam ledningsgrupp",
    )
    n.bo = PersonFactory(name="Bo Pettersson", aliases="Bosse")
    n.ivan = PersonFactory(name="Ivan Kuzhikov")
    n.allan = PersonFactory(name="Allan Hedman")
    n.pernilla = PersonFactory(name="Pernilla Kvist")
    n.martina = PersonFactory(name="Martina Ekdahl")
    n.fritidsbank = WorkingGroupFactory(
        name="Fritidsbank", slug="fritidsbank", aliases="Fritidsbanken"
    )
    n.digitalt = WorkingGroupFactory(name="Digitalt utanförskap", slug="digitalt-utanforskap")
    n.klarsprak = WorkingGroupFactory(name="Klarspråk", slug="klarsprak")
    return n


def protocol(attendees=(), items=(), actions=(), signature="") -> ParsedProtocol:
    return ParsedProtocol(
        title="Gemensam ledningsgrupp 23 januari 2017",
        series_name="Gemensam ledningsgrupp",
        date=datetime.date(2017, 1, 23),
        attendees=[
            ParsedAttendee(name=name, organisation=org, line=line)
            for line, (name, org) in enumerate(attendees, start=3)
        ],
        items=list(items) or [ParsedItem(title="Lokaler", body="", line=20)],
        actions=list(actions),
        signature=signature,
    )


@pytest.fixture
def network():
    return make_network()


def test_an_exact_name_matches_without_a_warning(network):
    match = protocol_match(parsed=protocol([("Allan Hedman", "socialförvaltningen")]))

    assert match.attendees[0].person == network.allan
    assert match.attendees[0].how == EXACT
    assert match.attendees[0].organisations == [network.sof]
    assert match.warnings == []


def test_case_is_ignored_silently_but_other_accents_are_reported(network):
    stojanovic = PersonFactory(name="Mirela Stojanović")
    match = protocol_match(
        parsed=protocol([("allan HEDMAN", "SOCIALFÖRVALTNINGEN"), ("Mirela Stojanovic", "")])
    )

    assert match.attendees[0].person == network.allan
    assert match.attendees[1].person == stojanovic
    assert match.attendees[1].how == ACCENTS
    assert match.warnings == [
        "line 4: ‘Mirela Stojanovic’ matched to Mirela Stojanović (different accents)"
    ]


def test_an_organisation_without_its_accents_is_matched_with_a_warning(network):
    match = protocol_match(parsed=protocol([("Allan Hedman", "Socialforvaltningen")]))

    assert match.attendees[0].organisations == [network.sof]
    assert match.warnings == [
        "line 3: ‘Socialforvaltningen’ matched to Socialförvaltningen (different accents)"
    ]


def test_a_recorded_alias_matches_the_organisation(network):
    match = protocol_match(
        parsed=protocol([("Per Norbeck", "Bryggan"), ("Carina Bech Sörensen", "bryggan")])
    )

    assert match.attendees[0].organisations == [network.bryggan]
    assert match.attendees[1].organisations == [network.bryggan]
    assert not any("Bryggan" in warning for warning in match.warnings)


def test_a_short_name_matches_the_organisation(network):
    match = protocol_match(parsed=protocol([("Gösta Strand", "AMF")]))

    assert match.attendees[0].organisations == [network.amf]


def test_a_near_spelling_is_matched_and_reported(network):
    match = protocol_match(parsed=protocol([("Ivan Kuzhicov", "Vorta Drom")]))

    assert match.attendees[0].person == network.ivan
    assert match.attendees[0].how == SIMILAR
    assert match.warnings == ["line 3: ‘Ivan Kuzhicov’ matched to Ivan Kuzhikov (similar spelling)"]


def test_a_nickname_recorded_as_alias_matches(network):
    match = protocol_match(parsed=protocol([("Bosse", "Ria/G7")]))

    assert match.attendees[0].person == network.bo
    assert match.attendees[0].how == ALIAS


def test_a_name_that_fits_two_people_is_not_linked(network):
    PersonFactory(name="Allan Hedman")
    match = protocol_match(parsed=protocol([("Allan Hedman", "")]))

    assert match.attendees[0].person is None
    assert match.attendees[0].new_person == ""
    assert "fits more than one" in match.warnings[0]


def test_a_different_person_is_not_taken_for_a_similar_one(network):
    match = protocol_match(parsed=protocol([("Martina Elofsson", "HR-chef socialförvaltningen")]))

    assert match.attendees[0].person is None
    assert match.attendees[0].new_person == "Martina Elofsson"


def test_an_unknown_name_becomes_a_new_person(network):
    match = protocol_match(parsed=protocol([("Ia Jonsson", "")]))

    assert match.attendees[0].person is None
    assert match.attendees[0].new_person == "Ia Jonsson"
    assert match.new_people == ["Ia Jonsson"]
    assert match.warnings == ["line 3: ‘Ia Jonsson’ is not known: a new person will be created."]


def test_a_first_name_alone_on_the_attendance_list_is_not_guessed(network):
    PersonFactory(name="Ia Jonsson")
    match = protocol_match(parsed=protocol([("Ia", "Bryggan")]))

    assert match.attendees[0].person is None
    assert match.attendees[0].new_person == ""
    assert "first name only" in match.warnings[0]


def test_the_same_person_on_two_lines_is_linked_once(network):
    match = protocol_match(
        parsed=protocol([("Ivan Kuzhikov", "Vorta Drom"), ("Ivan Kuzhicov", "Vorta Drom")])
    )

    assert match.attendees[0].person == network.ivan
    assert match.attendees[1].person is None
    assert "same person as line 3" in match.warnings[-1]


def test_combined_organisations_are_split(network):
    match = protocol_match(
        parsed=protocol(
            [
                ("Bo Pettersson", "Ria/Hela människan, G7"),
                ("Bengt Nilsson", "Ria/G7"),
                ("Sven Ek", "Ria / Hela människan"),
            ]
        )
    )

    assert match.attendees[0].organisations == [network.ria, network.g7]
    assert match.attendees[1].organisations == [network.ria, network.g7]
    assert match.attendees[2].organisations == [network.ria]
    assert not any("Ria" in warning for warning in match.warnings)


def test_a_role_is_not_an_organisation(network):
    match = protocol_match(
        parsed=protocol(
            [
                ("Martina Elofsson", "HR-chef socialförvaltningen"),
                ("Sanna Holm", "brukarmentor"),
                ("Jonas Wik", "brukarutvecklare Digitalt utanförskap"),
            ]
        )
    )

    assert match.attendees[0].organisations == [network.sof]
    assert match.attendees[1].organisations == []
    assert match.attendees[2].organisations == []
    assert match.new_organisations == {}
    assert (
        "line 3: ‘HR-chef socialförvaltningen’ matched to Socialförvaltningen "
        "(the rest is read as a role)"
    ) in match.warnings
    assert (
        "line 4: ‘brukarmentor’ is not a known organisation: kept only as written (a role?)."
    ) in match.warnings


def test_an_unknown_organisation_name_is_created_only_when_it_looks_like_one(network):
    match = protocol_match(
        parsed=protocol(
            [
                ("Anna Ek", "Pingstkyrkan"),
                ("Sara Ek", "kulturförvaltningen"),
                ("Olle Ek", "Röda korset"),
                ("Lisa Ek", "Pingstkyrkan"),
            ]
        )
    )

    new = match.new_organisations
    assert sorted(o.name for o in new.values()) == ["Kulturförvaltningen", "Pingstkyrkan"]
    assert new[fold("Kulturförvaltningen")].kind == Organisation.Kind.MUNICIPAL_DEPARTMENT
    assert new[fold("Pingstkyrkan")].kind == Organisation.Kind.OTHER
    assert match.attendees[0].new_organisations == match.attendees[3].new_organisations
    assert match.attendees[2].new_organisations == []
    assert any("‘Röda korset’ is not a known organisation" in w for w in match.warnings)


def test_assignees_are_found_on_the_attendance_list_by_first_name(network):
    parsed = protocol(
        [("Ia Jonsson", ""), ("Allan Hedman", "socialförvaltningen")],
        actions=[
            ParsedAction(text="Ia och Allan jobbar vidare.", assignees=["Ia", "Allan"], item=0)
        ],
    )

    match = protocol_match(parsed=parsed)

    (ia, allan) = match.actions[0]
    assert ia.attendee == 0
    assert allan.attendee == 1
    assert match.assignee_label(ia) == "Ia Jonsson"
    assert match.assignee_label(allan) == "Allan Hedman"
    assert (
        "line 20: ‘Ia’ matched to Ia Jonsson (first name, the only one on the attendance list)"
        in (match.warnings)
    )


def test_a_first_name_shared_by_two_attendees_is_not_linked(network):
    parsed = protocol(
        [("Anne Eskilsson", ""), ("Anne Berg", "")],
        actions=[ParsedAction(text="Anne lovar att kolla.", assignees=["Anne"], item=0)],
    )

    match = protocol_match(parsed=parsed)

    assert match.actions[0][0].attendee is None
    assert any("‘Anne’ fits more than one: Anne Eskilsson, Anne Berg" in w for w in match.warnings)


def test_an_assignee_can_be_an_organisation_or_someone_not_present(network):
    parsed = protocol(
        [("Allan Hedman", "")],
        actions=[
            ParsedAction(
                text="Arbetsmarknadsförvaltningen ska ta upp frågan.",
                assignees=["Arbetsmarknadsförvaltningen", "Martina Ekdahl", "Brukardeltagarna"],
                item=0,
            )
        ],
    )

    match = protocol_match(parsed=parsed)

    amf, martina, nobody = match.actions[0]
    assert amf.organisation == network.amf
    assert martina.person == network.martina
    assert (nobody.attendee, nobody.person, nobody.organisation) == (None, None, None)
    assert any("‘Brukardeltagarna’ in an action item is not linked" in w for w in match.warnings)


def test_working_groups_in_items_are_looked_up_by_slug(network):
    parsed = protocol(
        items=[
            ParsedItem(title="Fritidsbank", body="", working_groups=["fritidsbank"], line=5),
            ParsedItem(title="Okänd", body="", working_groups=["finns-inte"], line=9),
        ]
    )

    match = protocol_match(parsed=parsed)

    assert match.working_groups == {"fritidsbank": network.fritidsbank}
    assert match.warnings == ["line 9: No working group has the slug ‘finns-inte’: not linked."]


def test_known_groups_for_the_parser_are_names_and_aliases_lowercased(network):
    assert working_group_names() == {
        "fritidsbank": "fritidsbank",
        "fritidsbanken": "fritidsbank",
        "digitalt utanförskap": "digitalt-utanforskap",
        "klarspråk": "klarsprak",
    }


@pytest.mark.parametrize(
    ("title", "expected", "warned"),
    [
        ("Gemensam utvecklingsgrupp", "ug", False),
        ("gemensam ledningsgrupp", "lg", False),
        ("Ledningsgrupp for utveckling", "lg", True),
        ("Gemensam utvecklingsgrup", "ug", True),
        ("Innovationsgruppen", None, False),
    ],
)
def test_the_series_is_found_by_name_and_alias(network, title, expected, warned):
    match = series_match(title)

    assert match.series == (getattr(network, expected) if expected else None)
    assert bool(match.warning) == warned


def test_matching_only_reads(network):
    parsed = protocol(
        [("Ny Person", "Pingstkyrkan"), ("Ivan Kuzhicov", "Vorta Drom")],
        actions=[ParsedAction(text="Ivan kollar.", assignees=["Ivan"], item=0)],
    )

    with CaptureQueriesContext(connection) as queries:
        protocol_match(parsed=parsed)

    assert all(q["sql"].lstrip().upper().startswith("SELECT") for q in queries.captured_queries)
