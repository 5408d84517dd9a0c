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
from sqlalchemy.orm.attributes import set_committed_value
from flask_babel import gettext as _

from examserver.db import db
from examserver.models import (AccessCode, Attempt, AttemptState, ExamSession, Participant, Position, SessionState,
                               Terminal, TerminalState)
from examserver.core import audit
from examserver.exam import codes
from examserver.exam import gates
from examserver.core import ratelimit
from examserver.exam import terminals
from examserver.exam import attempts
from examserver.core.errors import Conflict, Forbidden, ServiceError

# The typed code's row, its participant, session, position and attempt (if any):
# one indexed query, built once per process (the start storm's first request).
_BY_CODE = (
    sa.select(AccessCode, Participant, ExamSession, Position, Attempt)
    .join(Participant, Participant.id == AccessCode.participant_id)
    .join(ExamSession, ExamSession.id == Participant.session_id)
    .join(Position, Position.id == Participant.position_id)
    .outerjoin(Attempt, Attempt.participant_id == Participant.id)
    .where(AccessCode.code_hash == sa.bindparam("code_hash"), AccessCode.revoked_at.is_(None))
)
# The candidate between code and start: terminal (by cookie), participant and position in one query.
_PENDING = (
    sa.select(Terminal, Participant, Position).select_from(Terminal)
    .join(Participant, Participant.id == sa.bindparam("participant_id"))
    .join(Position, Position.id == Participant.position_id)
    .where(Terminal.secret_hash == sa.bindparam("secret_hash"), Terminal.id == sa.bindparam("terminal_id"))
)


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
    """Who logged in, with which code row (the kiosk keeps ``code_id`` so the
    start re-checks that this very code still works), and whether their test
    has started already (then the kiosk goes straight to it)."""

    participant: Participant
    participant_id: int
    code_id: int
    terminal_id: int
    started: bool


def login_with_code(terminal: Terminal, raw_code: str) -> Participant:
    """:func:`login`, returning only the participant."""
    return login(terminal, raw_code).participant


def _find(terminal: Terminal, raw_code: str) -> tuple[AccessCode, Participant, Attempt | None] | None:
    """The live code typed, its participant (session and position loaded) and attempt; None if
    no such code (or one of another centre)."""
    code = codes.normalise(raw_code)
    if len(code) != codes.CODE_LENGTH:
        return None
    row = db.session.execute(_BY_CODE, {"code_hash": codes.code_hash(code)}).first()
    if row is None or row[2].centre_id != terminal.centre_id:
        return None
    # The participant holds its session and position (the session keeps objects weakly: no reload later).
    set_committed_value(row[1], "session", row[2])
    set_committed_value(row[1], "position", row[3])
    return row[0], row[1], row[4]


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

    The checks read (two queries: the code with its participant, session,
    position and attempt; then the terminal's and the person's facts) in
    the request's snapshot when the view is a reader; what is logged (audit
    entries, failure counts) is written after ``db.begin_write()``, so on
    SQLite the write gate is held for the writes only.
    """
    if terminal.state == TerminalState.LOCKED:
        raise Forbidden(_("This terminal is locked. Please call the proctor."), "terminal_locked")
    if terminal.state != TerminalState.ENROLLED:
        raise Forbidden(_("This terminal is not enrolled."), "terminal_not_enrolled")
    actor = audit.Actor.for_terminal(terminal)
    terminal_id, centre_id, room_id = terminal.id, terminal.centre_id, terminal.room_id
    found = _find(terminal, raw_code)
    if found is None:
        db.begin_write()
        limit = current_app.config["CODE_LOCKOUT_FAILURES"]
        window = current_app.config["CODE_LOCKOUT_WINDOW_SECONDS"]
        term_key, session_key = _lockout_keys(terminal)
        ratelimit.hit("code-terminal", term_key)
        ratelimit.hit("code-session", session_key)
        audit.record("kiosk.code_failed", ("terminal", terminal_id), actor=actor)
        if (ratelimit.count("code-terminal", term_key, window) >= limit
                or ratelimit.count("code-session", session_key, window) >= 3 * limit):
            terminals.lock(terminal)
            raise Forbidden(_("Too many wrong codes. This terminal is locked; please call the proctor."),
                            "terminal_locked", keep=True)
        raise ServiceError(_("This code is not valid. Check it and type it again."), "wrong_code", keep=True)
    code, participant, existing = found
    participant_id, code_id = participant.id, code.id
    gates.check_session_open(participant)
    if existing is None:
        facts = gates.login_facts(participant, terminal)
        if gates.wrong_room(participant, terminal):
            session = participant.session
            db.begin_write()
            audit.record("kiosk.code_wrong_room", ("participant", participant_id), actor=actor, centre_id=centre_id,
                         terminal_room=room_id, session_room=session.room_id)
        gates.check_terminal(participant, terminal, keep=True)
        gates.check_terminal_free(terminal, participant, facts.busy)
        gates.check_participant(participant, retake_possible=facts.may_bar)
        attempts.check_may_start(participant)
    if existing is not None and existing.terminal_id != terminal_id:
        attempt_id, attempt_terminal = existing.id, existing.terminal_id
        db.begin_write()
        audit.record("attempt.other_terminal_refused", ("attempt", attempt_id), actor=actor,
                     centre_id=centre_id, attempt_terminal=attempt_terminal)
        raise Forbidden(_("This code is in use on another terminal. Please call the proctor."), "other_terminal",
                        keep=True)
    if existing is not None and existing.state == AttemptState.FINISHED:
        raise Conflict(_("The test for this code is already finished."), "already_finished")
    db.begin_write()
    ratelimit.reset("code-terminal", str(terminal_id))
    audit.record("kiosk.code_ok", ("participant", participant_id), actor=actor, centre_id=centre_id)
    return CodeLogin(participant, participant_id, code_id, terminal_id, existing is not None)


def pending(secret: str | None, terminal_id: object, participant_id: object) -> tuple[Terminal, Participant] | None:
    """The terminal holding ``secret`` and the candidate who typed a valid code on it
    (remembered by the kiosk's session), with the position: one query; None if
    the cookie is not that terminal's."""
    if not secret or not isinstance(terminal_id, int) or not isinstance(participant_id, int):
        return None
    row = db.session.execute(_PENDING, {"secret_hash": terminals.secret_hash(secret), "terminal_id": terminal_id,
                                        "participant_id": participant_id}).first()
    if row is None:
        return None
    set_committed_value(row[1], "position", row[2])
    return row[0], row[1]
