"""Candidate identification at a kiosk: access code, lockout, start checks.

Wrong codes are counted in the database (invariant 9) per terminal and per
exam session; a code whose attempt runs on another terminal is refused and
audited (invariant 6).
"""
from __future__ import annotations

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from examserver.db import db
from examserver.models import AttemptState, ExamSession, Participant, SessionState, Terminal, TerminalState
from examserver.core import audit
from examserver.exam import codes
from examserver.core import ratelimit
from examserver.exam import terminals
from examserver.exam import attempts
from examserver.exam.attempts import attempt_of
from examserver.core.errors import Conflict, Forbidden, ServiceError


def _lockout_keys(terminal: Terminal) -> tuple[str, str]:
    """Counter keys: the terminal, and the open session of its room (wrong codes
    spread over many terminals of one room still add up)."""
    session_id = db.session.scalar(
        sa.select(ExamSession.id).where(ExamSession.room_id == terminal.room_id, ExamSession.state == SessionState.OPEN)
        .order_by(ExamSession.id).limit(1)
    )
    return str(terminal.id), f"session:{session_id}" if session_id else f"room:{terminal.room_id}"


def login_with_code(terminal: Terminal, raw_code: str) -> Participant:
    """Identify the candidate by access code at an enrolled terminal.

    Wrong codes are counted in the database per terminal and per exam session:
    ``CODE_LOCKOUT_FAILURES`` within ``CODE_LOCKOUT_WINDOW_SECONDS`` on the
    terminal (or three times as many in the session) locks the terminal until a
    proctor unlocks it. A code whose attempt runs on another terminal is
    refused and audited (invariant 6). The caller keeps what this logged even
    when it refuses (the refusals are raised with ``keep=True``).
    """
    if terminal.state == TerminalState.LOCKED:
        raise Forbidden(_("This terminal is locked. Please call the proctor."), "terminal_locked")
    if terminal.state != TerminalState.ENROLLED:
        raise Forbidden(_("This terminal is not enrolled."), "terminal_not_enrolled")
    actor = audit.Actor.for_terminal(terminal)
    participant = codes.find_participant(raw_code)
    if participant is not None and participant.session.centre_id != terminal.centre_id:
        participant = None
    if participant is None:
        limit = current_app.config["CODE_LOCKOUT_FAILURES"]
        window = current_app.config["CODE_LOCKOUT_WINDOW_SECONDS"]
        term_key, session_key = _lockout_keys(terminal)
        ratelimit.hit("code-terminal", term_key)
        ratelimit.hit("code-session", session_key)
        audit.record("kiosk.code_failed", terminal, actor=actor)
        if (ratelimit.count("code-terminal", term_key, window) >= limit
                or ratelimit.count("code-session", session_key, window) >= 3 * limit):
            terminals.lock(terminal)
            raise Forbidden(_("Too many wrong codes. This terminal is locked; please call the proctor."),
                            "terminal_locked", keep=True)
        raise ServiceError(_("This code is not valid. Check it and type it again."), "wrong_code", keep=True)
    if participant.session.state != SessionState.OPEN:
        raise ServiceError(_("The exam session is not open. Please wait for the proctor."), "session_not_open")
    existing = attempt_of(participant)
    if existing is None:
        attempts.check_may_start(participant)
    if existing is not None and existing.terminal_id != terminal.id:
        audit.record("attempt.other_terminal_refused", existing, actor=actor,
                     centre_id=terminal.centre_id, attempt_terminal=existing.terminal_id)
        raise Forbidden(_("This code is in use on another terminal. Please call the proctor."), "other_terminal",
                        keep=True)
    if existing is not None and existing.state == AttemptState.FINISHED:
        raise Conflict(_("The test for this code is already finished."), "already_finished")
    ratelimit.reset("code-terminal", str(terminal.id))
    audit.record("kiosk.code_ok", participant, actor=actor, centre_id=terminal.centre_id)
    return participant
