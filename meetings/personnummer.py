"""Find text that looks like a Swedish personal identity number (personnummer).

Validation of a candidate (date and Luhn check digit) is python-stdnum's; this
module only finds the candidates in free text.
"""

from __future__ import annotations

import re

from stdnum.se import personnummer

# 10 or 12 digits, optionally with "-", "+" or a space before the last four.
CANDIDATE = re.compile(r"(?<!\d)(?:\d{2})?\d{6}[-+ ]?\d{4}(?!\d)")


def find_personnummer(text: str) -> list[str]:
    return [match for match in CANDIDATE.findall(text or "") if personnummer.is_valid(match)]
