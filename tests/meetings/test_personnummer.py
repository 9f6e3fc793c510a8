import sys
import unicodedata

import pytest
from stdnum import luhn
from stdnum.se import personnummer as stdnum_personnummer

from meetings import personnummer as module
from meetings.personnummer import find_personnummer, redact_personnummer

REMOVED = "[personnummer borttaget]"

# 1981-12-18: 9876 is the right check digit, 9877 a wrong one.
VALID = "19811218-9876"
WRONG_CHECK_DIGIT = "19811218-9877"
# Samordningsnummer: the day plus 60 (18 + 60 = 78); 9873 is right, 9874 wrong.
COORDINATION_VALID = "19811278-9873"
COORDINATION_WRONG = "19811278-9874"

NUMBERS = [VALID, WRONG_CHECK_DIGIT, COORDINATION_VALID, COORDINATION_WRONG]

# How a number can be written; {date} is YYYYMMDD, {short} YYMMDD, {last} the last four.
# Each is (id, template, which form is expected back).
VARIANTS = [
    ("12 digits", "{date}{last}", "long"),
    ("10 digits", "{short}{last}", "short"),
    ("hyphen", "{date}-{last}", "long"),
    ("short with hyphen", "{short}-{last}", "short"),
    ("plus", "{short}+{last}", "short"),
    ("space", "{date} {last}", "long"),
    ("en dash", "{date}\u2013{last}", "long"),
    ("em dash", "{date}\u2014{last}", "long"),
    ("minus sign", "{date}\u2212{last}", "long"),
    ("hyphen U+2010", "{date}\u2010{last}", "long"),
    ("non-breaking hyphen", "{date}\u2011{last}", "long"),
    ("figure dash", "{date}\u2012{last}", "long"),
    ("horizontal bar", "{date}\u2015{last}", "long"),
    ("small em dash", "{date}\ufe58{last}", "long"),
    ("small hyphen-minus", "{date}\ufe63{last}", "long"),
    ("fullwidth hyphen-minus", "{date}\uff0d{last}", "long"),
    ("no-break space", "{date}\u00a0{last}", "long"),
    ("narrow no-break space", "{short}\u202f{last}", "short"),
    ("thin space", "{date}\u2009{last}", "long"),
    ("figure space", "{date}\u2007{last}", "long"),
    ("zero-width space", "{date}\u200b{last}", "long"),
    ("left-to-right mark", "{date}\u200e-{last}", "long"),
    ("right-to-left mark", "{date}\u200f-{last}", "long"),
    ("left-to-right isolate", "{date}\u2066-{last}", "long"),
    ("invisible times", "{date}\u2062-{last}", "long"),
    ("combining grapheme joiner", "{date}\u034f-{last}", "long"),
    ("variation selector", "{date}\ufe0f-{last}", "long"),
    ("lrm entity", "{date}&lrm;-{last}", "long"),
    ("percent-encoded in a link", "[se här](https://example.org/?id={date}%2D{last})", "long"),
    ("soft hyphen", "{date}\u00ad-{last}", "long"),
    ("spaced hyphen", "{date} - {last}", "long"),
    ("spaced en dash", "{date} \u2013 {last}", "long"),
    ("hyphen with space after", "{date}- {last}", "long"),
    ("space then en dash", "{date} \u2013{last}", "long"),
    ("numeric entity", "{date}&#45;{last}", "long"),
    ("hex entity", "{date}&#x2D;{last}", "long"),
    ("named entity", "{date}&ndash;{last}", "long"),
    ("nbsp entity", "{date}&nbsp;{last}", "long"),
    ("double-encoded entity", "{date}&amp;#45;{last}", "long"),
    ("triple-encoded entity", "{date}&amp;amp;#45;{last}", "long"),
    ("Markdown escape", "{date}\\-{last}", "long"),
    ("bold hyphen", "{date}**-**{last}", "long"),
    ("italic hyphen", "{date}*-*{last}", "long"),
    ("underscore italic hyphen", "{date}_-_{last}", "long"),
    ("spaced bold hyphen", "{date} **-** {last}", "long"),
    ("tag around hyphen", "{date}<b>-</b>{last}", "long"),
    ("bold inside the date", "{date_a}**{date_b}**-{last}", "long"),
    ("code span", "`{date}`-{last}", "long"),
    ("line break", "{date}\n{last}", "long"),
    ("fullwidth digits", "{fullwidth}", "long"),
    ("in a sentence", "Hennes nummer är {short}-{last}.", "short"),
    ("in brackets", "({short} {last})", "short"),
    ("Markdown list item", "- Ärende ett\n- Gäller {date}-{last}\n- Ärende tre", "long"),
    ("nested list item", "- Ärende\n  - {date}-{last}", "long"),
    ("link text", "Se [{date}-{last}](https://example.org/) i akten.", "long"),
    ("link address", "Se [akten](https://example.org/?id={date}-{last}).", "long"),
    ("bold number", "**{date}-{last}**", "long"),
    ("table cell", "| Namn | Nummer |\n| --- | --- |\n| Anna | {date}-{last} |", "long"),
]


def _fill(template, number):
    date, last = number.split("-")
    fullwidth = "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in number)
    return template.format(
        date=date, short=date[2:], last=last, date_a=date[:4], date_b=date[4:], fullwidth=fullwidth
    )


def _expected(number, form):
    return number if form == "long" else number[2:]


VARIANT_CASES = [
    pytest.param(template, number, _expected(number, form), id=f"{name}: {number}")
    for name, template, form in VARIANTS
    for number in NUMBERS
]

NOT_NUMBERS = [
    "2017-01-16",
    "Mötet 2017-01-16 kl. 13:30, nästa möte 2017-02-20 kl. 13:30.",
    "16 januari 2017",
    "Vi ses den 16 januari 2017 och den 20 februari 2017.",
    "13:30",
    "1 500 000 kr",
    "Budgeten är 1 500 000 kr i år och 2 300 000 kr nästa år.",
    "12345678901234",  # 14 digits
    "ISBN 9789113012345678",
    "Ordernummer 1981121898765432",
    "19801301-1234",  # month 13
    "19800132-1234",  # day 32
    "19800100-1234",  # day 0
    "19800001-1234",  # month 0
    "801301-1234",  # month 13
    "800132-1234",  # day 32
    "19800160-1234",  # samordningsnummer day 0 + 60
    "19800192-1234",  # samordningsnummer day 32 + 60
    "21800101-1234",  # no century 21
    "17800101-1234",  # nor 17
    "19811218-98765",  # five digits after the separator
    "119811218-9876",  # nine digits before it
    "19811218-987",  # three after
    "08-123 456 78",
    "Telefon 08-123 456 78 eller 070-123 45 67",
    "Telefon 042-10 50 00",
    "Lokalen är 70 kvadratmeter, mötet 13:30",
    "Ärende 2017-01-23",
    "Dnr 2017/123-4567 och 2018/234-5678",
    "",
]


def test_the_chosen_numbers_have_right_and_wrong_check_digits():
    assert stdnum_personnummer.is_valid(VALID)
    assert not stdnum_personnummer.is_valid(WRONG_CHECK_DIGIT)
    assert luhn.is_valid(COORDINATION_VALID[2:].replace("-", ""))
    assert not luhn.is_valid(COORDINATION_WRONG[2:].replace("-", ""))


@pytest.mark.parametrize(
    "text",
    [
        "Hennes nummer är 811218-9876.",
        "19811218-9876",
        "8112189876 står i ansökan",
        "811218+9876",
        "(811218 9876)",
    ],
)
def test_it_finds_personal_identity_numbers_with_a_valid_check_digit(text):
    assert find_personnummer(text)


@pytest.mark.parametrize(("template", "number", "expected"), VARIANT_CASES)
def test_it_finds_every_way_of_writing_a_number_whatever_its_check_digit(
    template, number, expected
):
    assert find_personnummer(_fill(template, number)) == [expected]


@pytest.mark.parametrize("text", NOT_NUMBERS)
def test_it_ignores_dates_times_amounts_phone_numbers_and_long_digit_runs(text):
    assert find_personnummer(text) == []


def test_a_wrong_check_digit_is_still_found():
    assert find_personnummer("Diarienummer 811218-9877") == ["811218-9877"]


def test_numbers_are_normalised_to_digits_and_a_hyphen():
    assert find_personnummer("811218+9876") == ["811218-9876"]
    assert find_personnummer("19811218 \u2013 9876") == ["19811218-9876"]
    assert find_personnummer("198112189876") == ["19811218-9876"]


def test_each_number_is_returned_once_in_order_of_first_appearance():
    text = (
        "Först 1980**0101**-1234, sedan 811218-9876, "
        "så 19800101 - 1234 igen och sist 811218\u20119876."
    )
    assert find_personnummer(text) == ["19800101-1234", "811218-9876"]


def test_every_unicode_dash_and_space_between_the_parts_is_seen_through():
    separators = [
        chr(code)
        for code in range(sys.maxunicode + 1)
        if unicodedata.category(chr(code)) in ("Pd", "Zs")
    ] + list("\u2212\u00ad\u200b\u200c\u200d\u2060")
    missed = [
        f"U+{ord(char):04X}"
        for char in separators
        if find_personnummer(f"19811218{char}9876") != [VALID]
    ]
    assert missed == []


def test_few_digits_return_nothing_without_rendering_markdown(monkeypatch):
    def fail(text):
        raise AssertionError("Markdown was rendered")

    monkeypatch.setattr(module, "markdown_to_text", fail)
    assert find_personnummer("Mötet börjar 13:30 i rum 204.") == []
    assert find_personnummer("811218-987") == []  # nine digits
    assert find_personnummer("**-**" * 1000) == []


@pytest.mark.parametrize(("template", "number", "expected"), VARIANT_CASES)
def test_redaction_leaves_nothing_to_find(template, number, expected):
    text = _fill(template, number)
    redacted = redact_personnummer(text)
    assert REMOVED in redacted
    assert find_personnummer(redacted) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hennes nummer är 811218-9877.", f"Hennes nummer är {REMOVED}."),
        ("A 19811218&amp;#45;9876 B", f"A {REMOVED} B"),
        ("A 19811218**-**9876 B", f"A {REMOVED} B"),
        ("A 19811218\\-9876 B", f"A {REMOVED} B"),
        ("A 19811218 \u2013 9876 B", f"A {REMOVED} B"),
        ("- 811218-9876\n- 19800101 1234\n", f"- {REMOVED}\n- {REMOVED}\n"),
    ],
)
def test_redaction_replaces_the_number_as_written_and_keeps_the_rest(text, expected):
    assert redact_personnummer(text) == expected


def test_redaction_takes_a_replacement():
    assert redact_personnummer("Nr 811218-9876.", replacement="XXX") == "Nr XXX."


@pytest.mark.parametrize("text", NOT_NUMBERS)
def test_redaction_leaves_text_without_numbers_unchanged(text):
    assert redact_personnummer(text) == text
