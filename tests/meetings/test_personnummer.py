import pytest

from meetings.personnummer import find_personnummer


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


@pytest.mark.parametrize(
    "text",
    [
        "811218-9877",  # wrong check digit
        "Telefon 042-10 50 00",
        "Lokalen är 70 kvadratmeter, mötet 13:30",
        "Ärende 2017-01-23",
        "12345678901234",
        "",
    ],
)
def test_it_ignores_other_numbers(text):
    assert find_personnummer(text) == []
