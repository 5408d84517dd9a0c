"""CSV that a spreadsheet opens as text: every export of the console and the
CLI writes its cells through :func:`safe_cell` (OWASP CSV injection)."""
from __future__ import annotations

import csv
import io
from typing import Any, Iterable

# A cell starting with one of these is a formula to Excel/LibreOffice.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> str:
    """The cell as text, with a leading apostrophe if a spreadsheet would run it."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def write_csv(header: Iterable[Any], rows: Iterable[Iterable[Any]], delimiter: str = ",") -> str:
    """``header`` and ``rows`` as CSV text (CRLF line ends), every cell made safe."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow([safe_cell(h) for h in header])
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
    return out.getvalue()
