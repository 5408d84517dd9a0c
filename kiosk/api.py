"""The kiosk's JSON API: terminal status, attempt state, journal events, finish.

Every error is JSON ``{"error": code, "message": text, ...}`` with a 4xx
status; an ordering conflict carries ``expected`` (the next sequence number
the server will accept) so the kiosk can resend in order.
"""
from __future__ import annotations

import json

import sqlalchemy as sa
from flask import current_app, g, jsonify, request, session
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError

from examserver import clock
from examserver.db import db
from examserver.models import Attempt, AttemptState, FinishReason
from examserver.exam import attempts
from examserver.exam import journal
from examserver.exam import liveness, saving
from examserver.core.errors import ServiceError

from . import bp
from .exam_state import full_state
from .context import COOKIE, active_attempt, current_terminal, json_error, result_attempt


def _iso(moment) -> str | None:
    return journal.format_time(moment) if moment else None


def timing_of(attempt: Attempt, now, config) -> dict:
    """What the kiosk needs to show the time: the server's clock, the deadline and
    the state; and how often to ask again (``poll_seconds``)."""
    return {"server_time": _iso(now), "deadline": _iso(attempt.deadline_at),
            "seconds_left": attempts.seconds_left(attempt, now), "state": attempt.state.value,
            "next_seq": attempt.last_seq + 1, "grace_seconds": config["ANSWER_GRACE_SECONDS"],
            "poll_seconds": config["KIOSK_POLL_SECONDS"]}


def _timing(attempt: Attempt) -> dict:
    return timing_of(attempt, clock.now(), current_app.config)


def _read_json() -> dict:
    """The request body as a JSON object; refuse big, malformed or non-object bodies."""
    limit = current_app.config["MAX_JSON_BYTES"]
    if request.content_length is not None and request.content_length > limit:
        raise ServiceError(_("The request is too large."), "too_large", status=413)
    raw = request.stream.read(limit + 1)
    if len(raw) > limit:
        raise ServiceError(_("The request is too large."), "too_large", status=413)
    if not request.mimetype == "application/json":
        raise ServiceError(_("The request must be JSON."), "not_json", status=415)
    try:
        body = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise ServiceError(_("The request is not valid JSON."), "bad_json", status=400) from None
    if not isinstance(body, dict):
        raise ServiceError(_("The request must be a JSON object."), "bad_json", status=400)
    return body


def _no_attempt():
    finished = result_attempt()
    if finished is not None:
        return jsonify({"error": "finished", "message": _("The test is finished."), "state": "finished"}), 409
    return jsonify({"error": "no_attempt", "message": _("No test is running on this terminal.")}), 404


# Liveness is written at most this often per terminal: the kiosk polls the
# state every 5 s, and a durable write per poll would cost more than the saves
# (the live room calls a terminal silent after SILENT_TERMINAL_SECONDS, 60 s).
CONTACT_WRITE_SECONDS = 20


def contact_due(moment, now) -> bool:
    return moment is None or (now - moment).total_seconds() >= CONTACT_WRITE_SECONDS


def _touch(attempt: Attempt) -> None:
    """A request from the terminal: note the contact (at most every
    CONTACT_WRITE_SECONDS), finish the attempt if its time is up."""
    now = clock.now()
    if contact_due(attempt.last_contact_at, now):
        attempt.last_contact_at = now
    if attempts.finish_if_expired(attempt):
        session["kiosk_result"] = attempt.id


@bp.errorhandler(ServiceError)
def _service_error(exc: ServiceError):
    if request.path.startswith("/kiosk/api/"):
        return json_error(exc)
    raise exc


@bp.errorhandler(CSRFError)
def _csrf_error(exc: CSRFError):
    if request.path.startswith("/kiosk/api/"):
        return jsonify({"error": "csrf", "message": _("The page has expired. Reload it.")}), 400
    return exc


@bp.route("/api/terminal")
@db.read_only
def terminal_status():
    """Polled by the pairing and locked screens (a read; the sighting is
    written at most every CONTACT_WRITE_SECONDS)."""
    terminal = current_terminal()
    if terminal is None:
        return jsonify({"state": "unknown"})
    now = clock.now()
    if contact_due(terminal.last_seen_at, now):
        db.begin_write()
        terminal.last_seen_at = now
    # A test the proctor moved to this terminal: the code screen picks it up by itself.
    running = db.session.scalar(sa.select(Attempt.id).where(
        Attempt.terminal_id == terminal.id, Attempt.state != AttemptState.FINISHED).limit(1))
    return jsonify({"state": terminal.state.value, "attempt": "running" if running else "none"})


@bp.route("/api/state")
@db.read_only
def state():
    """Everything to draw (or restore) the exam: questions without keys, answers,
    flags, the current question, the last sequence number and the timing.

    Polled every ``KIOSK_POLL_SECONDS`` by the kiosk as its heartbeat, so it is
    a read: it writes (and locks the attempt) only when the attempt's time is
    up; the contact goes to the worker's liveness book (exam/liveness)."""
    # The plain case: one Core query, no ORM objects (the frozen form is read
    # once per worker by its digest), nothing written: the contact is noted in
    # this worker's book (exam/liveness).
    seen = saving.snapshot(request.cookies.get(COOKIE))
    now = clock.now()
    if seen is not None and not attempts.deadline_passed(seen, now):
        liveness.book_for(db.hot_engine).note(seen.id, now)
        body = _timing(seen)
        if request.args.get("full") == "1":
            body.update(full_state(seen))
        return jsonify(body)
    attempt = active_attempt()
    if attempt is None:
        return _no_attempt()
    if attempts.deadline_passed(attempt, clock.now()):
        db.begin_write()
        attempt = active_attempt(lock=True)
        if attempt is None:
            return _no_attempt()
        _touch(attempt)
    else:
        liveness.book_for(db.hot_engine).note(attempt.id, clock.now())
    if attempt.state == AttemptState.FINISHED:
        return jsonify({"state": "finished"})
    body = _timing(attempt)
    if request.args.get("full") == "1":
        body.update(full_state(attempt))
    return jsonify(body)


@bp.route("/api/events", methods=["POST"])
@db.read_only
def events():
    """Append one event ``{seq, kind, payload, client_time}``; reply with the ack and timing.

    The plain case is checked in a read snapshot and written with two
    statements (``exam/saving``); anything else, or an attempt that moved
    meanwhile, goes through ``attempts.record_event`` under the row lock."""
    body = _read_json()
    seen = saving.snapshot(request.cookies.get(COOKIE))
    if seen is not None:
        prepared = saving.prepare(seen, body.get("seq"), body.get("kind"), body.get("payload"),
                                  body.get("client_time", ""))
        if prepared is not None:
            timing = dict(_timing(seen), next_seq=prepared.seq + 1)
            db.begin_write()
            if saving.write(prepared):
                return jsonify(dict(timing, ack=prepared.ack(), answered=prepared.answered))
    db.begin_write()
    attempt = active_attempt(lock=True)
    if attempt is None:
        return _no_attempt()
    try:
        ack = attempts.record_event(attempt, body.get("seq"), body.get("kind"), body.get("payload"),
                                    body.get("client_time", ""))
    except ServiceError as exc:
        # A late answer finishes the attempt: keep that and its audit entry.
        g.commit_on_error = attempt.state == AttemptState.FINISHED
        if attempt.state == AttemptState.FINISHED:
            session["kiosk_result"] = attempt.id
        response, status = json_error(exc)
        return jsonify(dict(response.get_json(), **_timing(attempt))), status
    return jsonify(dict(_timing(attempt), ack=ack, answered=attempt.answered_count))


@bp.route("/api/finish", methods=["POST"])
def finish():
    """The candidate submits, or the kiosk reports that its countdown reached zero.

    The server decides the reason from its own clock: at or after the deadline
    it is 'deadline', before it 'submitted'.
    """
    body = _read_json()
    if body.get("confirm") is not True:
        raise ServiceError(_("Confirm that you want to finish the test."), "not_confirmed", status=422)
    attempt = active_attempt(lock=True)
    if attempt is None:
        return _no_attempt()
    if attempt.state == AttemptState.PAUSED:
        raise ServiceError(_("The test is paused by the proctor. Please wait; your answers are kept."),
                           "paused", status=409)
    reached = clock.now() >= attempt.deadline_at
    if body.get("reason") == "deadline" and not reached:
        # The terminal's countdown ran ahead of the server's: keep going.
        return jsonify(dict(_timing(attempt), error="not_yet", message=_("There is still time left."))), 409
    reason = FinishReason.DEADLINE if reached else FinishReason.SUBMITTED
    attempts.finish_attempt(attempt, reason)
    session["kiosk_result"] = attempt.id
    return jsonify({"state": "finished", "reason": reason.value})
