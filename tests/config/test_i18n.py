"""Swedish by default, English available, and the Swedish catalog complete."""

import datetime
from pathlib import Path

import polib
import pytest
from django.utils import translation
from django.utils.formats import date_format

ROOT = Path(__file__).resolve().parents[2]
CATALOG = ROOT / "locale" / "sv" / "LC_MESSAGES" / "django.po"


def test_dates_are_shown_the_swedish_way():
    assert date_format(datetime.date(2017, 1, 23)) == "23 januari 2017"


def test_the_swedish_catalog_translates_every_string():
    catalog = polib.pofile(str(CATALOG))
    missing = [entry.msgid for entry in catalog.untranslated_entries()]
    fuzzy = [entry.msgid for entry in catalog.fuzzy_entries()]
    assert missing == []
    assert fuzzy == []
    assert len(catalog) > 100


def test_the_compiled_catalog_matches_the_source():
    source = polib.pofile(str(CATALOG))
    compiled = polib.mofile(str(CATALOG.with_suffix(".mo")))
    compiled_entries = {(e.msgctxt, e.msgid): (e.msgstr, e.msgstr_plural) for e in compiled}
    for entry in source.translated_entries():
        assert compiled_entries.get((entry.msgctxt, entry.msgid)) == (
            entry.msgstr,
            entry.msgstr_plural,
        ), f"run 'make messages': {entry.msgid!r} is not compiled"


@pytest.mark.parametrize(("language", "expected"), [("sv", "Deltagare"), ("en", "Participant")])
def test_english_is_available(language, expected):
    from meetings.policy import public_label

    with translation.override(language):
        assert public_label("role", "Sven Ek") == expected


@pytest.mark.django_db
def test_a_visitor_can_choose_english_and_go_back_to_swedish(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"}, follow=True)
    assert 'lang="en"' in response.content.decode()
    assert "Log in for staff" in response.content.decode()

    response = client.post("/i18n/setlang/", {"language": "sv", "next": "/"}, follow=True)
    assert "Logga in för personal" in response.content.decode()


@pytest.mark.django_db
def test_an_english_browser_still_gets_swedish_until_the_visitor_chooses(client):
    response = client.get("/", headers={"accept-language": "en-US,en;q=0.9"})
    assert 'lang="sv"' in response.content.decode()
    assert response.headers["Content-Language"] == "sv"


@pytest.mark.django_db
def test_an_unknown_language_cookie_falls_back_to_swedish(client):
    client.cookies["django_language"] = "xx"
    assert 'lang="sv"' in client.get("/").content.decode()


def test_the_importer_explains_problems_in_swedish():
    from meetings.importer.parse import parse_protocol
    from meetings.importer.structures import ProtocolError

    with translation.override("sv"), pytest.raises(ProtocolError) as error:
        parse_protocol("Gemensam ledningsgrupp 9 mars\n\nNärvarande\nAnna Berg, G7\n")
    assert error.value.message == "rubriken har inget år. Ange året (--year)"
