"""The consolidated results: every protocol received from the centres, read-only."""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask import render_template, request
from flask_babel import lazy_gettext as _l

from examserver.consolidation.queries import ResultFilter, choices, csv_rows, find
from examserver.models import ConsolidatedProtocol, Role

from ..lists import csv_response, paginate
from ..security import role_required
from . import bp

KINDS = {"testing": _l("testing"), "correction": _l("correction"), "session": _l("session"),
         "appeal": _l("appeal"), "competition": _l("competition")}
VERDICTS = {"meets": _l("meets"), "does_not_meet": _l("does not meet")}
CSV_HEADER = (_l("Centre"), _l("Number"), _l("Kind"), _l("Date"), _l("Position group"), _l("Position"),
              _l("Candidate"), _l("Points"), _l("Of"), _l("Verdict"))


def _date(name: str) -> date | None:
    try:
        return date.fromisoformat(request.args.get(name, "")[:10])
    except ValueError:
        return None


def _filter() -> ResultFilter:
    text = lambda name: (request.args.get(name) or "").strip()[:64]  # noqa: E731
    return ResultFilter(text("centre"), text("group"), _date("since"), _date("until"), text("verdict"), text("kind"))


def _ordered(flt: ResultFilter) -> sa.Select:
    c = ConsolidatedProtocol
    return flt.apply(sa.select(c)).order_by(c.session_date.desc().nulls_last(), c.centre_code, c.number)


@bp.route("/")
@role_required(Role.ADMIN)
def index():
    """Filtered, paginated list of results received from the centres."""
    flt = _filter()
    page = paginate(_ordered(flt))
    args = {k: v for k, v in request.args.items() if k != "page"}
    return render_template("results/index.html", page=page, flt=flt, options=choices(), args=args)


@bp.route("/export.csv")
@role_required(Role.ADMIN)
def export_csv():
    """The same filtered results as CSV (cells a spreadsheet cannot execute)."""
    rows, _total = find(_filter())
    in_words = ((centre, number, str(KINDS.get(kind, kind)), *middle, str(VERDICTS.get(verdict, verdict or "")))
                for centre, number, kind, *middle, verdict in csv_rows(rows))
    return csv_response("results.csv", [str(title) for title in CSV_HEADER], in_words)
