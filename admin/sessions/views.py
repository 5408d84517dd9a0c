"""Session list, planning, detail page, open and close."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from examserver import clock
from examserver.db import db
from examserver.models import AccessCode, Attempt, Participant, Room
from examserver.registration import sessions as session_service
from examserver.core.errors import NotFound, ServiceError

from ..lists import csv_response, paginate
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
    return _list_page(form)


def _list_page(form):
    """The session list (filtered, one page) under the planning form, whose
    date and start time are prefilled in the centre's zone (the next full hour)."""
    if form.session_date.data is None and form.start_time.data is None:
        from datetime import timedelta

        local = clock.to_local(clock.now())
        nxt = (local + timedelta(hours=1)).replace(minute=0, second=0, microsecond=0)
        form.session_date.data, form.start_time.data = nxt.date(), nxt.time()
    query, filters = _filtered(session_service.sessions_for(current_db_user()))
    page = paginate(query)
    return render_template("sessions/index.html", sessions=page.items, page=page, filters=filters, form=form,
                           to_local=clock.to_local)


def _filtered(query):
    """The session list narrowed by the filter form: title words, state, date."""
    from datetime import date

    from flask import request

    from examserver.models import ExamSession, SessionState

    filters = {"q": (request.args.get("q") or "").strip()[:100], "state": request.args.get("state") or "",
               "date": (request.args.get("date") or "")[:10]}
    if filters["q"]:
        query = query.where(ExamSession.title.ilike(f"%{filters['q']}%"))
    if filters["state"] in {s.value for s in SessionState}:
        query = query.where(ExamSession.state == SessionState(filters["state"]))
    try:
        if filters["date"]:
            query = query.where(ExamSession.session_date == date.fromisoformat(filters["date"]))
    except ValueError:
        filters["date"] = ""
    return query, filters


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
            window_end = session.starts_at + timedelta(minutes=session.start_window_minutes)
            if window_end <= clock.now():
                flash(_("Its start window already closed at %(time)s (%(zone)s): no test can start in it. "
                        "Check the date and the start time.", time=clock.to_local(window_end).strftime("%d.%m.%Y %H:%M"),
                        zone=str(clock.local_zone())), "warning")
            return redirect(url_for(".detail", session_id=session.id))
    else:
        for field, errors in form.errors.items():
            flash(f"{getattr(form, field).label.text}: {'; '.join(errors)}", "error")
    return _list_page(form), 400


@bp.route("/<int:session_id>")
@role_required(*STAFF)
def detail(session_id: int):
    from flask import request

    from examserver.models import Admission

    session = load_session(session_id)
    query = (sa.select(Participant).where(Participant.session_id == session.id)
             .order_by(Participant.surname, Participant.name, Participant.id))
    search = {"q": (request.args.get("q") or "").strip()[:100], "admission": request.args.get("admission") or ""}
    if search["q"]:  # surname, name or PIN
        like = f"%{search['q']}%"
        query = query.where(sa.or_(Participant.surname.ilike(like), Participant.name.ilike(like),
                                   Participant.pin.like(like)))
    if search["admission"] in {a.value for a in Admission}:
        query = query.where(Participant.admission == Admission(search["admission"]))
    page = paginate(query)
    participants = page.items
    window_end = session.starts_at + timedelta(minutes=session.start_window_minutes)
    window_closed = session.state.value != "closed" and window_end <= clock.now()
    with_code = set(db.session.scalars(sa.select(AccessCode.participant_id).where(
        AccessCode.session_id == session.id, AccessCode.revoked_at.is_(None))))
    started = set(db.session.scalars(sa.select(Attempt.participant_id).where(Attempt.session_id == session.id)))
    return render_template("sessions/detail.html", session=session, participants=participants, with_code=with_code,
                           started=started, reason_form=ReasonForm(), to_local=clock.to_local, page=page,
                           search=search, window_closed=window_closed, window_end=window_end)


@bp.route("/<int:session_id>/participants.csv")
@role_required(*STAFF)
def participants_csv(session_id: int):
    """The session's participants as CSV: admission, code, test state and result, in words."""
    from examserver.i18n import LANGUAGE_NAMES

    session = load_session(session_id)
    people = db.session.scalars(sa.select(Participant).where(Participant.session_id == session.id)
                                .order_by(Participant.surname, Participant.name, Participant.id)).all()
    tests = {a.participant_id: a for a in db.session.scalars(sa.select(Attempt).where(
        Attempt.session_id == session.id))}
    admission = {"pending": _("pending"), "admitted": _("admitted"), "not_admitted": _("not admitted")}
    states = {"in_progress": _("in progress"), "paused": _("paused"), "finished": _("finished")}
    verdicts = {"meets": _("meets"), "does_not_meet": _("does not meet")}
    rows = []
    for p in people:
        a = tests.get(p.id)
        rows.append([p.seat, p.surname, p.name, p.patronymic, p.pin, p.id_document, p.position.code,
                     LANGUAGE_NAMES.get(p.language, p.language), admission.get(p.admission.value, ""),
                     p.admission_reason or "", _("yes") if p.no_show else "",
                     states.get(a.state.value, "") if a else "", "" if a is None or a.total_points is None
                     else f"{a.total_points}/{a.max_points}", verdicts.get(a.verdict or "", "") if a else ""])
    header = [_("Seat"), _("Surname"), _("Name"), _("Patronymic"), _("PIN"), _("Identity document"), _("Position"),
              _("Language"), _("Admission"), _("Reason"), _("no-show"), _("Test"), _("Score"), _("Verdict")]
    return csv_response(f"participants-{session.id}.csv", header, rows)


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
