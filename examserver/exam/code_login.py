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
from sqlalchemy.orm.attributes import set_committed_value

from question_bank.blueprint import Blueprint

from examserver.db import db
from examserver.models import (AccessCode, Attempt, AttemptState, ExamSession, Participant, Position, RateEvent,
                               SessionState, Terminal, TerminalState)
from examserver.core import audit
from examserver.exam import codes
from examserver.exam import gates
from examserver.exam import outline
from examserver.exam import retake
from examserver.core import ratelimit
from examserver.exam import terminals
from examserver.exam import attempts
from examserver.core.errors import Conflict, Forbidden, ServiceError


def _by_code_query() -> sa.Select:
    """The typed code's row, its participant, session, position and attempt (if
    any), and what the gates of a first start read besides: the participant of
    an unfinished attempt on this terminal, whether the person has a failure
    that could bar them (retake) or an unfinished test in another session, whether the terminal has wrong codes
    counted. One indexed query (the start storm's first request); the code and the
    attempt as columns (ORM objects cost more to build than the query to run)."""
    return (
        sa.select(AccessCode.id.label("code_id"), Participant, ExamSession, Position,
                  Attempt.id.label("attempt_id"), Attempt.terminal_id.label("attempt_terminal"),
                  Attempt.state.label("attempt_state"),
                  sa.select(Attempt.participant_id).where(Attempt.terminal_id == sa.bindparam("terminal_id"),
                                                         Attempt.state != AttemptState.FINISHED)
                  .limit(1).scalar_subquery().label("busy"),
                  retake.may_bar(Participant.pin, Position.group_code, Participant.id).label("may_bar"),
                  gates.person_busy(Participant.pin, Participant.id).label("person_busy"),
                  sa.exists().where(RateEvent.scope == "code-terminal", RateEvent.key == sa.bindparam("terminal_key"))
                  .label("failures"))
        .join(Participant, Participant.id == AccessCode.participant_id)
        .join(ExamSession, ExamSession.id == Participant.session_id)
        .join(Position, Position.id == Participant.position_id)
        .outerjoin(Attempt, Attempt.participant_id == Participant.id)
        .where(AccessCode.code_hash == sa.bindparam("code_hash"), AccessCode.revoked_at.is_(None))
    )


_BY_CODE: dict[bool, sa.Select] = {}  # built once per process and retake setting


def _pending_query(for_start: bool, postgres: bool = False) -> sa.Select:
    if for_start:  # on PostgreSQL with the person's advisory lock (gates.person_lock)
        return (sa.select(Terminal, Participant, Position, *([gates.person_lock(Participant.pin)] if postgres else []))
                .select_from(Terminal)
                .join(Participant, Participant.id == sa.bindparam("participant_id"))
                .join(Position, Position.id == Participant.position_id)
                .where(Terminal.secret_hash == sa.bindparam("secret_hash"), Terminal.id == sa.bindparam("terminal_id"))
                .with_for_update(of=(Terminal, Participant)).execution_options(populate_existing=True))
    # The pages read columns, not ORM objects (building them was most of a page's query).
    return (sa.select(Terminal.id, Terminal.centre_id, Participant.surname, Participant.name, Participant.patronymic,
                      Position.title, Position.blueprint_code, *outline.latest_columns(Position.blueprint_code))
            .select_from(Terminal)
            .join(Participant, Participant.id == sa.bindparam("participant_id"))
            .join(Position, Position.id == Participant.position_id)
            .where(Terminal.secret_hash == sa.bindparam("secret_hash"), Terminal.id == sa.bindparam("terminal_id")))


def _lockout_keys(terminal: Terminal | LoginTerminal) -> tuple[str, str]:
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


@dataclass(frozen=True)
class LoginTerminal:
    """The terminal a code is typed at, as the login reads it (columns, no ORM object)."""

    id: int
    state: TerminalState
    centre_id: int
    room_id: int | None


_TERMINAL = sa.select(Terminal.id, Terminal.state, Terminal.centre_id, Terminal.room_id).where(
    Terminal.secret_hash == sa.bindparam("secret_hash"))


def terminal_for_login(secret: str | None) -> LoginTerminal | None:
    """The terminal holding ``secret`` as :func:`login` needs it (one narrow query), or None."""
    if not secret:
        return None
    row = db.session.execute(_TERMINAL, {"secret_hash": terminals.secret_hash(secret)}).first()
    return None if row is None else LoginTerminal(*row)


def login_with_code(terminal: Terminal, raw_code: str) -> Participant:
    """:func:`login`, returning only the participant."""
    return login(terminal, raw_code).participant


def _find(terminal: Terminal | LoginTerminal, raw_code: str) -> sa.Row | None:
    """The row of ``_BY_CODE`` for the live code typed; None if no such code (or one of another centre)."""
    code = codes.normalise(raw_code)
    if len(code) != codes.CODE_LENGTH:
        return None
    every_group = bool(current_app.config["RETAKE_EVERY_GROUP"])
    if every_group not in _BY_CODE:  # the retake clause depends on the setting
        _BY_CODE[every_group] = _by_code_query()
    row = db.session.execute(_BY_CODE[every_group], {
        "code_hash": codes.code_hash(code), "terminal_id": terminal.id, "terminal_key": str(terminal.id)}).first()
    if row is None or row[2].centre_id != terminal.centre_id:
        return None
    # The participant holds its session and position (the ORM session keeps objects weakly: no reload later).
    set_committed_value(row[1], "session", row[2])
    set_committed_value(row[1], "position", row[3])
    return row


def login(terminal: Terminal | LoginTerminal, raw_code: str) -> CodeLogin:
    """Identify the candidate by access code at an enrolled terminal (an ORM object,
    or the columns :func:`terminal_for_login` reads).

    Wrong codes are counted in the database per terminal and per exam session:
    ``CODE_LOCKOUT_FAILURES`` within ``CODE_LOCKOUT_WINDOW_SECONDS`` on the
    terminal (or three times as many in the session) locks the terminal until a
    proctor unlocks it. A code whose attempt runs on another terminal is
    refused and audited (invariant 6). Before a first start, every gate of
    issuing the code is checked again (``exam.gates``): session open, terminal
    of the session's room, admitted, not absent, no retake period, start
    window, no unfinished test of the person in another session. The caller
    keeps what this logged even when it refuses (the refusals that must leave
    a trace are raised with ``keep=True``).

    The checks read one query (the code with its participant, session,
    position, attempt and the gates' other facts) in the request's snapshot
    when the view is a reader; what is logged (audit entries, failure
    counts) is written after ``db.begin_write()``, so on SQLite the write
    gate is held for the writes only.
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
            terminals.lock(terminal if isinstance(terminal, Terminal) else db.session.get(Terminal, terminal_id))
            raise Forbidden(_("Too many wrong codes. This terminal is locked; please call the proctor."),
                            "terminal_locked", keep=True)
        raise ServiceError(_("This code is not valid. Check it and type it again."), "wrong_code", keep=True)
    participant, attempt_id, attempt_terminal = found[1], found.attempt_id, found.attempt_terminal
    participant_id, code_id, started = participant.id, found.code_id, found.attempt_id is not None
    gates.check_session_open(participant)
    if not started:
        if gates.wrong_room(participant, terminal):
            session = participant.session
            db.begin_write()
            audit.record("kiosk.code_wrong_room", ("participant", participant_id), actor=actor, centre_id=centre_id,
                         terminal_room=room_id, session_room=session.room_id)
        gates.check_terminal(participant, terminal, keep=True)
        gates.check_terminal_free(terminal, participant, found.busy)
        gates.check_participant(participant, retake_possible=found.may_bar)
        attempts.check_may_start(participant)
        if found.person_busy:
            db.begin_write()
            gates.check_person_free(participant, terminal, True)
    if started and attempt_terminal != terminal_id:
        db.begin_write()
        audit.record("attempt.other_terminal_refused", ("attempt", attempt_id), actor=actor,
                     centre_id=centre_id, attempt_terminal=attempt_terminal)
        raise Forbidden(_("This code is in use on another terminal. Please call the proctor."), "other_terminal",
                        keep=True)
    if started and found.attempt_state == AttemptState.FINISHED:
        raise Conflict(_("The test for this code is already finished."), "already_finished")
    db.begin_write()
    if found.failures:  # wrong codes typed here before this good one: the count starts again
        ratelimit.reset("code-terminal", str(terminal_id))
    audit.record("kiosk.code_ok", ("participant", participant_id), actor=actor, centre_id=centre_id)
    return CodeLogin(participant, participant_id, code_id, terminal_id, started)


@dataclass(frozen=True)
class PendingTerminal:
    """The terminal as the pages between code and start know it (``audit.Actor.for_terminal``)."""

    id: int
    centre_id: int


@dataclass(frozen=True)
class PendingPosition:
    title: dict
    blueprint_code: str


@dataclass(frozen=True)
class Candidate:
    """The candidate as the pages between code and start show them: name and position."""

    surname: str
    name: str
    patronymic: str
    position: PendingPosition

    @property
    def full_name(self) -> str:
        """As ``Participant.full_name``."""
        return " ".join(p for p in (self.surname, self.name, self.patronymic) if p)


@dataclass(frozen=True)
class Pending:
    """The candidate between code and start, at this terminal, and the latest
    version of their position's blueprint (None: none set up, or not read).
    For the start, ORM objects locked in its transaction; for the pages, plain
    values (:class:`PendingTerminal`, :class:`Candidate`)."""

    terminal: Terminal | PendingTerminal
    participant: Participant | Candidate
    blueprint_id: int | None
    blueprint: Blueprint | None


def pending(secret: str | None, terminal_id: object, participant_id: object, for_start: bool = False) -> Pending | None:
    """The terminal holding ``secret`` and the candidate who typed a valid code on it
    (remembered by the kiosk's session), with the position and the latest
    blueprint version: one query of columns; None if the cookie is not that terminal's.

    ``for_start``: in the start's write transaction, the terminal and the
    participant are locked and re-read as ORM objects instead
    (``gates.lock_for_start``'s statement; pass ``locked=True`` to the start)
    and the blueprint is left to the start's own checks.
    """
    if not secret or not isinstance(terminal_id, int) or not isinstance(participant_id, int):
        return None
    if for_start:
        db.session.flush()  # re-reading drops unflushed changes
    if for_start:
        statement = _PENDING_FOR_START_PG if db.session.get_bind().dialect.name == "postgresql" else _PENDING_FOR_START
    else:
        statement = _PENDING
    row = db.session.execute(statement, {
        "secret_hash": terminals.secret_hash(secret), "terminal_id": terminal_id,
        "participant_id": participant_id}).first()
    if row is None:
        return None
    if for_start:
        set_committed_value(row[1], "position", row[2])
        return Pending(row[0], row[1], None, None)
    (term_id, centre_id, surname, name, patronymic, title, blueprint_code, blueprint_id, digest) = row
    candidate = Candidate(surname, name, patronymic, PendingPosition(title, blueprint_code))
    return Pending(PendingTerminal(term_id, centre_id), candidate, blueprint_id, outline.parsed(blueprint_id, digest))


_PENDING, _PENDING_FOR_START = _pending_query(False), _pending_query(True)
_PENDING_FOR_START_PG = _pending_query(True, postgres=True)
