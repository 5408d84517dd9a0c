"""Reading participant lists (CSV) from the personnel services.

The file is UTF-8 (with or without BOM) or, failing that, Windows-1251 (Excel
on a Russian Windows); anything else is refused with advice instead of being
guessed, since a wrongly decoded name must never reach a slip. Cells are
checked field by field afterwards (``registration.identity``), where a
Windows-1251 file's ``?`` for ң, ө, ү is caught.
"""
from __future__ import annotations

import csv
import io

from flask_babel import gettext as _

from question_bank.text import BOM_NOT_UTF8, decode_spreadsheet

from .identity import FieldProblem, ImportRefused, normalise

# Header names accepted for each field (English, Russian, Kyrgyz), compared in lower case.
HEADER_ALIASES = {
    "surname": ("surname", "фамилия", "фамилиясы"),
    "name": ("name", "имя", "аты"),
    "patronymic": ("patronymic", "отчество", "атасынын аты"),
    "pin": ("pin", "пин", "инн", "персональный номер"),
    "id_document": ("id_document", "document", "документ", "паспорт"),
    "position": ("position", "должность", "кызмат орду"),
    "language": ("language", "язык", "тил"),
    "competition": ("competition", "конкурс"),
    "seat": ("seat", "место", "орун"),
}
REQUIRED_COLUMNS = ("surname", "name", "pin", "id_document", "position")


def decode_csv(raw: bytes) -> str:
    """The text of a participant list; ImportRefused (with the line) when it is not UTF-8 or cp1251."""
    text, failure, line = decode_spreadsheet(raw)
    if text is not None:
        return text
    if failure == BOM_NOT_UTF8:
        message = _("The file starts with a UTF-8 mark (BOM) but is not UTF-8: it was probably saved as "
                    "Windows-1251 with a BOM added. Save it again as UTF-8 (in Excel: \"CSV UTF-8\").")
    else:
        message = _("The file is neither UTF-8 nor Windows-1251. Save it again as UTF-8 (in Excel: \"CSV UTF-8\").")
    raise ImportRefused([FieldProblem("", message, line)])


def parse_csv(raw: bytes) -> list[tuple[int, dict[str, str]]]:
    """Rows of a participant list as ``(line where the row starts, fields)``; the
    delimiter is ``;`` or ``,`` (whichever the header uses). Raises ImportRefused
    for an undecodable file, a bad header or broken quoting."""
    text = decode_csv(raw)
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        header = next(reader)
    except StopIteration:
        raise ImportRefused([FieldProblem("", _("The file is empty."), 1)])
    except csv.Error:
        raise ImportRefused([FieldProblem("", _("The header row cannot be read (check the quotes)."), 1)])
    columns: dict[int, str] = {}
    for index, title in enumerate(header):
        key = next((k for k, names in HEADER_ALIASES.items() if normalise(title).lower() in names), None)
        if key:
            columns[index] = key
    missing = [k for k in REQUIRED_COLUMNS if k not in columns.values()]
    if missing:
        raise ImportRefused([FieldProblem(k, _("The header has no such column (accepted titles: %(names)s).",
                                               names=", ".join(HEADER_ALIASES[k])), 1) for k in missing])
    rows = []
    start = reader.line_num + 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error:
            raise ImportRefused([FieldProblem("", _("This row cannot be read: a quote is not closed or is "
                                                    "misplaced."), start)])
        line, start = start, reader.line_num + 1
        if not any(cell.strip() for cell in row):
            continue
        rows.append((line, {key: row[i] if i < len(row) else "" for i, key in columns.items()}))
    return rows
