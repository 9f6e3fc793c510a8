"""Find Swedish personal identity numbers (personnummer) in text, by shape.

A number is found by its shape, not its check digit: a plausible date in 6 or
8 digits (YYMMDD or YYYYMMDD; a samordningsnummer adds 60 to the day), a
separator or none, then 4 digits, with no digit right before or after. A
typing error in the check digit does not make a number anonymous: a reader
still sees whose it is, so 19800101-1234 counts although its check digit is
wrong.

The text is checked as a reader sees it, in three readings; a number in any of
them counts:

1. the raw text with HTML entities decoded (repeatedly, so `&amp;#45;` too),
   Unicode dashes and minus signs folded to "-", Unicode spaces to " ",
   invisible characters (zero-width spaces and joiners, soft hyphens) dropped
   and non-ASCII digits folded to 0-9;
2. the text rendered as Markdown and reduced to plain text, then folded: this
   catches Markdown escapes (`19800101\\-1234`) and numbers split by markup
   (`1980**0101**-1234`, a line break);
3. that plain text with whitespace and leftover markup (`*`, `_`, `~`,
   backticks, backslashes, literal tags such as `<b>`) removed around a
   separator: "19800101 – 1234", `19800101**-**1234` (CommonMark leaves those
   asterisks as text, but a reader still sees the number).
"""

from __future__ import annotations

import re
import unicodedata
from html import unescape
from urllib.parse import unquote

from .markdown import markdown_to_text

# Fewer digits than this cannot hold a number (6 + 4), so nothing is rendered.
MIN_DIGITS = 10

# Every dash (Unicode category Pd) and minus sign reads as "-".
DASHES = (
    "\u058a\u05be\u1400\u1806\u2010\u2011\u2012\u2013\u2014\u2015\u2e17\u2e1a"
    "\u2e3a\u2e3b\u2e40\u2e5d\u301c\u3030\u30a0\ufe31\ufe32\ufe58\ufe63\uff0d"
    "\U00010ead"
    "\u02d7\u2043\u207b\u208b\u2212\u2796"
)
# Every space (Unicode category Zs) reads as " ".
SPACES = "\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000"
# Characters a browser draws as nothing vanish: Unicode's default-ignorable code points
# (soft hyphen, zero-width spaces and joiners, direction marks and isolates, invisible
# operators, variation selectors, tags ...).
IGNORABLE = re.compile(
    "[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f"
    "\u202a-\u202e\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff0-\ufff8"
    "\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0000-\U000e0fff]"
)

_FOLD = str.maketrans({**dict.fromkeys(DASHES, "-"), **dict.fromkeys(SPACES, " ")})
_ANY_DIGIT = re.compile(r"\d")
_NON_ASCII_DIGIT = re.compile(r"(?![0-9])\d")
_NOT_DIGIT = re.compile(r"[^0-9]+")
# One pass of html.unescape, a reference at a time (the same pattern as the html module's).
_CHARREF = re.compile(r"&(#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[^\t\n\f <&#;]{1,32};?)")


def _date(glue: str = "") -> str:
    """YYYYMMDD (century 18-20) or YYMMDD; day 01-31, or 61-91 for a samordningsnummer."""
    g = glue
    month = f"(?:0{g}[1-9]|1{g}[0-2])"
    day = f"(?:0{g}[1-9]|[12]{g}[0-9]|3{g}[01]|6{g}[1-9]|[78]{g}[0-9]|9{g}[01])"
    yymmdd = f"[0-9]{g}[0-9]{g}{month}{g}{day}"
    return f"(?:(?:1{g}[89]|2{g}0){g}{yymmdd}|{yymmdd})"


NUMBER = re.compile(rf"(?<![0-9])({_date()})(?: ?[-+] ?| )?([0-9]{{4}})(?![0-9])")

# Leftover markup a reader looks through: Markdown characters and literal tags.
_MARKUP = r"(?:[*_~`\\]|</?[A-Za-z][A-Za-z0-9]{0,9}>)"
_AROUND_SEPARATOR = re.compile(rf"([0-9])(?:\s|{_MARKUP})*([-+])(?:\s|{_MARKUP})*(?=[0-9])")

# For redaction: the same numbers, also with markup inside them and between the parts.
_REDACTABLE = re.compile(
    rf"(?<![0-9]){_date(_MARKUP + '*')}(?:[\s+-]|%2[0BbDd]|{_MARKUP}){{0,12}}"
    rf"[0-9](?:{_MARKUP}*[0-9]){{3}}(?![0-9])"
)


def _unescape(text: str) -> str:
    """Decode HTML entities until nothing changes (`&amp;#45;` is "-")."""
    while "&" in text:
        decoded = unescape(text)
        if decoded == text:
            break
        text = decoded
    return text


def _fold_digits(text: str) -> str:
    if text.isascii():
        return text
    return _NON_ASCII_DIGIT.sub(lambda match: str(unicodedata.decimal(match.group())), text)


def _fold_chars(text: str) -> str:
    """Compatibility forms to their plain letters (NFKC: superscript and fullwidth
    digits), invisible characters out, dashes to "-", spaces to " ", digits to 0-9."""
    if not text.isascii():
        text = IGNORABLE.sub("", unicodedata.normalize("NFKC", text)).translate(_FOLD)
    return _fold_digits(text)


def _fold(text: str) -> str:
    return _fold_chars(_unescape(text))


def _numbers(text: str) -> list[str]:
    return [f"{match[1]}-{match[2]}" for match in NUMBER.finditer(text)]


def find_personnummer(text: str) -> list[str]:
    """Every personnummer or samordningsnummer a reader sees in `text`.

    Normalised to digits and a "-" ("19800101-1234", "800101-1234"),
    without repeats, in order of first appearance.
    """
    if not _may_hold_a_number(text):
        return []
    raw = _fold(text)
    if len(_ANY_DIGIT.findall(raw)) < MIN_DIGITS:
        return []
    plain = _fold(markdown_to_text(text))
    glued = _AROUND_SEPARATOR.sub(r"\1\2", plain)
    # A link's address, as the browser shows it when the pointer rests on it (%2D is "-").
    unquoted = _fold(unquote(raw)) if "%" in raw else ""
    found = dict.fromkeys(_numbers(raw) + _numbers(plain) + _numbers(glued) + _numbers(unquoted))

    # Markup never holds digits, so every reading's number is a run in the raw text's digits.
    digits = _NOT_DIGIT.sub("", raw)

    def first_seen(number: str) -> int:
        position = digits.find(number.replace("-", ""))
        return position if position >= 0 else len(digits)

    return sorted(found, key=first_seen)


def _may_hold_a_number(text: str) -> bool:
    """Cheap first look: plain ASCII text with few digits and no entity holds none."""
    if not text:
        return False
    return not text.isascii() or "&" in text or len(_ANY_DIGIT.findall(text)) >= MIN_DIGITS


def _decoded_with_spans(text: str) -> tuple[str, list[tuple[int, int]]]:
    """The raw text as reading 1 sees it, with each character's span in `text`."""
    chars = list(text)
    spans = [(index, index + 1) for index in range(len(text))]
    while True:
        current = "".join(chars)
        if "&" not in current:
            break
        new_chars: list[str] = []
        new_spans: list[tuple[int, int]] = []
        position = 0
        for match in _CHARREF.finditer(current):
            new_chars += chars[position : match.start()]
            new_spans += spans[position : match.start()]
            span = (spans[match.start()][0], spans[match.end() - 1][1])
            for char in unescape(match.group()):
                new_chars.append(char)
                new_spans.append(span)
            position = match.end()
        new_chars += chars[position:]
        new_spans += spans[position:]
        if new_chars == chars:
            break
        chars, spans = new_chars, new_spans

    folded: list[str] = []
    folded_spans: list[tuple[int, int]] = []
    for char, span in zip(chars, spans, strict=True):
        for folded_char in _fold_chars(char):
            folded.append(folded_char)
            folded_spans.append(span)
    return "".join(folded), folded_spans


def redact_personnummer(text: str, replacement: str = "[personnummer borttaget]") -> str:
    """`text` with every personnummer replaced, its entities and markup included."""
    if not _may_hold_a_number(text):
        return text
    folded, spans = _decoded_with_spans(text)
    cuts: list[tuple[int, int]] = []
    for match in _REDACTABLE.finditer(folded):
        start, end = spans[match.start()][0], spans[match.end() - 1][1]
        if cuts and start < cuts[-1][1]:
            cuts[-1] = (cuts[-1][0], max(end, cuts[-1][1]))
        else:
            cuts.append((start, end))
    parts = []
    position = 0
    for start, end in cuts:
        parts += [text[position:start], replacement]
        position = end
    parts.append(text[position:])
    return "".join(parts)
