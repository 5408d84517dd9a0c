"""The CSV bank format: one row per item (see docs/bank-format.md).

Spreadsheets are how many authors keep questions, and Windows Excel in
Kyrgyzstan saves CSV as cp1251 with ``;`` separators, so both are accepted.
"""
from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from ..errors import Problem
from ..items import LANGUAGES, OPTION_IDS
from ..text import DECODE_MESSAGES, decode_spreadsheet
from .fields import Reporter, shown
from .native import Located, read_item
from .source import read_file

PLAIN_COLUMNS = ("id", "version", "topic", "type", "points", "difficulty", "status", "source", "key")
INT_COLUMNS = ("version", "points", "difficulty")
_LANG_COL = re.compile(r"^(text|[a-h])_([a-z]{2})$")


def _delimiter(header_line: str) -> str:
    return max((",", ";", "\t"), key=header_line.count)


def _row_to_native(row: dict[str, str]) -> dict:
    d: dict = {}
    for col in PLAIN_COLUMNS:
        value = (row.get(col) or "").strip()
        if not value:
            continue  # empty cell: the field's default (or "missing" if required)
        if col in INT_COLUMNS:
            try:
                d[col] = int(value)
            except ValueError:
                d[col] = value  # read_item reports "must be a whole number"
        else:
            d[col] = value
    text = {lang: row[f"text_{lang}"] for lang in LANGUAGES
            if (row.get(f"text_{lang}") or "").strip()}
    if text:
        d["text"] = text
    options = []
    for oid in OPTION_IDS:
        cells = {lang: row.get(f"{oid}_{lang}") or "" for lang in LANGUAGES}
        if any(c.strip() for c in cells.values()):
            # An empty cell in a language the question has is kept, so the
            # item reader reports exactly which option text is missing.
            options.append({"id": oid, **{lang: c for lang, c in cells.items()
                                          if c.strip() or lang in text}})
    if options:
        d["options"] = options
    return d


def read_csv(path: Path, display: str) -> tuple[list[Located], list[Problem]]:
    """Read a CSV bank file; returns (items, problems)."""
    rep = Reporter(display)
    data, problems = read_file(path, display)
    if data is None:
        return [], problems
    text, failure, bad_line = decode_spreadsheet(data)
    if text is None:
        rep.add(bad_line, None, None, DECODE_MESSAGES[failure])
        return [], rep.problems
    first = text.split("\n", 1)[0]
    # strict: a stray or unclosed quote is an error at its row, not a cell
    # that silently swallows the rest of the file.
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(first), strict=True)
    try:
        header = next(reader)
    except StopIteration:
        rep.add(1, None, None, "empty CSV file (a header row is required)")
        return [], rep.problems
    except csv.Error as exc:
        rep.add(1, None, None, f"CSV syntax error in the header row: {exc}")
        return [], rep.problems
    header = [h.strip().lower() for h in header]
    ok = True
    for col in header:
        m = _LANG_COL.match(col)
        if col in PLAIN_COLUMNS:
            continue
        if not m or m.group(2) not in LANGUAGES:
            rep.add(1, None, (col if len(col) <= 40 and col.isprintable() else shown(col, 40)) or "(empty)",
                    "unknown column")
            ok = False
    for col in ("id", "topic", "key"):
        if col not in header:
            rep.add(1, None, col, "missing column")
            ok = False
    if len(set(header)) != len(header):
        rep.add(1, None, None, "a column name repeats")
        ok = False
    if not ok:
        return [], rep.problems
    items: list[Located] = []
    start = reader.line_num + 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            rep.add(start, None, None, f"CSV syntax error: {exc}")
            break
        line = start
        start = reader.line_num + 1
        if not any(c.strip() for c in cells):
            continue
        if len(cells) > len(header):
            rep.add(line, None, None, f"{len(cells)} cells but only {len(header)} columns")
            continue
        row = dict(zip(header, cells))
        located = read_item(rep, _row_to_native(row), line)
        if located is not None:
            items.append(located)
    return items, rep.problems
