"""Checks for free text that people typed into spreadsheets and editors.

Shared by the bank readers and by participant registration (which translates
the findings), so a damaged text is recognised the same way everywhere.

Windows-1251 has no letters for Kyrgyz ң, ө, ү (nor Kazakh ә, ғ, қ, ұ, һ, і);
Excel on a Russian Windows writes ``?`` in their place when it saves a CSV, so
``Гүлзат`` arrives as ``Г?лзат`` and ``өкмөттүн`` as ``?км?тт?н``. A ``?``
directly before a letter is therefore taken as such a loss. A decoder that
met bytes it could not read leaves U+FFFD. Neither may reach a slip, a
protocol or a question shown to a candidate: the file must be saved again as
UTF-8.
"""
from __future__ import annotations

import re

# '?' directly followed by a letter: "Г?лзат", "?км?тт?н". A question mark at
# the end of a sentence ("...кайсы?") or before a space or digit is ordinary.
LOST_LETTER_RE = re.compile(r"\?(?=[^\W\d_])")
REPLACEMENT = "\ufffd"
# Characters that start a formula when a spreadsheet opens a CSV cell
# (OWASP "CSV injection"), also after a leading tab or carriage return.
FORMULA_START_RE = re.compile(r"^[\t\r]*[=+\-@]")

# Problem kinds, in the order they are looked for.
CONTROL = "control"
REPLACED = "replacement"
LOST_LETTER = "cp1251"


# Cc (control characters; NUL included, which PostgreSQL refuses in text),
# lone surrogates (Cs: cannot be encoded as UTF-8) and the noncharacters. A
# regular expression, because every text of a 20 MB bank goes through it.
_BAD_CHARS = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff"
_BAD_RE = re.compile(f"[{_BAD_CHARS}]")
_BAD_OR_NEWLINE_RE = re.compile(f"[{_BAD_CHARS}\t\n\r]")


def _find_bad(value: str, allow_newlines: bool) -> re.Match | None:
    return (_BAD_RE if allow_newlines else _BAD_OR_NEWLINE_RE).search(value)


def text_problem(value: str, allow_newlines: bool = True) -> str | None:
    """The first kind of damage found in ``value`` (CONTROL, REPLACED, LOST_LETTER) or None."""
    if _find_bad(value, allow_newlines):
        return CONTROL
    if REPLACEMENT in value:
        return REPLACED
    if LOST_LETTER_RE.search(value):
        return LOST_LETTER
    return None


def first_bad_char(value: str, allow_newlines: bool = True) -> str:
    """The first control character of ``value`` as ``U+XXXX`` (for messages)."""
    found = _find_bad(value, allow_newlines)
    return f"U+{ord(found.group()):04X}" if found else ""


SAVE_AS_UTF8 = ("save the file again as UTF-8 (in Excel: \"CSV UTF-8\"); "
                "Windows-1251 has no letters ң, ө, ү")

MESSAGES = {
    CONTROL: "contains a control character ({char})",
    REPLACED: "contains U+FFFD (a character the file's encoding could not hold); " + SAVE_AS_UTF8,
    LOST_LETTER: "contains '?' inside a word (a letter lost by the encoding); " + SAVE_AS_UTF8,
}


def describe(kind: str, value: str, allow_newlines: bool = True) -> str:
    """An English message for a problem kind found in ``value``."""
    return MESSAGES[kind].format(char=first_bad_char(value, allow_newlines))


def looks_like_formula(value: str) -> bool:
    """True when a spreadsheet would run ``value`` as a formula."""
    return bool(FORMULA_START_RE.match(value))


UTF8_BOM = b"\xef\xbb\xbf"
# Why a spreadsheet file could not be decoded (see decode_spreadsheet).
BOM_NOT_UTF8 = "bom_not_utf8"
NOT_DECODABLE = "not_decodable"


def decode_spreadsheet(data: bytes) -> tuple[str | None, str | None, int]:
    """Decode a CSV as UTF-8 (BOM or not), else as Windows-1251 (Excel on Russian Windows).

    Returns ``(text, None, 0)``, or ``(None, kind, line)`` when the bytes are
    neither: ``BOM_NOT_UTF8`` when the file starts with a UTF-8 byte order mark
    yet is not UTF-8 (saved as cp1251 by a tool that added a BOM: decoding it
    as cp1251 would still be a guess), ``NOT_DECODABLE`` otherwise. ``line``
    is the first line with a byte that does not decode. Nothing is replaced
    silently: a U+FFFD in a name must never reach a slip.
    """
    try:
        return data.decode("utf-8-sig"), None, 0
    except UnicodeDecodeError:
        pass
    if data.startswith(UTF8_BOM):
        try:  # plain "utf-8" (the BOM is a valid character) gives positions from the file's start
            data.decode("utf-8")
        except UnicodeDecodeError as exc:
            return None, BOM_NOT_UTF8, data[: exc.start].count(b"\n") + 1
    try:
        return data.decode("cp1251"), None, 0
    except UnicodeDecodeError as exc:
        return None, NOT_DECODABLE, data[: exc.start].count(b"\n") + 1


DECODE_MESSAGES = {
    BOM_NOT_UTF8: "the file starts with a UTF-8 byte order mark (BOM) but is not UTF-8 "
                  "(probably Windows-1251 with a BOM added); " + SAVE_AS_UTF8,
    NOT_DECODABLE: "the file is neither UTF-8 nor Windows-1251; " + SAVE_AS_UTF8,
}
