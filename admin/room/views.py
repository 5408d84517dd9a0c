"""Live room page, its JSON snapshot, and the JSON actions.

JSON calls are POSTs protected by CSRF: admin.js sends the token in the
``X-CSRFToken`` header. Refusals come back as ``{"error", "message"}``.
"""
from __future__ import annotations

import functools
import time

from flask import abort, current_app, g, jsonify, render_template, request
from flask_babel import gettext as _

from examserver.db import db
from examserver.models import Attempt, Participant, Terminal
from examserver.registration import live
from examserver.registration import participants as registration
from examserver.exam import terminals
from examserver.exam import timer
from examserver.registration import sessions as session_service
from examserver.core.errors import NotFound, ServiceError

from ..security import STAFF, actor, current_db_user, json_error, role_required
from . import bp


def _session(session_id: int):
    try:
        return session_service.get_for(current_db_user(), session_id)
    except NotFound:
        abort(404)


@bp.route("/<int:session_id>")
@db.read_only  # a snapshot: the live room never waits for the kiosks' writes
@role_required(*STAFF)
def view(session_id: int):
    session = _session(session_id)
    return render_template("room/live.html", session=session)


MAX_VERSION = 10 ** 15  # epoch milliseconds: about 31,700 years


def _timed(view):
    """Send the time the request took from here on (the login check included)
    and its CPU as ``Server-Timing``: the rest of what a proctor waits is the
    server's queue and the other threads (the browser's developer tools and
    bench/hall.py show it)."""

    @functools.wraps(view)
    def timed(*args, **kwargs):
        started, cpu = time.perf_counter(), time.thread_time()
        response = view(*args, **kwargs)
        if isinstance(response, current_app.response_class):
            response.headers["Server-Timing"] = "view;dur=%.1f, cpu;dur=%.1f" % (
                (time.perf_counter() - started) * 1000, (time.thread_time() - cpu) * 1000)
        return response

    return timed


@bp.route("/<int:session_id>/data")
@db.read_only
@_timed
@role_required(*STAFF)
def data(session_id: int):
    """The room as JSON: every row with its seconds counted; or, with
    ``?since=VERSION`` (what the page polls), the rows changed since that poll."""
    session = _session(session_id)
    since = request.args.get("since")
    if since is None:
        return jsonify(live.room_snapshot(session))
    if not since.isdigit() or int(since) > MAX_VERSION:
        return jsonify({"error": "bad_request", "message": _("Missing or invalid %(name)s.", name="since")}), 400
    body = live.dumps(live.room_changes(session, int(since)))
    return current_app.response_class(body, mimetype="application/json", headers={"Cache-Control": "no-store"})


def _attempt(session, payload) -> Attempt:
    attempt = db.session.get(Attempt, _int(payload, "attempt_id"))
    if attempt is None or attempt.session_id != session.id:
        raise NotFound(_("No such attempt in this session."), "no_attempt")
    return attempt


def _int(payload, key) -> int:
    try:
        return int(payload.get(key))
    except (TypeError, ValueError):
        raise ServiceError(_("Missing or invalid %(name)s.", name=key), "bad_request")


def _terminal(session, payload) -> Terminal:
    terminal = db.session.get(Terminal, _int(payload, "terminal_id"))
    if terminal is None or terminal.centre_id != session.centre_id:
        raise NotFound(_("No such terminal in this centre."), "no_terminal")
    return terminal


@bp.route("/<int:session_id>/action", methods=["POST"])
@role_required(*STAFF)
def action(session_id: int):
    session = _session(session_id)
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict):
        return jsonify({"error": "bad_request", "message": _("Send a JSON object.")}), 400
    kind = payload.get("action")
    reason = str(payload.get("reason") or "").strip()
    who = actor()
    try:
        if not reason:
            raise ServiceError(_("A reason is required."), "reason_required")
        if kind == "extend":
            timer.extend(_attempt(session, payload), payload.get("minutes"), reason, who)
        elif kind == "pause":
            timer.pause(_attempt(session, payload), reason, who)
        elif kind == "resume":
            timer.resume(_attempt(session, payload), reason, who)
        elif kind == "move":
            timer.move_attempt(_attempt(session, payload), _terminal(session, payload), reason, who)
        elif kind == "unlock":
            terminals.unlock(_terminal(session, payload), who, reason)
        elif kind == "no_show":
            participant = db.session.get(Participant, _int(payload, "participant_id"))
            if participant is None or participant.session_id != session.id:
                raise NotFound(_("No such participant in this session."), "no_participant")
            registration.mark_no_show(participant, reason, who)
        elif kind == "close":
            session_service.close_session(session, who, reason)
        else:
            raise ServiceError(_("Unknown action."), "unknown_action")
    except ServiceError as exc:
        if exc.code == "expired":  # the attempt was finished on the way: keep that
            g.commit_on_error = True
        return json_error(exc)
    return jsonify({"ok": True})  # the page polls for the changes at once


@bp.route("/<int:session_id>/terminals")
@role_required(*STAFF)
def free_terminals(session_id: int):
    """Live, free terminals of the session's centre, for the "move" dialog
    (``live.live_terminals``: a silent or busy terminal is no place to move to)."""
    return jsonify(live.live_terminals(_session(session_id)))
