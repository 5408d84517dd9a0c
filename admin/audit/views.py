"""Filterable audit log in words: who, action, object, date range (centre's
local dates), page by page, and the same selection as CSV."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from flask import render_template, request
from flask_babel import gettext as _

from examserver import clock
from examserver.core import audit
from examserver.models import AuditEntry, Role

from ..lists import csv_response, paginate
from ..security import role_required
from . import bp

EXPORT_LIMIT = 100_000  # a year of a big centre; the export says so when cut


def _date(raw: str | None) -> date | None:
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


def _query() -> tuple[sa.Select, dict, date | None, date | None]:
    """The selected entries, newest first, from the query arguments."""
    args = {k: (request.args.get(k) or "").strip()[:100] for k in ("actor", "action", "object_type", "object_id")}
    start, end = _date(request.args.get("from")), _date(request.args.get("to"))
    query = sa.select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    if args["actor"]:
        query = query.where(AuditEntry.actor_name.ilike(f"%{args['actor']}%"))
    if args["action"]:
        # A whole action ("session.open") or a family ("session.").
        query = query.where(AuditEntry.action.ilike(f"{args['action']}%"))
    if args["object_type"]:
        query = query.where(AuditEntry.object_type == args["object_type"])
    if args["object_id"]:
        query = query.where(AuditEntry.object_id == args["object_id"])
    zone = clock.local_zone()
    if start:
        query = query.where(AuditEntry.at >= datetime.combine(start, time(), zone))
    if end:
        query = query.where(AuditEntry.at < datetime.combine(end + timedelta(days=1), time(), zone))
    return query, args, start, end


def _choices(labels: dict) -> list[tuple[str, str]]:
    return sorted(((code, str(label)) for code, label in labels.items()), key=lambda c: c[1].lower())


@bp.route("/")
@role_required(Role.ADMIN)
def index():
    query, args, start, end = _query()
    page = paginate(query)
    return render_template("audit/index.html", page=page, entries=page.items, args=args, start=start, end=end,
                           to_local=clock.to_local, audit=audit, actions=_choices(audit.ACTION_LABELS),
                           object_types=_choices(audit.OBJECT_LABELS))


@bp.route("/export.csv")
@role_required(Role.ADMIN)
def export():
    """The selected entries as CSV, in words (the codes in their own columns)."""
    query, _args, _start, _end = _query()
    entries = query.limit(EXPORT_LIMIT)
    from examserver.db import db

    def rows():
        for e in db.session.scalars(entries):
            yield [clock.to_local(e.at).strftime("%Y-%m-%d %H:%M:%S"),
                   audit.actor_in_words(e.actor_kind, e.actor_name, e.actor_id), audit.actor_label(e.actor_kind),
                   audit.action_label(e.action), e.action, audit.object_label(e.object_type), e.object_id,
                   audit.value_label(e.reason),
                   "; ".join(f"{k}: {v}" for k, v in audit.details_in_words(e.details))]

    header = [_("When"), _("Who"), _("Kind of actor"), _("Action"), _("Action code"), _("Object"), _("Object id"),
              _("Reason"), _("Details")]
    return csv_response("audit.csv", header, list(rows()))
