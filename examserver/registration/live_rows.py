"""The live room's SQL: narrow rows, what changed since a moment, counters.

The room is polled every second by every proctor watching it, with up to a
few thousand candidates. So a poll reads only the columns the table shows
(never an attempt's frozen form), computes each row's state and its times
(epoch milliseconds) in SQL, and can restrict itself to the rows that
changed since a moment. Each function here is one statement, whatever the
number of candidates.

What "changed" means, without a write on the exam's hot path: every change a
row can show is either stamped on the attempt (a save or a heartbeat moves
``last_contact_at``) or made by someone and therefore audited (invariant 8:
start, finish, pause, resume, extend, move, code issue, admission, no-show,
terminal lock and unlock), or it is the terminal's own lock (``locked_at``).
A change to the session itself (open, close, a participant list imported)
makes every row "changed".

A save or a heartbeat changes only two things a row shows: the answered
count and the time of contact. So a poll reads whole rows only for what a
person changed (``touched``: found from the audit entries since the moment,
by index), and of every candidate only the state and ``MOVE_COLUMNS``
(``moved``; SQLite reads the attempt from ``ix_attempt_live_room``). The
database counts the rows per state and writes the rows' JSON itself
(``json_rows``): a poll steps through a few rows, not thousands.
"""
from __future__ import annotations

import collections
import functools
import json
import operator
from datetime import datetime, timedelta, timezone

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from examserver.db import db
from examserver.registration.live_sql import epoch_ms, int_id, json_rows
from examserver.models.base import UTCDateTime
from examserver.models import (AccessCode, Admission, Attempt, AttemptState, AuditEntry, Participant, Terminal,
                               TerminalState)

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
MS = timedelta(milliseconds=1)

# The order of a row's values in the poll's JSON (``columns`` there).
COLUMNS = ("participant_id", "name", "seat", "state", "attempt_id", "answered", "total", "deadline_ms", "paused_ms",
           "contact_ms", "terminal_id", "terminal_seat", "terminal_state", "score", "max_points", "verdict")
# The order of a move's values (``move_columns``): what a save or a heartbeat changes.
MOVE_COLUMNS = ("participant_id", "answered", "contact_ms")


def to_ms(moment: datetime) -> int:
    """``moment`` in epoch milliseconds, rounded as ``live_sql.epoch_ms`` rounds."""
    return (moment - EPOCH + timedelta(microseconds=500)) // MS


def from_ms(ms: int) -> datetime:
    return EPOCH + ms * MS


def _state():
    """The row's one word, as SQL: the attempt's state (in_progress, paused,
    finished) if there is one, else no_show, not_admitted, pending, waiting
    (admitted, with a valid code) or no_code."""
    has_code = sa.exists().where(AccessCode.participant_id == Participant.id, AccessCode.revoked_at.is_(None))
    return sa.case(
        (Attempt.id.is_not(None), sa.type_coerce(Attempt.state, sa.String)),
        (Participant.no_show.is_(True), sa.literal("no_show")),
        (Participant.admission == Admission.NOT_ADMITTED, sa.literal("not_admitted")),
        (Participant.admission != Admission.ADMITTED, sa.literal("pending")),
        (has_code, sa.literal("waiting")),
        else_=sa.literal("no_code"),
    )


def _name():
    """``Participant.full_name`` in SQL: the non-empty parts joined by one space."""
    def part(column):
        return sa.case((column != "", " " + column), else_="")
    return sa.func.trim(sa.func.coalesce(Participant.surname, "") + part(Participant.name) + part(Participant.patronymic))


def _contact():
    return sa.func.coalesce(Attempt.last_contact_at, Terminal.last_seen_at)


SESSION = sa.bindparam("b_session")          # the session's id
SINCE = sa.bindparam("b_since", type_=UTCDateTime())
SILENT_BEFORE = sa.bindparam("b_silent", type_=UTCDateTime())


def _joined(query):
    return (query.select_from(Participant)
            # session_id too: SQLite then reads the attempt from ix_attempt_live_room alone (migration 0010)
            .outerjoin(Attempt, sa.and_(Attempt.participant_id == Participant.id, Attempt.session_id == SESSION))
            .outerjoin(Terminal, Terminal.id == Attempt.terminal_id)
            .where(Participant.session_id == SESSION))


def _touched_since():
    """The condition "someone changed this row since ``SINCE``" (audited, a
    terminal's lock, the session): anything but a save's or a heartbeat's
    move. It names the participants from the few audit entries since then
    (one range of ``ix_audit_entry_at``) and ids found by primary key, so
    the rows are joined only for them."""
    audited = (sa.select(AuditEntry.object_type, AuditEntry.object_id)
               .where(AuditEntry.at >= SINCE,
                      AuditEntry.object_type.in_(("participant", "attempt", "terminal", "exam_session")))
               .cte("audited"))
    def ids(kind):  # noqa: E306
        return sa.select(int_id(audited.c.object_id).label("id")).where(audited.c.object_type == kind)
    attempt, terminal = aliased(Attempt, name="touched_attempt"), aliased(Terminal, name="touched_terminal")
    terminals = sa.union(ids("terminal"), sa.select(terminal.id).where(terminal.locked_at >= SINCE)).cte("terminals")
    people = sa.union(
        ids("participant"),
        sa.select(attempt.participant_id).where(attempt.id.in_(ids("attempt"))),
        # the attempts are looked at only if a terminal was touched (PostgreSQL: a one-time filter)
        sa.select(attempt.participant_id).where(sa.exists(sa.select(terminals.c.id)), attempt.session_id == SESSION,
                                                attempt.terminal_id.in_(sa.select(terminals.c.id))),
    )
    session_changed = sa.exists(sa.select(audited.c.object_id).where(
        audited.c.object_type == "exam_session", audited.c.object_id == sa.cast(SESSION, sa.String(64))))
    return sa.or_(Participant.id.in_(people), session_changed)


def _per_state(joined, columns, contact, include=None) -> tuple[sa.Select, sa.Select]:
    """The rows of ``joined`` with their state, whether silent (a running test
    whose ``contact`` is at or before ``SILENT_BEFORE``), whether ``include``
    holds (always without it) and ``columns``; and the same per state: how
    many, how many silent, ``json_rows`` of the included rows (for SQLite)."""
    silent = sa.and_(Attempt.state == AttemptState.IN_PROGRESS, sa.or_(contact.is_(None), contact <= SILENT_BEFORE))
    room = joined(sa.select(
        _state().label("state"), sa.case((silent, 1), else_=0).label("silent"),
        (sa.case((include, 1), else_=0) if include is not None else sa.literal(1)).label("include"),
        *[column.label(f"c{n}") for n, column in enumerate(columns)],
    )).subquery("room")
    values = [room.c[f"c{n}"] for n in range(len(columns))]
    return (sa.select(room.c.state, room.c.silent, room.c.include, *values),
            sa.select(room.c.state, sa.func.count(), sa.func.sum(room.c.silent),
                      json_rows(room.c.include == 1, *values)).group_by(room.c.state))


@functools.cache
def _statements() -> dict[str, sa.Select]:
    """The room's statements, built once per process (their bound values vary)."""
    columns = (
        Participant.id, _name(), Participant.seat, _state(), Attempt.id, Attempt.answered_count, Attempt.question_count,
        epoch_ms(Attempt.deadline_at), epoch_ms(Attempt.paused_at), epoch_ms(_contact()), Attempt.terminal_id,
        Terminal.seat, sa.type_coerce(Terminal.state, sa.String), Attempt.total_points, Attempt.max_points,
        Attempt.verdict,
    )
    every_row = _joined(sa.select(*columns))  # in no order: the page and room_snapshot sort by seat themselves
    # the terminal's last contact only for an attempt without one (COALESCE reads it only then): no join
    contact = sa.func.coalesce(Attempt.last_contact_at, sa.select(Terminal.last_seen_at)
                               .where(Terminal.id == Attempt.terminal_id).scalar_subquery())

    def without_terminal(query):
        return (query.select_from(Participant)
                .outerjoin(Attempt, sa.and_(Attempt.participant_id == Participant.id, Attempt.session_id == SESSION))
                .where(Participant.session_id == SESSION))

    terminals = sa.select(Terminal.id, Terminal.seat, sa.type_coerce(Terminal.state, sa.String),
                          epoch_ms(Terminal.last_seen_at)).where(Terminal.room_id == sa.bindparam("b_room"))
    return {
        "rows": every_row,
        "touched": every_row.where(_touched_since()),
        **dict(zip(("every", "every per state"), _per_state(_joined, columns, _contact()))),
        **dict(zip(("moved", "moved per state"), _per_state(
            without_terminal, (Participant.id, Attempt.answered_count, epoch_ms(contact)), contact,
            sa.and_(Attempt.id.is_not(None), contact >= SINCE)))),
        "terminals": terminals.where(Terminal.state != TerminalState.REVOKED).order_by(Terminal.seat, Terminal.id),
        "locked": terminals.where(Terminal.state == TerminalState.LOCKED).order_by(Terminal.seat, Terminal.id),
    }


def _execute(name: str, **values):
    """Run one of the room's statements on the session's connection (Core
    rows: the ORM's row processing costs more than the query for 2,000)."""
    return db.session.connection().execute(_statements()[name], values)


def _tuples(name: str, **values) -> list[tuple]:
    """The statement's rows as the driver's own tuples: every column here is
    an int, a str or NULL as the driver returns it (the states are read as
    text, the times as epoch ms), so SQLAlchemy's per-row processing is
    skipped (a fifth of the time of reading 2,000 rows)."""
    result = _execute(name, **values)
    try:
        return result.cursor.fetchall()
    finally:
        result.close()


def begin() -> None:
    """Before a poll's statements: on PostgreSQL, no JIT compilation in this
    transaction. The planner's cost of reading a room of a couple of thousand
    candidates passes ``jit_above_cost``, and compiling took 20 ms of the
    server's CPU for a statement that runs in 3 ms."""
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("SET LOCAL jit = off")


def rows(session_id: int, since: datetime | None = None) -> list[tuple]:
    """The table's rows (values in ``COLUMNS`` order): all of them, or those a
    person (or a terminal's lock) changed since ``since`` (see ``live`` for the rest)."""
    if since is None:
        return _tuples("rows", b_session=session_id)
    return _tuples("touched", b_session=session_id, b_since=since)


def every(session_id: int, silent_before: datetime) -> tuple[dict[str, int], str]:
    """The counters (``counts``) and the JSON text of every row (``COLUMNS``)."""
    return _counted("every", b_session=session_id, b_silent=silent_before)


def moved(session_id: int, since: datetime, silent_before: datetime) -> tuple[dict[str, int], str]:
    """The counters (``counts``) and the JSON text of the moves (``MOVE_COLUMNS``)
    of the attempts heard from since ``since``: a save or a heartbeat, the
    only changes not audited (a row that comes whole too may come as a move)."""
    return _counted("moved", b_session=session_id, b_since=since, b_silent=silent_before)


def _counted(name: str, **values) -> tuple[dict[str, int], str]:
    """Candidates per state, plus ``silent`` (running tests whose terminal was
    last heard from at or before ``b_silent``), and the included rows as one
    JSON array: written by SQLite, or encoded here from the rows (PostgreSQL)."""
    counts: dict[str, int] = {}
    if db.session.get_bind().dialect.name != "sqlite":
        rows = _tuples(name, **values)  # (state, silent, include, *values): counted in C, not row by row in Python
        counts.update(collections.Counter(map(operator.itemgetter(0), rows)))
        silent = sum(map(operator.itemgetter(1), rows))
        if silent:
            counts["silent"] = silent
        return counts, json.dumps([row[3:] for row in rows if row[2]], ensure_ascii=False, separators=(",", ":"))
    parts = []
    for state, count, silent, text in _tuples(name + " per state", **values):
        counts[state] = count
        if silent:
            counts["silent"] = counts.get("silent", 0) + int(silent)
        if text != "[]":
            parts.append(text[1:-1])
    return counts, "[" + ",".join(parts) + "]"


def room_terminals(room_id: int, locked_only: bool = False) -> list[tuple]:
    """``(id, seat, state, last_seen_ms)`` of the room's terminals (not revoked), or only the locked ones."""
    return [tuple(row) for row in _execute("locked" if locked_only else "terminals", b_room=room_id)]
