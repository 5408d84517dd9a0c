"""Candidate identification at a kiosk: access code, lockout, start checks.

Wrong codes are counted in the database (invariant 9) per terminal and per
exam session; a code whose attempt runs on another terminal is refused and
audited (invariant 6); the gates of issuing a code are checked again
(invariant 12, ``exam.gates``).
"""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from examserver.db import db
from examserver.models import AttemptState, ExamSession, Participant, SessionState, Terminal, TerminalState
from examserver.core import audit
from examserver.exam import codes
from examserver.exam import gates
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


@dataclass(frozen=True)
class CodeLogin:
    """Who logged in, and with which code row (the kiosk keeps ``code_id`` so the
    start re-checks that this very code still works)."""

    participant: Participant
    code_id: int


def login_with_code(terminal: Terminal, raw_code: str) -> Participant:
    """:func:`login`, returning only the participant."""
    return login(terminal, raw_code).participant


def login(terminal: Terminal, raw_code: str) -> CodeLogin:
    """Identify the candidate by access code at an enrolled terminal.

    Wrong codes are counted in the database per terminal and per exam session:
    ``CODE_LOCKOUT_FAILURES`` within ``CODE_LOCKOUT_WINDOW_SECONDS`` on the
    terminal (or three times as many in the session) locks the terminal until a
    proctor unlocks it. A code whose attempt runs on another terminal is
    refused and audited (invariant 6). Before a first start, every gate of
    issuing the code is checked again (``exam.gates``): session open, terminal
    of the session's room, admitted, not absent, no retake period, start
    window. The caller keeps what this logged even when it refuses (the
    refusals that must leave a trace are raised with ``keep=True``).
    """
    if terminal.state == TerminalState.LOCKED:
        raise Forbidden(_("This terminal is locked. Please call the proctor."), "terminal_locked")
    if terminal.state != TerminalState.ENROLLED:
        raise Forbidden(_("This terminal is not enrolled."), "terminal_not_enrolled")
    actor = audit.Actor.for_terminal(terminal)
    code = codes.find_code(raw_code)
    participant = code.participant if code is not None else None
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
    gates.check_session_open(participant)
    existing = attempt_of(participant)
    if existing is None:
        if gates.wrong_room(participant, terminal):
            audit.record("kiosk.code_wrong_room", participant, actor=actor, centre_id=terminal.centre_id,
                         terminal_room=terminal.room_id, session_room=participant.session.room_id)
        gates.check_terminal(participant, terminal, keep=True)
        gates.check_terminal_free(terminal, participant)
        gates.check_participant(participant)
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
    return CodeLogin(participant, code.id)
