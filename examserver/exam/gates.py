"""The gates a participant passes to sit a test, checked at every door (invariant 12).

What gates issuing a code (``codes.issue_code``) and registering
(``registration.participants``) is checked again where the code is used: at
code login (``code_login.login``) and at attempt start
(``attempts.start_attempt``). So a code re-issued, withdrawn by "not
admitted" or "absent", a closed session, a retake period that began after the
registration (a failure in another session), or a terminal of another room
stops a candidate at whichever door comes next.

Binding of codes and terminals: a code belongs to one participant of one
session; the session is in one room; a terminal is enrolled in one room. A
code starts an attempt only on an enrolled terminal of its session's room.
Once started, the attempt is bound to its terminal (invariant 6); the one
way to another terminal, in any room of the centre, is a proctor's move
(``timer.move_attempt``), journaled and audited.

One person, one running test: a person (the personal number, ``Participant.pin``)
registered in two sessions cannot start the second while an attempt of the
first is unfinished (in progress or paused) on another terminal. The code
login refuses it, and the start again under its locks (:func:`person_busy`
in the start's one statement of facts; on PostgreSQL the start's row-lock
statement also takes an advisory lock per person, :func:`person_lock`, so
two starts of one person in two sessions queue and the second sees the
first's attempt).
"""
from __future__ import annotations

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.orm.attributes import set_committed_value

from examserver.db import db
from examserver.models import (AccessCode, Admission, Attempt, AttemptState, ExamBlueprint, ExamSession, Participant,
                               Position, SessionState, Terminal, TerminalState)
from examserver.core import audit
from examserver.core.errors import Conflict, Forbidden
from examserver.exam import outline, predraw, retake


def check_session_open(participant: Participant) -> None:
    """The participant's session is open (a closed session accepts no login and no start)."""
    state = participant.session.state
    if state == SessionState.CLOSED:
        raise Forbidden(_("This exam session is closed. Please call the proctor."), "session_closed")
    if state != SessionState.OPEN:
        raise Forbidden(_("The exam session is not open. Please wait for the proctor."), "session_not_open")


def wrong_room(participant: Participant, terminal: Terminal) -> bool:
    """True when ``terminal`` is not in the room of the participant's session."""
    session = participant.session
    return terminal.centre_id != session.centre_id or terminal.room_id != session.room_id


def check_terminal(participant: Participant, terminal: Terminal, keep: bool = False) -> None:
    """``terminal`` is enrolled in the room of the participant's session
    (``keep``: the caller's audit entry of the refusal is committed)."""
    if terminal.state != TerminalState.ENROLLED:
        raise Forbidden(_("This terminal is not enrolled."), "terminal_not_enrolled")
    if wrong_room(participant, terminal):
        session = participant.session
        raise Forbidden(_("This code is for another room (%(room)s). Please go to your room or call the proctor.",
                          room=session.room.name if terminal.centre_id == session.centre_id else "—"),
                        "wrong_room", keep=keep)


def check_participant(participant: Participant, retake_possible: bool = True) -> None:
    """Admitted, not marked absent, the position's test offered by the session, no retake period running
    (``retake_possible=False``: the caller's query found no failure of the person that could bar them)."""
    if participant.admission != Admission.ADMITTED:
        raise Forbidden(_("You are not admitted to this test. Please call the proctor."), "not_admitted")
    if participant.no_show:
        raise Forbidden(_("You are marked absent. Please call the proctor."), "no_show")
    offered = participant.session.blueprint_codes
    if offered and participant.position.blueprint_code not in offered:
        raise Forbidden(_("This session does not offer the test of your position. Please call the proctor."),
                        "not_offered")
    if retake_possible:
        retake.check(participant, to_candidate=True)


def _code_revoked() -> None:
    raise Forbidden(_("This code no longer works (a new code was issued or it was withdrawn). "
                      "Please call the proctor."), "code_revoked")


def check_terminal_free(terminal: Terminal, participant: Participant, other: int | None) -> None:
    """No other candidate's unfinished attempt runs on ``terminal`` (one terminal, one attempt);
    ``other`` is the participant of the unfinished attempt on it the caller read (or None)."""
    if other is not None and other != participant.id:
        raise Conflict(_("Another candidate's test runs on this terminal. Please call the proctor."),
                       "terminal_busy")


def person_busy(pin, participant_id) -> sa.Exists:
    """An SQL ``EXISTS``: the person ``pin`` has an unfinished attempt as another participant
    (another session). Values, or columns of the outer query (e.g. ``Participant.pin``)."""
    a, q = sa.orm.aliased(Attempt), sa.orm.aliased(Participant)
    return sa.exists(sa.select(a.id).join(q, q.id == a.participant_id)
                     .where(q.pin == pin, q.id != participant_id, a.state != AttemptState.FINISHED))


PERSON_LOCK_SPACE = 15  # first key of the two-key advisory locks of persons (issue 15); core.locks uses one key


def person_lock(pin) -> sa.ColumnElement:
    """A column for a PostgreSQL row-lock statement that holds, until the end of the
    transaction, the advisory lock of the person ``pin`` (a column of the statement):
    starts of one person in two sessions queue on it, so the later one's gates
    (a new statement, a new snapshot) see the earlier one's attempt. Taken before
    the statement's row locks (the select list is computed below the row-locking step)."""
    return sa.func.pg_advisory_xact_lock(sa.literal(PERSON_LOCK_SPACE, sa.Integer), sa.func.hashtext(pin))


def check_person_free(participant: Participant, terminal: Terminal | object, busy: bool) -> None:
    """The person has no unfinished test in another session (``busy``: the caller's
    :func:`person_busy`). The refusal is audited and kept."""
    if busy:
        audit.record("kiosk.person_busy", ("participant", participant.id), actor=audit.Actor.for_terminal(terminal),
                     centre_id=terminal.centre_id)
        raise Conflict(_("Your test in another session is not finished yet. Finish that test first, "
                         "or ask the proctor to finish it."), "person_busy", keep=True)


def lock_for_start(participant: Participant, terminal: Terminal) -> None:
    """Row locks that make a start safe against what may race it (PostgreSQL; SQLite
    serialises writers with ``BEGIN IMMEDIATE``): the terminal (two starts on one
    terminal) and the participant (the same code started on two terminals; "not
    admitted" or "absent" set meanwhile), in one statement that re-reads them
    (and the position), so the checks that follow see committed state.
    :func:`check_start` then locks the session shared (a close waits for the
    start, or the start sees the close)."""
    db.session.flush()  # re-reading drops unflushed changes
    postgres = db.session.get_bind().dialect.name == "postgresql"
    row = db.session.execute(_LOCK_ROWS_PG if postgres else _LOCK_ROWS,
                             {"terminal_id": terminal.id, "participant_id": participant.id}).one()
    set_committed_value(participant, "position", row[2])


_LOCK_ROWS = (
    sa.select(Terminal, Participant, Position).select_from(Terminal)
    .join(Participant, Participant.id == sa.bindparam("participant_id"))
    .join(Position, Position.id == Participant.position_id)
    .where(Terminal.id == sa.bindparam("terminal_id")).with_for_update(of=(Terminal, Participant))
    .execution_options(populate_existing=True))
_LOCK_ROWS_PG = _LOCK_ROWS.add_columns(person_lock(Participant.pin))


def _start_facts(with_code: bool, postgres: bool) -> sa.Select:
    """The statement of :func:`check_start` after the row locks (built once per process).
    It also gives the new attempt's id (the start's journal event 0 hashes it: known
    ahead, the head goes into the attempt's INSERT): on PostgreSQL taken from its
    sequence; on SQLite the next row id, ``max(id) + 1`` as SQLite assigns it (no
    AUTOINCREMENT), safe because every writer holds the write lock from its
    transaction's start (``BEGIN IMMEDIATE``, examserver/db_engines.py)."""
    p = sa.bindparam
    own = sa.select(Attempt.id).where(Attempt.participant_id == p("participant_id")).limit(1).scalar_subquery()
    other = (sa.select(Attempt.participant_id).where(Attempt.terminal_id == p("terminal_id"),
                                                     Attempt.state != AttemptState.FINISHED)
             .limit(1).scalar_subquery())
    live = (sa.select(AccessCode.id).where(AccessCode.id == p("code_id"), AccessCode.participant_id == p("participant_id"),
                                           AccessCode.session_id == p("session_id"), AccessCode.revoked_at.is_(None))
            .scalar_subquery() if with_code else sa.null())
    latest_id, latest_digest = outline.latest_columns(p("blueprint_code"))
    return (sa.select(ExamSession, own, other, live, retake.may_bar(p("pin"), p("group_code"), p("participant_id")),
                      latest_id, latest_digest, predraw.bank_stamp(), person_busy(p("pin"), p("participant_id")),
                      sa.func.nextval(sa.func.pg_get_serial_sequence("attempt", "id")) if postgres
                      else sa.select(sa.func.coalesce(sa.func.max(Attempt.id), 0) + 1).scalar_subquery())
            .where(ExamSession.id == p("session_id")).with_for_update(read=True, of=ExamSession)
            .execution_options(populate_existing=True))


_START_FACTS: dict[tuple[bool, bool, bool], sa.Select] = {}


def check_start(participant: Participant, terminal: Terminal, code_id: int | None,
                locked: bool = False) -> tuple[int | None, str | None, int | None, int | None]:
    """Every gate of a first start, under :func:`lock_for_start`'s locks
    (``locked``: the caller took them, e.g. ``code_login.pending(for_start=True)``).

    ``code_id`` is the code the candidate logged in with; the kiosk always
    passes it (a missing one fails). ``None`` is for callers that start
    without a code (test and benchmark builders, the service API). After the
    terminal and participant locks, one statement locks the session shared and
    reads every other fact of the gates (an attempt already started, the
    terminal busy, the code still live, a failure that could bar, the person's
    unfinished test in another session) and the
    drawn (newest approved) version of the position's blueprint. Returns that
    version's id and digest (None, None: none approved; ``outline.parsed``
    gives the blueprint) and the item bank's stamp (``predraw.bank_stamp``;
    None: unknown), read in the same statement, and the new attempt's id
    (:func:`_start_facts`).
    """
    if not locked:
        lock_for_start(participant, terminal)
    with_code = isinstance(code_id, int)
    postgres = db.session.get_bind().dialect.name == "postgresql"
    key = (with_code, bool(current_app.config["RETAKE_EVERY_GROUP"]), postgres)  # the retake clause reads the setting
    if key not in _START_FACTS:
        _START_FACTS[key] = _start_facts(with_code, postgres)
    position = participant.position
    row = db.session.execute(_START_FACTS[key], {
        "participant_id": participant.id, "terminal_id": terminal.id, "session_id": participant.session_id,
        "pin": participant.pin, "group_code": position.group_code, "blueprint_code": position.blueprint_code,
        **({"code_id": code_id} if with_code else {})}).one()
    session, own, other, live, may_bar, blueprint_id, digest, stamp, busy, attempt_id = row
    set_committed_value(participant, "session", session)  # held: the ORM session keeps objects weakly
    if own is not None:
        raise Conflict(_("A test has already been started with this code."), "already_started")
    check_session_open(participant)
    check_terminal(participant, terminal)
    check_terminal_free(terminal, participant, other)
    check_participant(participant, retake_possible=may_bar)
    check_person_free(participant, terminal, busy)
    if code_id is not None and live is None:
        _code_revoked()
    return blueprint_id, digest, stamp, attempt_id
