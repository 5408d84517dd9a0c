"""Filterable audit log: actor, action, object, date range (centre's local dates)."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from flask import render_template, request

from examserver import clock
from examserver.db import db
from examserver.models import AuditEntry, Role

from ..security import role_required
from . import bp

PAGE = 200


def _date(raw: str | None) -> date | None:
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


@bp.route("/")
@role_required(Role.ADMIN)
def index():
    args = {k: (request.args.get(k) or "").strip() for k in ("actor", "action", "object_type", "object_id")}
    start, end = _date(request.args.get("from")), _date(request.args.get("to"))
    query = sa.select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    if args["actor"]:
        query = query.where(AuditEntry.actor_name.ilike(f"%{args['actor']}%"))
    if args["action"]:
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
    entries = db.session.scalars(query.limit(PAGE)).all()
    return render_template("audit/index.html", entries=entries, args=args, start=start, end=end,
                           to_local=clock.to_local, page=PAGE)
