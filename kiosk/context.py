"""Who is at this kiosk: the terminal (by its cookie) and its attempt.

The terminal's identity is a long random secret in an HttpOnly,
SameSite=Strict cookie (Secure over TLS); only its hash is in the database.
"""
from __future__ import annotations

from datetime import timedelta

from flask import current_app, g, jsonify, request, session
from flask_babel import gettext as _
from flask_babel import refresh

from examserver import clock
from examserver.db import db
from examserver.models import Attempt, AttemptState, Participant, Terminal, TerminalState
from examserver.exam import attempts
from examserver.core import audit
from examserver.exam import terminals
from examserver.core.errors import ServiceError

COOKIE = "exam_terminal"
COOKIE_MAX_AGE = 5 * 365 * 24 * 3600


def current_terminal() -> Terminal | None:
    """The terminal of this browser, or None for an unknown browser."""
    if "terminal" not in g:
        g.terminal = terminals.by_secret(request.cookies.get(COOKIE))
        if g.terminal is not None:
            g.actor = audit.Actor.for_terminal(g.terminal)
    return g.terminal


def set_terminal_cookie(response, secret: str):
    response.set_cookie(COOKIE, secret, max_age=COOKIE_MAX_AGE, httponly=True, samesite="Strict",
                        secure=request.is_secure, path="/kiosk")
    return response


def enrolled_terminal() -> Terminal:
    terminal = current_terminal()
    if terminal is None or terminal.state != TerminalState.ENROLLED:
        raise ServiceError(_("This terminal is not enrolled."), "terminal_not_enrolled", status=403)
    return terminal


def active_attempt(lock: bool = False) -> Attempt | None:
    """The unfinished attempt on this terminal (row-locked for writers on PostgreSQL)."""
    terminal = current_terminal()
    if terminal is None or terminal.state != TerminalState.ENROLLED:
        return None
    attempt = attempts.active_attempt_on(terminal)
    if attempt is not None and lock:
        db.session.refresh(attempt, with_for_update=True)
    if attempt is not None:
        use_language(attempt.language)
    return attempt


def result_attempt() -> Attempt | None:
    """The finished attempt whose result this terminal shows.

    The one finished in this browser session; otherwise the terminal's latest
    attempt finished by the server (deadline sweep) within the appeal window,
    unless its result screen was already closed here.
    """
    terminal = current_terminal()
    if terminal is None:
        return None
    attempt_id = session.get("kiosk_result")
    if attempt_id:
        attempt = db.session.get(Attempt, attempt_id)
    else:
        since = clock.now() - timedelta(minutes=current_app.config["APPEAL_WINDOW_MINUTES"])
        attempt = attempts.last_finished_on(terminal, since)
        if attempt is not None and attempt.id in session.get("kiosk_closed", []):
            attempt = None
    if attempt is None or attempt.terminal_id != terminal.id or attempt.state != AttemptState.FINISHED:
        return None
    use_language(attempt.language)
    return attempt


def pending_participant() -> Participant | None:
    """The candidate who typed a valid code here and has not started yet."""
    terminal = current_terminal()
    data = session.get("kiosk_login") or {}
    if terminal is None or data.get("terminal") != terminal.id:
        return None
    return db.session.get(Participant, data.get("participant"))


def use_language(language: str) -> None:
    """Show the kiosk in the test's language from here on (drop Babel's cached choice)."""
    if g.get("locale") != language:
        g.locale = language
        refresh()


def json_error(exc: ServiceError):
    body = {"error": exc.code, "message": exc.message}
    body.update({k: v for k, v in exc.details.items() if isinstance(v, (int, str, bool))})
    return jsonify(body), exc.status
