"""Statistics: how each item and each blueprint's forms behaved, with plots and a PDF report."""
from __future__ import annotations

from datetime import date

from flask import Response, abort, render_template, request
from flask_babel import get_locale
from flask_babel import gettext as _

from examserver.bank import plots
from examserver.bank.statistics import BlueprintStats
from examserver.bank.stats_cache import cached
from examserver.bank.store import latest_blueprint

from examserver.models import Role

from ..security import role_required
from . import bp
from .views import FLAG_LABELS


def _filters() -> tuple[str | None, date | None]:
    code = (request.args.get("blueprint") or "").strip()[:40] or None
    try:
        since = date.fromisoformat((request.args.get("since") or "")[:10])
    except ValueError:
        since = None
    return code, since


def _min_responses() -> int:
    return min(max(request.args.get("min", 20, type=int) or 20, 1), 100000)


def _stats():
    # Cached until new attempts finish (bank/stats_cache): the page and each of its plots read the same row.
    code, since = _filters()
    return cached(code, since, min_responses=_min_responses())


def _one(code: str) -> BlueprintStats:
    # A plot needs one blueprint's attempts only, whatever the page's filter.
    _code, since = _filters()
    found = [b for b in cached(code, since, min_responses=_min_responses()).blueprints if b.code == code]
    if not found:
        abort(404)
    return found[0]


@bp.route("/statistics")
@role_required(Role.ADMIN)
def statistics():
    """Per blueprint: score distribution, reliability, section scores, and every item with its flags."""
    code, since = _filters()
    stats = _stats()
    return render_template("bank/statistics.html", stats=stats, code=code or "", since=since or "",
                           args={k: v for k, v in request.args.items()}, flag_labels=FLAG_LABELS)


def _figure(b: BlueprintStats, kind: str, session: str | None = None):
    if kind == "distribution":
        totals = b.sessions.get(session, []) if session else b.form.totals
        title = f"{b.code}: {session}" if session else b.code
        return plots.score_distribution(totals, b.max_points, b.threshold_points, title, _("Total score"),
                                        _("Candidates"), _("Threshold"))
    if kind == "sections":
        # Section titles in the reader's language (the codes are for files, not for people).
        row = latest_blueprint(b.code)
        lang = str(get_locale())
        titles = {s["code"]: s.get("title", {}).get(lang) or s.get("title", {}).get("ru") or s["code"]
                  for s in (row.payload.get("sections", []) if row else [])}
        return plots.section_scores({titles.get(code, code): v for code, v in b.form.sections.items()},
                                    _("Section scores"), _("Score"))
    if kind == "scatter":
        return plots.difficulty_discrimination(list(b.items.values()), _("Difficulty and discrimination"),
                                               _("Difficulty (share correct)"), _("Discrimination (corrected r)"))
    abort(404)


@bp.route("/statistics/<code>/<any(distribution, sections, scatter):kind>.svg")
@role_required(Role.ADMIN)
def plot(code: str, kind: str):
    """One plot of one blueprint's attempts (same filters as the page), as SVG."""
    b = _one(code[:40])
    session = request.args.get("session")
    return Response(plots.svg(_figure(b, kind, session)), content_type="image/svg+xml")


@bp.route("/statistics/<code>/items/<item_id>/<int:version>/options.svg")
@role_required(Role.ADMIN)
def option_plot(code: str, item_id: str, version: int):
    """The option-choice bars of one item version within one blueprint, as SVG."""
    a = _one(code[:40]).items.get((item_id[:64], version))
    if a is None:
        abort(404)
    fig = plots.option_choices(a, f"{item_id} v{version}", _("Share of candidates"), _("omitted"))
    return Response(plots.svg(fig), content_type="image/svg+xml")


@bp.route("/statistics/report.pdf")
@role_required(Role.ADMIN)
def report():
    """The plots of every blueprint shown, one per page, as a printable PDF."""
    figures = []
    for b in _stats().blueprints:
        figures += [_figure(b, "distribution"), _figure(b, "sections"), _figure(b, "scatter")]
        figures += [_figure(b, "distribution", s) for s in sorted(b.sessions)]
    if not figures:
        abort(404)
    return Response(plots.pdf(figures), content_type="application/pdf",
                    headers={"Content-Disposition": "inline; filename=bank-statistics.pdf"})
