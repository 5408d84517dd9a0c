"""The consolidated results: every protocol received from the centres, read-only."""
from __future__ import annotations

from datetime import date

from flask import Response, render_template, request
from flask_babel import lazy_gettext as _l

from examserver.consolidation.queries import ResultFilter, choices, find, to_csv
from examserver.models import Role

from ..security import role_required
from . import bp

PAGE_SIZE = 50
CSV_HEADER = (_l("Centre"), _l("Number"), _l("Kind"), _l("Date"), _l("Position group"), _l("Position"),
              _l("Candidate"), _l("Points"), _l("Of"), _l("Verdict"))
MAX_PAGE = 100_000


def _date(name: str) -> date | None:
    try:
        return date.fromisoformat(request.args.get(name, "")[:10])
    except ValueError:
        return None


def _filter() -> ResultFilter:
    text = lambda name: (request.args.get(name) or "").strip()[:64]  # noqa: E731
    return ResultFilter(text("centre"), text("group"), _date("since"), _date("until"), text("verdict"), text("kind"))


@bp.route("/")
@role_required(Role.ADMIN)
def index():
    """Filtered, paginated list of results received from the centres."""
    flt = _filter()
    page = min(max(request.args.get("page", 1, type=int) or 1, 1), MAX_PAGE)
    rows, total = find(flt, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    pages = max(1, -(-total // PAGE_SIZE))
    args = {k: v for k, v in request.args.items() if k != "page"}
    return render_template("results/index.html", rows=rows, total=total, page=page, pages=pages, flt=flt,
                           options=choices(), args=args)


@bp.route("/export.csv")
@role_required(Role.ADMIN)
def export_csv():
    """The same filtered results as CSV (cells a spreadsheet cannot execute)."""
    rows, _total = find(_filter())
    return Response("\ufeff" + to_csv(rows, [str(title) for title in CSV_HEADER]), content_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": "attachment; filename=results.csv"})
