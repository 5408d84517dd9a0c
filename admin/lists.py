"""Console lists: pagination (no silent cap) and CSV exports safe to open in a
spreadsheet. Used by the audit log, protocols, sessions, terminals and
participants pages; the page links come from ``admin/_pager.html``."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

import sqlalchemy as sa
from flask import Response, request

from examserver.core.csvfile import safe_cell, write_csv  # noqa: F401  (safe_cell: for views)
from examserver.db import db

PER_PAGE = 50


@dataclass
class Page:
    """One page of a query's rows, with what the pager needs."""

    items: list
    number: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def first(self) -> int:
        return 0 if self.total == 0 else (self.number - 1) * self.per_page + 1

    @property
    def last(self) -> int:
        return min(self.total, self.number * self.per_page)


def page_number() -> int:
    """The ``page`` query argument, 1 if missing or not a sensible number."""
    raw = request.args.get("page", "1")
    return int(raw) if raw.isdigit() and 0 < len(raw) <= 6 and int(raw) > 0 else 1


def paginate(query: sa.Select, per_page: int = PER_PAGE, scalars: bool = True) -> Page:
    """Run ``query`` for the requested page; pages past the end show the last one."""
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.order_by(None).subquery())) or 0
    number = min(page_number(), max(1, -(-total // per_page)))
    rows = query.limit(per_page).offset((number - 1) * per_page)
    items = list(db.session.scalars(rows) if scalars else db.session.execute(rows))
    return Page(items, number, per_page, total)


def csv_response(filename: str, header: list[str], rows: Iterable[Iterable[Any]]) -> Response:
    """A UTF-8 CSV download (with BOM, so Excel reads Cyrillic) of ``rows``."""
    return Response("\ufeff" + write_csv(header, rows, delimiter=";"), mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
