"""Terminal list and actions. Pending terminals have no centre yet: a proctor
enrols one by typing the pairing code the kiosk shows."""
from __future__ import annotations

import sqlalchemy as sa
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from examserver import clock
from examserver.db import db
from examserver.models import Role, Room, Terminal, TerminalState
from examserver.registration import sessions as session_service
from examserver.exam import terminals
from examserver.core.errors import ServiceError

from ..lists import paginate
from ..security import STAFF, actor, current_db_user, role_required, visible_or_404
from . import bp


def _terminal(terminal_id: int) -> Terminal:
    return visible_or_404(db.session.get(Terminal, terminal_id))


@bp.route("/")
@role_required(*STAFF)
def index():
    user = current_db_user()
    query = sa.select(Terminal).where(Terminal.state != TerminalState.PENDING).order_by(Terminal.room_id, Terminal.seat)
    if user.role != Role.ADMIN:
        query = query.where(Terminal.centre_id == user.centre_id)
    # Filters: room, state (retired ones hidden unless asked for), seat.
    filters = {"room": request.args.get("room", type=int), "state": request.args.get("state") or "",
               "seat": (request.args.get("seat") or "").strip()[:16]}
    if filters["room"]:
        query = query.where(Terminal.room_id == filters["room"])
    if filters["state"] in {s.value for s in TerminalState}:
        query = query.where(Terminal.state == TerminalState(filters["state"]))
    if filters["seat"]:
        query = query.where(Terminal.seat == filters["seat"])
    page = paginate(query)
    return render_template("terminals/index.html", terminals=page.items, page=page, filters=filters,
                           rooms=session_service.rooms_for(user), to_local=clock.to_local)


@bp.route("/enrol", methods=["POST"])
@role_required(*STAFF)
def enrol():
    room = visible_or_404(db.session.get(Room, request.form.get("room_id", type=int) or 0))
    seat = (request.form.get("seat") or "").strip()[:16]
    try:
        terminal = terminals.enrol(request.form.get("pairing_code", ""), room, seat, actor())
    except ServiceError as exc:
        flash(exc.message, "error")
        return redirect(url_for(".index")), 303
    flash(_("Terminal enrolled: room %(room)s, seat %(seat)s.", room=room.name, seat=terminal.seat or "—"), "success")
    return redirect(url_for(".index"))


@bp.route("/<int:terminal_id>/revoke", methods=["POST"])
@role_required(*STAFF)
def revoke(terminal_id: int):
    terminal = _terminal(terminal_id)
    reason = (request.form.get("reason") or "").strip()
    if not reason:
        flash(_("A reason is required."), "error")
        return redirect(url_for(".index")), 303
    terminals.revoke(terminal, actor(), reason)
    flash(_("The terminal is revoked."), "success")
    return redirect(url_for(".index"))


@bp.route("/<int:terminal_id>/unlock", methods=["POST"])
@role_required(*STAFF)
def unlock(terminal_id: int):
    terminal = _terminal(terminal_id)
    reason = (request.form.get("reason") or "").strip()
    try:
        if not reason:
            raise ServiceError(_("A reason is required."), "reason_required")
        terminals.unlock(terminal, actor(), reason)
    except ServiceError as exc:
        flash(exc.message, "error")
        return redirect(url_for(".index")), 303
    flash(_("The terminal is unlocked."), "success")
    return redirect(url_for(".index"))
