"""Session list, planning, detail page, open and close."""
from __future__ import annotations

from datetime import datetime, timezone

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from examserver import clock
from examserver.db import db
from examserver.models import AccessCode, Attempt, Participant, Room
from examserver.registration import sessions as session_service
from examserver.core.errors import NotFound, ServiceError

from ..security import STAFF, actor, current_db_user, role_required
from . import bp
from .forms import ReasonForm, SessionForm


def load_session(session_id: int):
    """The session if the current user's centre may see it; 404 otherwise."""
    try:
        return session_service.get_for(current_db_user(), session_id)
    except NotFound:
        abort(404)


def _room_choices():
    return [(r.id, f"{r.centre.code} · {r.name}") for r in session_service.rooms_for(current_db_user())]


@bp.route("/")
@role_required(*STAFF)
def index():
    form = SessionForm()
    form.room_id.choices = _room_choices()
    form.blueprint_codes.choices = [(code, f"{code} ({group})") for code, group in session_service.offered_blueprints()]
    items = db.session.scalars(session_service.sessions_for(current_db_user()).limit(200)).all()
    return render_template("sessions/index.html", sessions=items, form=form, to_local=clock.to_local)


@bp.route("/new", methods=["POST"])
@role_required(*STAFF)
def create():
    form = SessionForm()
    form.room_id.choices = _room_choices()
    form.blueprint_codes.choices = [(code, f"{code} ({group})") for code, group in session_service.offered_blueprints()]
    if form.validate_on_submit():
        room = db.session.get(Room, form.room_id.data)
        starts = datetime.combine(form.session_date.data, form.start_time.data, tzinfo=clock.local_zone())
        try:
            session = session_service.create_session(room, form.title.data, form.session_date.data,
                                                     starts.astimezone(timezone.utc),
                                                     form.start_window_minutes.data or 60, actor(),
                                                     blueprint_codes=form.blueprint_codes.data or [])
        except ServiceError as exc:
            flash(exc.message, "error")
        else:
            flash(_("The session is planned."), "success")
            return redirect(url_for(".detail", session_id=session.id))
    else:
        for field, errors in form.errors.items():
            flash(f"{getattr(form, field).label.text}: {'; '.join(errors)}", "error")
    items = db.session.scalars(session_service.sessions_for(current_db_user()).limit(200)).all()
    return render_template("sessions/index.html", sessions=items, form=form, to_local=clock.to_local), 400


@bp.route("/<int:session_id>")
@role_required(*STAFF)
def detail(session_id: int):
    session = load_session(session_id)
    participants = db.session.scalars(
        sa.select(Participant).where(Participant.session_id == session.id)
        .order_by(Participant.surname, Participant.name, Participant.id)
    ).all()
    with_code = set(db.session.scalars(sa.select(AccessCode.participant_id).where(
        AccessCode.session_id == session.id, AccessCode.revoked_at.is_(None))))
    started = set(db.session.scalars(sa.select(Attempt.participant_id).where(Attempt.session_id == session.id)))
    return render_template("sessions/detail.html", session=session, participants=participants, with_code=with_code,
                           started=started, reason_form=ReasonForm(), to_local=clock.to_local)


@bp.route("/<int:session_id>/open", methods=["POST"])
@role_required(*STAFF)
def open_(session_id: int):
    session = load_session(session_id)
    try:
        session_service.open_session(session, actor())
    except ServiceError as exc:
        flash(exc.message, "error")
    else:
        flash(_("The session is open: access codes work at the terminals now."), "success")
    return redirect(url_for(".detail", session_id=session.id))


@bp.route("/<int:session_id>/close", methods=["POST"])
@role_required(*STAFF)
def close(session_id: int):
    session = load_session(session_id)
    form = ReasonForm()
    try:
        session_service.close_session(session, actor(), form.reason.data or "")
    except ServiceError as exc:
        flash(exc.message, "error")
    else:
        flash(_("The session is closed. Tests still running finish at their deadline."), "success")
    return redirect(url_for(".detail", session_id=session.id))
