"""Registering participants, admission, access codes and printable slips."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import get_locale

from examserver import clock
from examserver.db import db
from examserver.models import AccessCode, Admission, Attempt, Participant, Position
from examserver.exam import codes
from examserver.registration import participants as registration
from examserver.registration import slips
from examserver.registration import sessions as session_service
from examserver.core.errors import NotFound, ServiceError

from ..security import STAFF, actor, current_db_user, role_required
from . import bp
from .forms import ParticipantForm


@bp.app_template_global("same_day_registrations")
def same_day_registrations(session) -> dict:
    """For the participant list (included in the session page, one page of it at a
    time): who of the whole session is registered in another session on the same
    day for the same position group."""
    return registration.same_day_elsewhere(session)


def _session(session_id: int):
    try:
        return session_service.get_for(current_db_user(), session_id)
    except NotFound:
        abort(404)


def _participant(participant_id: int) -> Participant:
    participant = db.session.get(Participant, participant_id)
    if participant is None:
        abort(404)
    _session(participant.session_id)
    return participant


def _title(position: Position) -> str:
    lang = str(get_locale())
    return position.title.get(lang) or position.title.get("ru") or position.code


def _positions_choices():
    positions = db.session.scalars(sa.select(Position).where(Position.active.is_(True)).order_by(Position.code))
    return [(p.code, f"{p.code} · {_title(p)} ({p.group_code})") for p in positions]


@bp.route("/session/<int:session_id>/new", methods=["GET", "POST"])
@role_required(*STAFF)
def new(session_id: int):
    session = _session(session_id)
    form = ParticipantForm()
    form.position.choices = _positions_choices()
    problems = []
    status = 200
    if form.validate_on_submit():
        data = {key: getattr(form, key).data or "" for key in registration.FIELDS}
        try:
            participant = registration.register_participant(session, data, actor(), consent=bool(form.consent.data))
        except registration.ImportRefused as exc:
            problems, status = exc.problems, exc.status
        except ServiceError as exc:
            flash(exc.message, "error")
            status = exc.status
        else:
            flash(_("The participant is registered."), "success")
            warning = registration.same_day_warning(session, participant)
            if warning:
                flash(warning, "warning")
            return redirect(url_for("admin.sessions.detail", session_id=session.id))
    elif request.method == "POST":
        status = 400
    return render_template("participants/new.html", session=session, form=form, problems=problems), status


@bp.route("/session/<int:session_id>/import", methods=["POST"])
@role_required(*STAFF)
def import_csv(session_id: int):
    session = _session(session_id)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        flash(_("Choose a CSV file."), "error")
        return redirect(url_for("admin.sessions.detail", session_id=session.id))
    try:
        rows = registration.parse_csv(upload.read())
        imported = registration.import_rows(session, rows, actor(), consent=request.form.get("consent") == "1")
    except registration.ImportRefused as exc:
        return render_template("participants/import_problems.html", session=session, error=exc,
                               problems=exc.problems), exc.status
    except ServiceError as exc:
        flash(exc.message, "error")
        return redirect(url_for("admin.sessions.detail", session_id=session.id)), 303
    flash(_("%(n)s participants imported.", n=len(imported)), "success")
    twice = registration.same_day_elsewhere(session, imported)
    if twice:
        flash(_("%(n)s of them are also registered on this day for the same position group "
                "in another session: see the marks in the list.", n=len(twice)), "warning")
    return redirect(url_for("admin.sessions.detail", session_id=session.id))


@bp.route("/<int:participant_id>/admission", methods=["POST"])
@role_required(*STAFF)
def admission(participant_id: int):
    participant = _participant(participant_id)
    admitted = request.form.get("admitted") == "1"
    try:
        registration.set_admission(participant, admitted, request.form.get("reason", ""), actor())
    except ServiceError as exc:
        flash(exc.message, "error")
        return redirect(url_for("admin.sessions.detail", session_id=participant.session_id)), 303
    return redirect(url_for("admin.sessions.detail", session_id=participant.session_id))


@bp.route("/session/<int:session_id>/admit-all", methods=["POST"])
@role_required(*STAFF)
def admit_all(session_id: int):
    """Admit every participant still pending (the usual case after the document check)."""
    session = _session(session_id)
    pending = db.session.scalars(sa.select(Participant).where(Participant.session_id == session.id,
                                                              Participant.admission == Admission.PENDING)).all()
    for participant in pending:
        registration.set_admission(participant, True, "", actor())
    flash(_("%(n)s participants admitted.", n=len(pending)), "success")
    return redirect(url_for("admin.sessions.detail", session_id=session.id))


@bp.route("/<int:participant_id>/consent", methods=["POST"])
@role_required(*STAFF)
def consent(participant_id: int):
    """Record a signed consent (annex 3) received after registration."""
    participant = _participant(participant_id)
    registration.record_consent(participant, actor())
    flash(_("The consent is recorded."), "success")
    return redirect(url_for("admin.sessions.detail", session_id=participant.session_id))


@bp.route("/<int:participant_id>/no-show", methods=["POST"])
@role_required(*STAFF)
def no_show(participant_id: int):
    participant = _participant(participant_id)
    try:
        registration.mark_no_show(participant, request.form.get("reason", ""), actor())
    except ServiceError as exc:
        flash(exc.message, "error")
        return redirect(url_for("admin.sessions.detail", session_id=participant.session_id)), 303
    return redirect(url_for("admin.sessions.detail", session_id=participant.session_id))


def _issue(participant: Participant) -> str:
    if participant.no_show:
        raise ServiceError(_("The participant is marked as a no-show."), "no_show")
    if db.session.scalar(sa.select(Attempt.id).where(Attempt.participant_id == participant.id)):
        raise ServiceError(_("The participant has already started the test."), "started")
    return codes.issue_code(participant, actor())


@bp.route("/<int:participant_id>/code", methods=["POST"])
@role_required(*STAFF)
def issue_code(participant_id: int):
    """Issue (or re-issue) one code and show it once; it is never shown again."""
    participant = _participant(participant_id)
    try:
        code = _issue(participant)
    except ServiceError as exc:
        flash(exc.message, "error")
        return redirect(url_for("admin.sessions.detail", session_id=participant.session_id)), 303
    return render_template("participants/code.html", participant=participant, code=codes.format_code(code))


def _slip(participant: Participant, code: str) -> slips.Slip:
    session = participant.session
    when = f"{session.session_date.strftime('%d.%m.%Y')} {clock.to_local(session.starts_at).strftime('%H:%M')}"
    return slips.Slip(name=participant.full_name, seat=participant.seat, code=code, session_title=session.title,
                      session_when=when, position=_title(participant.position))


@bp.route("/session/<int:session_id>/slips", methods=["POST"], endpoint="slips")
@role_required(*STAFF)
def slips_pdf(session_id: int):
    """Issue codes (to those without one, or to everyone) and return the slips PDF."""
    session = _session(session_id)
    everyone = request.form.get("which") == "all"
    query = (sa.select(Participant).where(Participant.session_id == session.id,
                                          Participant.admission == Admission.ADMITTED,
                                          Participant.no_show.is_(False),
                                          ~sa.exists().where(Attempt.participant_id == Participant.id))
             .order_by(Participant.seat, Participant.surname, Participant.name, Participant.id))
    if not everyone:
        query = query.where(~sa.exists().where(AccessCode.participant_id == Participant.id,
                                               AccessCode.revoked_at.is_(None)))
    participants = db.session.scalars(query).all()
    if not participants:
        flash(_("Nobody needs a code: only admitted participants without a code (or choose everyone)."), "warning")
        return redirect(url_for("admin.sessions.detail", session_id=session.id))
    try:
        pdf = slips.render_slips([_slip(p, _issue(p)) for p in participants])
    except ServiceError as exc:
        flash(exc.message, "error")
        return redirect(url_for("admin.sessions.detail", session_id=session.id)), 303
    return Response(pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="codes-session-{session.id}.pdf"'})

