"""What a participant's identity fields may hold, checked the same way wherever
they enter (the console form, a CSV list, the CLI).

* **ПИН**: Unicode NFKC first (a full-width ``１`` becomes ``1``), then ASCII
  digits only: ``\\d`` and ``int()`` accept any script's digits, and a second
  spelling of the same number registered one person twice. The normalised
  value is what is stored and what duplicate and retake checks compare. The
  birth date it carries (DDMMYYYY) must be a real date between 1900 and today.
* **Names**: letters (any script: ң, ө, ү, ё...), spaces, hyphens, apostrophes
  and dots; no digits, no control characters.
* **Every text**: no control characters, no U+FFFD and no ``?`` before a
  letter (Windows-1251 has no ң, ө, ү: Excel writes ``Г?лзат``), so a damaged
  name never reaches a slip or a protocol; and nothing a spreadsheet would run
  as a formula (``=``, ``+``, ``-``, ``@`` first, also after a tab or CR),
  since these values go back out in CSV exports.

Problems are ``FieldProblem``s whose ``label`` names the field in the reader's
language; the field key (``pin``, ``surname``...) stays for code and tests.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from question_bank.text import CONTROL, LOST_LETTER, REPLACED, looks_like_formula, text_problem

from examserver import clock
from examserver.core.errors import ServiceError

PIN_RE = re.compile(r"[12][0-9]{13}")  # ASCII digits only: never \d
OLDEST_BIRTH_YEAR = 1900
# Column sizes of ``participant`` (examserver/models/sessions.py).
LIMITS = {"surname": 100, "name": 100, "patronymic": 100, "id_document": 64, "competition": 200, "seat": 16}
NAME_FIELDS = ("surname", "name", "patronymic")
# Letters and combining marks are checked by category; these are the others a name may hold.
NAME_PUNCTUATION = frozenset(" -'’ʼ`.")
DOCUMENT_RE = re.compile(r"[^\W_]+(?:[ ./№-]*[^\W_]+)*")  # letters/digits, inner separators

FIELD_LABELS = {
    "surname": _l("Surname"),
    "name": _l("Name"),
    "patronymic": _l("Patronymic"),
    "pin": _l("Personal number (PIN)"),
    "id_document": _l("Identity document"),
    "position": _l("Position applied for"),
    "language": _l("Language"),
    "competition": _l("Competition (vacancy)"),
    "seat": _l("Seat"),
}


def field_label(key: str) -> str:
    """The field's name in the current language (the key itself if unknown)."""
    label = FIELD_LABELS.get(key)
    return str(label) if label is not None else key


@dataclass
class FieldProblem(Exception):
    """A problem with one field of one participant (``line`` is set for CSV rows)."""

    field: str
    message: str
    line: int | None = None

    @property
    def label(self) -> str:
        """The field's name in the reader's language."""
        return field_label(self.field) if self.field else ""

    def __str__(self) -> str:
        where = _("line %(line)s", line=self.line) + ": " if self.line is not None else ""
        return f"{where}{self.label}: {self.message}" if self.field else f"{where}{self.message}"


class ImportRefused(ServiceError):
    """A CSV list with problems: nothing was imported; ``problems`` lists them all."""

    def __init__(self, problems: list[FieldProblem]):
        super().__init__(_("The list was not imported: %(n)s problem(s). Fix them and import it again.",
                           n=len(problems)), "import_refused", status=422)
        self.problems = problems


def normalise(value: str | None) -> str:
    """NFKC and outer spaces trimmed: one spelling for what a person sees as the same text."""
    return unicodedata.normalize("NFKC", value or "").strip()


def validate_pin(raw: str, today: date | None = None) -> str:
    """The ПИН normalised (NFKC, spaces removed), or ServiceError(code "pin") saying what is wrong."""
    pin = re.sub(r"\s", "", normalise(raw))
    if not re.fullmatch(r"[0-9]{14}", pin):
        raise ServiceError(_("The personal number (PIN) must be exactly 14 digits (0-9)."), "pin")
    if not PIN_RE.fullmatch(pin):
        raise ServiceError(_("The personal number (PIN) must start with 1 or 2."), "pin")
    try:
        born = date(int(pin[5:9]), int(pin[3:5]), int(pin[1:3]))
    except ValueError:
        raise ServiceError(_("The personal number (PIN) does not contain a valid birth date (DDMMYYYY)."), "pin")
    today = today or clock.to_local(clock.now()).date()
    if born.year < OLDEST_BIRTH_YEAR or born > today:
        raise ServiceError(_("The birth date in the personal number (PIN), %(date)s, is not possible.",
                             date=born.strftime("%d.%m.%Y")), "pin")
    return pin


def _damage(value: str, allow_newlines: bool = False) -> str | None:
    """A translated message if ``value`` is damaged text, else None."""
    kind = text_problem(value, allow_newlines)
    if kind == LOST_LETTER:
        return _("Contains '?' inside a word: letters such as ң, ө, ү were lost when the file was "
                 "saved as Windows-1251. Save the file again as UTF-8 (in Excel: \"CSV UTF-8\").")
    if kind == REPLACED:
        return _("Contains the character U+FFFD: some letters could not be read. "
                 "Save the file again as UTF-8 (in Excel: \"CSV UTF-8\").")
    if kind == CONTROL:
        return _("Contains a control character (tab, line break or similar).")
    return None


def _formula(value: str) -> str | None:
    if looks_like_formula(value):
        return _("Must not start with =, +, - or @ (a spreadsheet would run it as a formula).")
    return None


def _name_problem(value: str) -> str | None:
    if any(unicodedata.category(ch) == "Nd" or ch.isdigit() for ch in value):
        return _("A name cannot contain digits.")
    if any(not (unicodedata.category(ch)[0] in "LM" or ch in NAME_PUNCTUATION) for ch in value):
        return _("A name may contain only letters, spaces, hyphens, apostrophes and dots.")
    return None


def _document_problem(value: str) -> str | None:
    if not DOCUMENT_RE.fullmatch(value):
        return _("A document number may contain only letters, digits, spaces and . / № -")
    return None


def check_text_fields(values: dict[str, str]) -> list[FieldProblem]:
    """Problems of the free-text fields of one participant (values already normalised)."""
    problems: list[FieldProblem] = []
    for key, limit in LIMITS.items():
        value = values.get(key, "")
        if not value:
            continue
        if len(value) > limit:
            problems.append(FieldProblem(key, _("At most %(n)s characters.", n=limit)))
            continue
        message = _damage(value) or _formula(value)
        if message is None and key in NAME_FIELDS:
            message = _name_problem(value)
        if message is None and key == "id_document":
            message = _document_problem(value)
        if message is not None:
            problems.append(FieldProblem(key, message))
    return problems
