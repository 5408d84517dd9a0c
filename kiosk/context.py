"""Who is at this kiosk: the terminal (by its cookie) and its attempt.

The terminal's identity is a long random secret in an HttpOnly,
SameSite=Strict cookie (Secure over TLS); only its hash is in the database.
"""
from __future__ import annotations

from flask import current_app, g, jsonify, request, session
from flask_babel import gettext as _
from flask_babel import refresh

from examserver.db import db
from examserver.models import Attempt, AttemptState, Terminal, TerminalState
from examserver.core import audit
from examserver.exam import code_login, terminals
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
                        secure=request.is_secure or current_app.config["SESSION_COOKIE_SECURE"], path="/kiosk")
    return response


def enrolled_login_terminal() -> code_login.LoginTerminal:
    """The enrolled terminal of this browser as the code login reads it (columns, no ORM
    object); refused (403) for an unknown, pending, locked or revoked one."""
    terminal = code_login.terminal_for_login(request.cookies.get(COOKIE))
    if terminal is None or terminal.state != TerminalState.ENROLLED:
        raise ServiceError(_("This terminal is not enrolled."), "terminal_not_enrolled", status=403)
    g.actor = audit.Actor.for_terminal(terminal)
    return terminal


def active_attempt(lock: bool = False) -> Attempt | None:
    """The unfinished attempt on this terminal (row-locked for writers on PostgreSQL).

    One query from the cookie to the terminal and its running attempt (every
    save and poll starts here); the terminal is kept for the request.
    """
    terminal, attempt = terminals.with_running_attempt(request.cookies.get(COOKIE), lock=lock)
    if terminal is not None:
        g.terminal = terminal
        g.actor = audit.Actor.for_terminal(terminal)
    elif "terminal" not in g:
        g.terminal = None
    if terminal is None or terminal.state != TerminalState.ENROLLED or attempt is None:
        return None
    use_language(attempt.language)
    return attempt


def result_attempt() -> Attempt | None:
    """The finished attempt whose result this browser session may show.

    Only the attempt this browser session ran (``kiosk_attempt``, set by the
    exam page) or finished (``kiosk_result``), and only until the candidate
    presses "Close" (which ends the session). There is deliberately no fallback
    to "the terminal's last attempt": after Close or a browser restart the next
    person must never see, print or appeal the previous candidate's result.
    """
    terminal = current_terminal()
    if terminal is None:
        return None
    attempt_id = session.get("kiosk_result") or session.get("kiosk_attempt")
    if not isinstance(attempt_id, int) or isinstance(attempt_id, bool):
        return None
    attempt = db.session.get(Attempt, attempt_id)
    if attempt is None or attempt.terminal_id != terminal.id or attempt.state != AttemptState.FINISHED:
        return None
    use_language(attempt.language)
    return attempt


def moved_away() -> Attempt | None:
    """The attempt this browser session ran, if the proctor has moved it, still
    running, to another terminal (the old terminal then says where it went)."""
    terminal = current_terminal()
    attempt_id = session.get("kiosk_attempt")
    if terminal is None or not isinstance(attempt_id, int) or isinstance(attempt_id, bool):
        return None
    attempt = db.session.get(Attempt, attempt_id)
    if attempt is None or attempt.state == AttemptState.FINISHED or attempt.terminal_id == terminal.id:
        return None
    use_language(attempt.language)
    return attempt


def end_candidate_session() -> None:
    """Forget everything of the candidate in this browser session (Close, a new code)."""
    session.clear()


def use_language(language: str) -> None:
    """Show the kiosk in the test's language from here on (drop Babel's cached choice)."""
    if g.get("locale") != language:
        g.locale = language
        refresh()


def json_error(exc: ServiceError):
    body = {"error": exc.code, "message": exc.message}
    body.update({k: v for k, v in exc.details.items() if isinstance(v, (int, str, bool))})
    return jsonify(body), exc.status
