"""Views of the competitions console. Every POST calls one service; a refusal
shows the page again with the service's message and its 4xx status (the
request rolls back)."""
from __future__ import annotations

from datetime import date, datetime, time, timezone

import sqlalchemy as sa
from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from examserver import clock
from examserver.db import db
from examserver.models import Centre, ExamSession, Participant, Position, Role, Room
from examserver.core.errors import ServiceError
from examserver.competitions import (announce, deadlines, decisions, issuing, letters, ranking, texts,
                                     tiebreak)
from examserver.protocols import issuing as protocols
from examserver.protocols.wording import pick

from ..security import actor, role_required
from . import bp

ADMIN = (Role.ADMIN,)
MAX_ID = 2**31 - 1


def _int(name: str, required: bool = True) -> int | None:
    raw = (request.form.get(name) or "").strip()
    if not raw and not required:
        return None
    if not raw.isdigit() or not 0 < int(raw) <= MAX_ID:
        raise ServiceError(_("The field %(name)s must be a whole number.", name=name), "bad_" + name)
    return int(raw)


def _date(name: str) -> date:
    try:
        return date.fromisoformat((request.form.get(name) or "").strip())
    except ValueError:
        raise ServiceError(_("The field %(name)s must be a date (YYYY-MM-DD).", name=name), "bad_" + name)


def _load(competition_id: int):
    if competition_id > MAX_ID:
        abort(404)
    try:
        return announce.get(competition_id)
    except ServiceError:
        abort(404)


def _participant(competition, participant_id: int | None) -> Participant | None:
    if participant_id is None:
        return None
    ids = {a.participant.id for a in ranking.applicants(competition)}
    if participant_id not in ids:
        raise ServiceError(_("This person is not an applicant of the competition."), "not_applicant", status=404)
    return db.session.get(Participant, participant_id)


@bp.route("/")
@role_required(*ADMIN)
def index(status: int = 200):
    items = []
    for comp in announce.all_competitions():
        _people, out = ranking.outcome(comp)
        items.append((comp, out, deadlines.deadlines(comp), issuing.current_protocol(comp)))
    return render_template(
        "competitions/index.html", items=items, statuses=texts.STATUSES, rule_sets=texts.RULE_SETS,
        centres=db.session.scalars(sa.select(Centre).order_by(Centre.code)).all(),
        positions=db.session.scalars(sa.select(Position).where(Position.active.is_(True))
                                     .order_by(Position.code)).all(), form=request.form), status


@bp.route("/new", methods=["POST"])
@role_required(*ADMIN)
def create():
    try:
        centre = db.session.get(Centre, _int("centre_id"))
        position = db.session.get(Position, _int("position_id"))
        if centre is None or position is None:
            raise ServiceError(_("Choose the centre and the position."), "missing", status=404)
        comp = announce.announce(centre, position, request.form.get("code", ""), request.form.get("title", ""),
                                 request.form.get("rule_set", ""), _date("applications_until"), _date("test_date"),
                                 actor(), interview_percent=_int("interview_percent", False) or 50,
                                 reserve_percent=_int("reserve_percent", False) or 75)
    except ServiceError as exc:
        flash(exc.message, "error")
        return index(status=exc.status)
    flash(_("The competition %(code)s is announced.", code=comp.code), "success")
    return redirect(url_for(".show", competition_id=comp.id))


def _show(comp, status: int = 200):
    people, out = ranking.outcome(comp)
    by_id = {a.participant.id: a for a in people}
    tb = ranking.latest_tiebreak(comp)
    round_no = ranking.current_round(comp)
    return render_template(
        "competitions/show.html", comp=comp, people=people, out=out, by_id=by_id, texts=texts,
        statuses=texts.STATUSES, protocol=issuing.current_protocol(comp), current=issuing.is_current(comp),
        reserve=issuing.reserve(comp), deadlines=deadlines.deadlines(comp), tiebreak=tb,
        tiebreak_session=db.session.get(ExamSession, tb.session_id) if tb else None,
        round_no=round_no, votes=ranking.round_votes(comp, round_no), decisions=ranking.decisions(comp),
        decided_by=announce.user_name, themes=decisions.THEMES, sessions=announce.linkable_sessions(comp),
        rooms=db.session.scalars(sa.select(Room).where(Room.centre_id == comp.centre_id)
                                 .order_by(Room.name)).all(),
        linked=[db.session.get(ExamSession, sid) for sid in ranking.main_session_ids(comp)],
        tiebreak_due=tiebreak.due_on(comp), to_local=clock.to_local,
        pick=lambda texts_: pick(texts_, str(get_locale()))), status


@bp.route("/<int:competition_id>")
@role_required(*ADMIN)
def show(competition_id: int):
    return _show(_load(competition_id))


def _act(competition_id: int, action, done: str):
    """Run ``action(comp)``; on refusal show the page with the message and status."""
    comp = _load(competition_id)
    try:
        action(comp)
    except ServiceError as exc:
        flash(exc.message, "error")
        return _show(comp, status=exc.status)
    flash(done, "success")
    return redirect(url_for(".show", competition_id=comp.id))


@bp.route("/<int:competition_id>/link", methods=["POST"])
@role_required(*ADMIN)
def link(competition_id: int):
    def run(comp):
        session = db.session.get(ExamSession, _int("session_id"))
        if session is None:
            raise ServiceError(_("No such session."), "no_session", status=404)
        announce.link_session(comp, session, actor(), request.form.get("reason", ""))
    return _act(competition_id, run, _("The session is linked."))


@bp.route("/<int:competition_id>/withdraw", methods=["POST"])
@role_required(*ADMIN)
def withdraw(competition_id: int):
    def run(comp):
        announce.withdraw(comp, _participant(comp, _int("participant_id")), request.form.get("reason", ""), actor())
    return _act(competition_id, run, _("The withdrawal is recorded."))


@bp.route("/<int:competition_id>/tiebreak", methods=["POST"])
@role_required(*ADMIN)
def schedule_tiebreak(competition_id: int):
    def run(comp):
        room = db.session.get(Room, _int("room_id"))
        if room is None:
            raise ServiceError(_("No such room."), "no_room", status=404)
        day = _date("session_date")
        try:
            at = time.fromisoformat((request.form.get("start_time") or "").strip())
        except ValueError:
            raise ServiceError(_("The field %(name)s must be a time (HH:MM).", name="start_time"), "bad_time")
        starts = datetime.combine(day, at, tzinfo=clock.local_zone()).astimezone(timezone.utc)
        tiebreak.schedule(comp, room, day, starts, _int("question_count", False), actor())
    return _act(competition_id, run, _("The additional test is scheduled."))


@bp.route("/<int:competition_id>/votes", methods=["POST"])
@role_required(*ADMIN)
def votes(competition_id: int):
    def run(comp):
        rows = []
        names, choices = request.form.getlist("member"), request.form.getlist("vote")
        themes, notes = request.form.getlist("theme"), request.form.getlist("note")
        for i, name in enumerate(names):
            if not name.strip():
                continue
            choice = choices[i] if i < len(choices) else ""
            if choice not in ("", "abstain") and not (choice.isdigit() and int(choice) <= MAX_ID):
                raise ServiceError(_("Choose a candidate or abstain."), "bad_vote")
            note = {themes[i]: notes[i]} if i < len(themes) and i < len(notes) and notes[i].strip() else {}
            rows.append((name, int(choice) if choice.isdigit() else None, note))
        if any(c == "" for c in choices[:len(rows)]):
            raise ServiceError(_("Choose a candidate or abstain."), "bad_vote")
        decisions.record_votes(comp, rows, actor())
    return _act(competition_id, run, _("The votes are recorded."))


@bp.route("/<int:competition_id>/decision", methods=["POST"])
@role_required(*ADMIN)
def decide(competition_id: int):
    def run(comp):
        decisions.decide(comp, request.form.get("kind", ""), request.form.get("reason", ""), actor(),
                         participant_id=_int("participant_id", False))
    return _act(competition_id, run, _("The decision is recorded."))


@bp.route("/<int:competition_id>/protocol", methods=["POST"])
@role_required(*ADMIN)
def sign(competition_id: int):
    return _act(competition_id, lambda comp: issuing.issue(comp, actor()), _("The competition protocol is signed."))


@bp.route("/<int:competition_id>/protocol.pdf")
@role_required(*ADMIN)
def protocol_pdf(competition_id: int):
    protocol = issuing.current_protocol(_load(competition_id))
    if protocol is None:
        abort(404)
    return Response(protocols.pdf_for(protocol), mimetype="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="protocol-{protocol.number}.pdf"'})


@bp.route("/<int:competition_id>/letters", methods=["POST"])
@role_required(*ADMIN)
def issue_letters(competition_id: int):
    return _act(competition_id, lambda comp: letters.issue_all(comp, actor()), _("The letters are issued."))


@bp.route("/<int:competition_id>/letters/<int:participant_id>.pdf")
@role_required(*ADMIN)
def letter(competition_id: int, participant_id: int):
    comp = _load(competition_id)
    try:
        participant = _participant(comp, participant_id if participant_id <= MAX_ID else None) or abort(404)
        pdf = letters.letter_pdf(comp, participant, actor())
    except ServiceError as exc:
        flash(exc.message, "error")
        return _show(comp, status=exc.status)
    return Response(pdf, mimetype="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="letter-{comp.code}-{participant.pin}.pdf"'})


@bp.route("/<int:competition_id>/letters.csv")
@role_required(*ADMIN)
def letters_csv(competition_id: int):
    comp = _load(competition_id)
    try:
        data = letters.letters_csv(comp)
    except ServiceError as exc:
        flash(exc.message, "error")
        return _show(comp, status=exc.status)
    return Response("\ufeff" + data, mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="letters-{comp.code}.csv"'})
