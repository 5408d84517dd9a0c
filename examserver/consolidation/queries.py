"""Reading the consolidated results: filters shared by the console and the CLI,
and their CSV (cells made safe by ``core.csvfile``)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Iterable

import sqlalchemy as sa

from examserver.core.csvfile import write_csv
from examserver.db import db
from examserver.models import ConsolidatedProtocol

CSV_COLUMNS = ("centre", "number", "kind", "session_date", "position_group", "position_code", "candidate",
               "total_points", "max_points", "verdict")


@dataclass
class ResultFilter:
    centre: str = ""
    group: str = ""
    since: date | None = None
    until: date | None = None
    verdict: str = ""
    kind: str = ""

    def apply(self, query):
        c = ConsolidatedProtocol
        if self.centre:
            query = query.where(c.centre_code == self.centre)
        if self.group:
            query = query.where(c.position_group == self.group)
        if self.since:
            query = query.where(c.session_date >= self.since)
        if self.until:
            query = query.where(c.session_date <= self.until)
        if self.verdict:
            query = query.where(c.verdict == self.verdict)
        if self.kind:
            query = query.where(c.kind == self.kind)
        return query


def find(flt: ResultFilter, limit: int | None = None, offset: int = 0) -> tuple[list[ConsolidatedProtocol], int]:
    """Rows matching ``flt`` (newest session first) and how many match in all."""
    base = flt.apply(sa.select(ConsolidatedProtocol))
    total = db.session.scalar(sa.select(sa.func.count()).select_from(base.subquery()))
    query = base.order_by(ConsolidatedProtocol.session_date.desc().nulls_last(), ConsolidatedProtocol.centre_code,
                          ConsolidatedProtocol.number).offset(offset)
    if limit is not None:
        query = query.limit(limit)
    return list(db.session.scalars(query)), total


def choices() -> dict[str, list[str]]:
    """Values present, for the filter drop-downs."""
    c = ConsolidatedProtocol
    return {name: [v for v in db.session.scalars(sa.select(col).distinct().order_by(col)) if v]
            for name, col in (("centre", c.centre_code), ("group", c.position_group), ("verdict", c.verdict),
                              ("kind", c.kind))}


def csv_rows(rows: Iterable[ConsolidatedProtocol]) -> Iterable[tuple]:
    """The values of each row, in the order of ``CSV_COLUMNS``."""
    for r in rows:
        yield (r.centre_code, r.number, r.kind, r.session_date, r.position_group, r.position_code, r.candidate,
               r.total_points, r.max_points, r.verdict)


def to_csv(rows: Iterable[ConsolidatedProtocol]) -> str:
    """The rows as CSV with the column codes as header (the CLI's machine-readable export)."""
    return write_csv(CSV_COLUMNS, csv_rows(rows))
