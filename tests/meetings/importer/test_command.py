"""python manage.py import_protocol: each option, clear errors, and nothing half written."""

from __future__ import annotations

import datetime
import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone, translation

from meetings.models import ActionItem, AgendaItem, Attendance, Decision, Meeting
from organisations.models import Organisation
from people.models import Person
from tests.meetings.importer.test_matching import make_network

pytestmark = pytest.mark.django_db

SEEDS = Path(__file__).resolve().parents[4] / "shared" / "seeds"

PROTOCOL = """\
Gemensam ledningsgrupp 23 januari 2017

Närvarande
Allan Hedman, socialförvaltningen
Ivan Kuzhicov, Vorta Drom
Pernilla Kvist, socialförvaltningen (antecknar)

Lokaler
Vi har påbörjat ett lokalprogram för Fritidsbanken.

Stadsbyggnadsförvaltningen
Förslaget uppfattas positivt. Allan jobbar vidare med frågan.
"""

JSON_KEYS = {
    "file",
    "series",
    "date",
    "title",
    "attendees",
    "agenda_items",
    "action_items",
    "warnings",
}


@pytest.fixture
def network():
    return make_network()


def write(tmp_path: Path, name: str, content: str | bytes) -> str:
    path = tmp_path / name
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_bytes(content)
    return str(path)


def run(*args) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    with translation.override("en"):
        call_command("import_protocol", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def run_failing(*args) -> tuple[CommandError, str]:
    err = StringIO()
    with translation.override("en"), pytest.raises(CommandError) as error:
        call_command("import_protocol", *args, stdout=StringIO(), stderr=err)
    return error.value, err.getvalue()


def counts() -> dict[str, int]:
    models = [Meeting, Attendance, AgendaItem, Decision, ActionItem, Person, Organisation]
    return {model.__name__: model.objects.count() for model in models}


def test_it_imports_a_file_as_a_draft_meeting(network, tmp_path):
    path = write(tmp_path, "lg.txt", PROTOCOL)

    out, err = run(path)

    meeting = Meeting.objects.get()
    assert (meeting.series, meeting.date) == (network.lg, datetime.date(2017, 1, 23))
    assert meeting.protocol_state == Meeting.ProtocolState.DRAFT
    assert meeting.attendances.count() == 3
    assert f"{path}: Created a draft protocol for Ledningsgrupp för utveckling" in out
    assert "line 5: ‘Ivan Kuzhicov’ matched to Ivan Kuzhikov (similar spelling)" in out
    assert "Files: 1; created or replaced: 1; already there: 0; failed: 0." in out
    assert err == ""


def test_the_series_can_be_given_by_its_slug(network, tmp_path):
    path = write(tmp_path, "lg.txt", PROTOCOL.replace("Gemensam ledningsgrupp", "Styrgruppen"))

    run(path, "--series", network.lg.slug)

    assert Meeting.objects.get().series == network.lg


def test_an_unknown_series_slug_stops_before_anything_is_read(network, tmp_path):
    path = write(tmp_path, "lg.txt", PROTOCOL)

    error, _err = run_failing(path, "--series", "finns-inte")

    assert "There is no meeting series “finns-inte”" in str(error)
    assert "ledningsgrupp-for-utveckling" in str(error)
    assert not Meeting.objects.exists()


def test_a_title_whose_series_is_unknown_is_refused_with_its_line(network, tmp_path):
    path = write(tmp_path, "lg.txt", PROTOCOL.replace("Gemensam ledningsgrupp", "Styrgruppen"))

    error, err = run_failing(path)

    assert f"{path}, line 1: No meeting series is called “Styrgruppen”" in err
    assert "--series" in err
    assert error.returncode == 1
    assert not Meeting.objects.exists()


def test_a_title_without_a_year_takes_it_from_the_option_or_the_file_name(network, tmp_path):
    text = PROTOCOL.replace("23 januari 2017", "9 mars")
    given = write(tmp_path, "lg-03-09.txt", text)
    from_name = write(tmp_path, "lg-2018-03-09.txt", text)

    run(given, "--year", "2017")
    run(from_name)

    assert sorted(Meeting.objects.values_list("date", flat=True)) == [
        datetime.date(2017, 3, 9),
        datetime.date(2018, 3, 9),
    ]


def test_a_title_without_a_year_and_no_year_anywhere_is_refused(network, tmp_path):
    path = write(tmp_path, "lg-03-09.txt", PROTOCOL.replace("23 januari 2017", "9 mars"))

    error, err = run_failing(path)

    assert f"{path}, line 1:" in err
    assert "--year" in err
    assert not Meeting.objects.exists()


def test_a_year_out_of_range_is_refused(network, tmp_path):
    error, _err = run_failing(write(tmp_path, "lg.txt", PROTOCOL), "--year", "17")

    assert "between 1900 and 2099" in str(error)


def test_a_dry_run_writes_nothing(network, tmp_path):
    before = counts()

    out, _err = run(write(tmp_path, "lg.txt", PROTOCOL), "--dry-run")

    assert counts() == before
    assert "Would create a draft protocol" in out
    assert "Dry run: nothing was written." in out


def test_json_prints_one_object_per_file_with_the_matching_warnings(network, tmp_path):
    first = write(tmp_path, "lg.txt", PROTOCOL)
    second = write(
        tmp_path, "ug.txt", PROTOCOL.replace("Gemensam ledningsgrupp", "Utvecklingsgruppen")
    )

    out, err = run(first, second, "--json", "--dry-run")

    objects = [json.loads(line) for line in out.splitlines()]
    assert [set(o) for o in objects] == [JSON_KEYS, JSON_KEYS]
    assert [(o["file"], o["series"]) for o in objects] == [
        (first, "ledningsgrupp-for-utveckling"),
        (second, "gemensam-utvecklingsgrupp"),
    ]
    assert objects[0]["date"] == "2017-01-23"
    assert [a["name"] for a in objects[0]["attendees"]][1] == "Ivan Kuzhicov"
    assert (
        "line 5: ‘Ivan Kuzhicov’ matched to Ivan Kuzhikov (similar spelling)"
        in (objects[0]["warnings"])
    )
    # Messages go to stderr, so that stdout can be read as JSON.
    assert "Would create a draft protocol" in err
    assert not Meeting.objects.exists()


def test_importing_the_same_file_again_writes_nothing(network, tmp_path):
    path = write(tmp_path, "lg.txt", PROTOCOL)
    run(path)
    before = counts()

    out, _err = run(path)

    assert counts() == before
    assert f"{path}: Ledningsgrupp för utveckling already has a meeting on " in out
    assert "nothing was written. To replace a draft, import it with --replace." in out
    assert "Check:" not in out
    assert "created or replaced: 0; already there: 1; failed: 0." in out


def test_replace_makes_the_draft_again(network, tmp_path):
    path = write(tmp_path, "lg.txt", PROTOCOL)
    run(path)
    first = Meeting.objects.get()
    first.agenda_items.filter(order=1).update(title="Ändrad i admin")

    out, _err = run(path, "--replace")

    meeting = Meeting.objects.get()
    assert meeting.pk != first.pk
    assert meeting.agenda_items.get(order=1).title == "Lokaler"
    assert "Replaced the draft protocol" in out


@pytest.mark.parametrize("state", ["approved", "published"])
def test_replace_refuses_an_approved_or_published_protocol(network, tmp_path, state):
    path = write(tmp_path, "lg.txt", PROTOCOL)
    run(path)
    Meeting.objects.update(
        protocol_state=state, published_at=timezone.now() if state == "published" else None
    )
    before = counts()

    error, err = run_failing(path, "--replace")

    assert counts() == before
    assert "it is never replaced" in err
    assert f"Failed: {path}" in str(error)


@pytest.mark.parametrize(
    ("content", "expected", "line"),
    [
        (b"", "is empty", None),
        (b"  \n\n", "is empty", None),
        (b"\x00\x01\x02PK\x03\x04binary", "is not a text file", None),
        ("Gemensam ledningsgrupp\n\nNärvarande\nAllan Hedman\n", "has no date", 1),
        (
            "Gemensam ledningsgrupp 30 februari 2017\n\nNärvarande\nAllan Hedman\n",
            "does not exist",
            1,
        ),
        (
            "Gemensam ledningsgrupp 23 januari 2017\n\nLokaler\nVi pratade.\n",
            "no attendance list",
            None,
        ),
        (
            "Gemensam ledningsgrupp 23 januari 2017\n\nNärvarande\n\n## Lokaler\nText.\n",
            "attendance list is empty",
            3,
        ),
    ],
)
def test_bad_input_names_the_file_and_the_line_and_writes_nothing(
    network, tmp_path, content, expected, line
):
    path = write(tmp_path, "trasig.txt", content)
    before = counts()

    error, err = run_failing(path)

    assert counts() == before
    assert error.returncode == 1
    assert path in err
    assert expected in err
    if line:
        assert f"{path}, line {line}:" in err
    assert f"Failed: {path}" in str(error)


def test_windows_1252_and_utf8_with_bom_are_read(network, tmp_path):
    cp1252 = write(tmp_path, "lg.txt", PROTOCOL.encode("cp1252"))
    bom = write(
        tmp_path,
        "ug.txt",
        "\ufeff".encode()
        + PROTOCOL.replace("Gemensam ledningsgrupp", "Utvecklingsgruppen").encode(),
    )

    run(cp1252, bom)

    names = set(Attendance.objects.values_list("affiliation_as_written", flat=True))
    assert names == {"socialförvaltningen", "Vorta Drom"}
    assert Meeting.objects.count() == 2


def test_a_bad_file_does_not_stop_the_good_one(network, tmp_path):
    bad = write(tmp_path, "trasig.txt", b"")
    good = write(tmp_path, "lg.txt", PROTOCOL)

    error, err = run_failing(bad, good)

    assert Meeting.objects.get().series == network.lg
    assert "Files: 2; created or replaced: 1; already there: 0; failed: 1." in str(error)
    assert f"Failed: {bad}" in str(error)
    assert good not in str(error)
    assert bad in err


def test_a_missing_file_is_reported(network, tmp_path):
    error, err = run_failing(str(tmp_path / "finns-inte.txt"))

    assert "finns-inte.txt: The file cannot be read" in err


# ---------------------------------------------------------------------------
# The three real protocols


@pytest.fixture
def seeds():
    if not SEEDS.is_dir():
        pytest.skip(f"no seed protocols at {SEEDS}")
    return SEEDS


def imported(seeds: Path, name: str, *args) -> Meeting:
    run(str(seeds / name), *args)
    return Meeting.objects.order_by("-pk").first()


def test_the_steering_group_of_23_january_2017(network, seeds):
    meeting = imported(seeds, "gemensam-ledningsgrupp-2017-01-23.txt")

    assert (meeting.series, meeting.date) == (network.lg, datetime.date(2017, 1, 23))
    rows = list(meeting.attendances.all())
    assert len(rows) == 9
    assert all(row.is_standing_member for row in rows)
    assert [r.name_as_written for r in rows if r.status == "absent"] == [
        "Ivan Kuzhicov",
        "David Bergström",
    ]
    assert [r.name_as_written for r in rows if r.is_note_taker] == ["Pernilla Kvist"]
    assert meeting.note_taker_signature == "Vid pennan Pernilla Kvist"
    assert rows[1].person == network.ivan  # “Kuzhicov”, a near spelling of Kuzhikov
    assert list(meeting.agenda_items.values_list("title", flat=True)) == [
        "Lokaler",
        "Stöd till föräldrar med placerade barn",
        "Nationell spridning av Bättre hälsa för unga romer",
        "Personlig representant",
        "CurioCity Mashup",
        "Samskapade utredningar/tjänster",
        "Planering av nästa Gemensamma utvecklingsgrupp (13 februari)",
        "Stadsbyggnadsförvaltningen",
    ]
    assert meeting.agenda_items.get(order=3).kind == AgendaItem.Kind.TABLED
    action = meeting.action_items.get()
    assert {p.name for p in action.assigned_people.all()} == {"Ia Jonsson", "Allan Hedman"}


def test_the_development_group_of_16_january_2017(network, seeds):
    meeting = imported(seeds, "gemensam-utvecklingsgrupp-2017-01-16.md")

    assert (meeting.series, meeting.date) == (network.ug, datetime.date(2017, 1, 16))
    rows = list(meeting.attendances.all())
    assert len(rows) == 13
    assert not any(row.status == "absent" or row.is_note_taker for row in rows)
    assert rows[2].person == network.bo
    assert set(rows[2].organisations.all()) == {network.ria, network.g7}
    titles = list(meeting.agenda_items.values_list("title", "level"))
    assert titles[:3] == [
        ("Besök från stadsbyggnadsförvaltningen", 1),
        ("Gemensam utvecklingsgrupp framöver", 1),
        ("CurioCity Mashup", 1),
    ]
    assert titles[-5:] == [
        ("Övrigt", 1),
        ("Träning", 2),
        ("Fiskeklubb", 2),
        ("Minnesmärke", 2),
        ("Film", 2),
    ]
    assert {p.name for a in meeting.action_items.all() for p in a.assigned_people.all()} == {
        "Martina Ekdahl"
    }


def test_the_steering_group_of_9_march_needs_a_year(network, seeds):
    error, err = run_failing(str(seeds / "ledningsgrupp-for-utveckling-03-09.txt"))
    assert "--year" in err

    meeting = imported(seeds, "ledningsgrupp-for-utveckling-03-09.txt", "--year", "2017")

    assert (meeting.series, meeting.date) == (network.lg, datetime.date(2017, 3, 9))
    rows = list(meeting.attendances.all())
    assert len(rows) == 9
    assert not any(row.status == "absent" for row in rows)
    assert [r.name_as_written for r in rows if r.is_note_taker] == ["David Bergström"]
    assert rows[5].affiliation_as_written == "HR-chef socialförvaltningen"
    assert list(rows[5].organisations.all()) == [network.sof]
    assert list(meeting.agenda_items.values_list("title", flat=True)) == [
        "SOF-AMF",
        "Arbetsmarknadsförvaltningens roll",
        "Digitalt utanförskap",
        "Sysselsättning",
        "Brukarmedverkan i rekrytering",
        "Fritidsbank",
        "Om den här gruppen",
    ]
    amf_action = meeting.action_items.get(assigned_organisations=network.amf)
    assert amf_action.assignees_as_written == "Arbetsmarknadsförvaltningen"
