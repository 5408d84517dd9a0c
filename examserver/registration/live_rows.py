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
by index, not by looking at every row), and for every candidate only the
few numbers of ``LIVE_COLUMNS`` (``live``: SQLite reads them from
``ix_attempt_live_room``): the counters are counted from them, and the rows
that moved since the moment go to the page as ``moves``. During an exam
nearly every attempt moves between two polls; only a few are touched.
"""
from __future__ import annotations

import functools
from datetime import datetime, timedelta, timezone

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import aliased
from sqlalchemy.sql.functions import FunctionElement

from examserver.db import db
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
# The order of the values of ``live``: a move's, and the row's state.
LIVE_COLUMNS = MOVE_COLUMNS + ("state",)


class epoch_ms(FunctionElement):
    """Milliseconds since 1970 of a UTC timestamp column (stored without zone), in SQL."""

    type = sa.BigInteger()
    inherit_cache = True
    name = "epoch_ms"


@compiles(epoch_ms, "sqlite")
def _epoch_ms_sqlite(element, compiler, **kw):
    return "CAST(ROUND((julianday(%s) - 2440587.5) * 86400000.0) AS INTEGER)" % compiler.process(element.clauses, **kw)


@compiles(epoch_ms)
def _epoch_ms_default(element, compiler, **kw):
    return "CAST(ROUND(EXTRACT(EPOCH FROM %s) * 1000) AS BIGINT)" % compiler.process(element.clauses, **kw)


class int_id(FunctionElement):
    """An audit entry's ``object_id`` (text) as an integer id, in SQL; NULL on
    PostgreSQL for text that is no id (its CAST would fail the statement)."""

    type = sa.BigInteger()
    inherit_cache = True
    name = "int_id"


@compiles(int_id, "sqlite")
def _int_id_sqlite(element, compiler, **kw):
    return "CAST(%s AS INTEGER)" % compiler.process(element.clauses, **kw)


@compiles(int_id)
def _int_id_default(element, compiler, **kw):
    text = compiler.process(element.clauses, **kw)
    return "CASE WHEN %s ~ '^[0-9]{1,18}$' THEN CAST(%s AS BIGINT) END" % (text, text)


def to_ms(moment: datetime) -> int:
    """``moment`` in epoch milliseconds, rounded as the SQL above rounds."""
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


@functools.cache
def _statements() -> dict[str, sa.Select]:
    """The room's statements, built once per process (their bound values vary)."""
    every_row = _joined(sa.select(
        Participant.id, _name(), Participant.seat, _state(), Attempt.id, Attempt.answered_count, Attempt.question_count,
        epoch_ms(Attempt.deadline_at), epoch_ms(Attempt.paused_at), epoch_ms(_contact()), Attempt.terminal_id,
        Terminal.seat, sa.type_coerce(Terminal.state, sa.String), Attempt.total_points, Attempt.max_points,
        Attempt.verdict,
    ))  # in no order: the page and room_snapshot sort by seat themselves (natural order)
    # the terminal's last contact only for an attempt without one (COALESCE reads it only then)
    contact = sa.func.coalesce(Attempt.last_contact_at, sa.select(Terminal.last_seen_at)
                               .where(Terminal.id == Attempt.terminal_id).scalar_subquery())
    live = (sa.select(Participant.id, Attempt.answered_count, epoch_ms(contact), _state()).select_from(Participant)
            .outerjoin(Attempt, sa.and_(Attempt.participant_id == Participant.id, Attempt.session_id == SESSION))
            .where(Participant.session_id == SESSION))
    terminals = sa.select(Terminal.id, Terminal.seat, sa.type_coerce(Terminal.state, sa.String),
                          epoch_ms(Terminal.last_seen_at)).where(Terminal.room_id == sa.bindparam("b_room"))
    return {
        "rows": every_row,
        "touched": every_row.where(_touched_since()),
        "live": live,
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


def rows(session_id: int, since: datetime | None = None) -> list[tuple]:
    """The table's rows (values in ``COLUMNS`` order): all of them, or those a
    person (or a terminal's lock) changed since ``since`` (see ``live`` for the rest)."""
    if since is None:
        return _tuples("rows", b_session=session_id)
    return _tuples("touched", b_session=session_id, b_since=since)


def live(session_id: int) -> list[tuple]:
    """``LIVE_COLUMNS`` of every row: what a save or a heartbeat changes, and the state."""
    return _tuples("live", b_session=session_id)


def counts(rows: list[tuple], state: int, contact: int, silent_before_ms: int) -> dict[str, int]:
    """Candidates per state, plus ``silent``: running tests whose terminal was
    last heard from at or before ``silent_before_ms``; from rows at hand
    (``state`` and ``contact``: where those values are in a row)."""
    out: dict[str, int] = {}
    running = AttemptState.IN_PROGRESS.value
    for row in rows:
        out[row[state]] = out.get(row[state], 0) + 1
        if row[state] == running and (row[contact] is None or row[contact] <= silent_before_ms):
            out["silent"] = out.get("silent", 0) + 1
    return out


def room_terminals(room_id: int, locked_only: bool = False) -> list[tuple]:
    """``(id, seat, state, last_seen_ms)`` of the room's terminals (not revoked), or only the locked ones."""
    return [tuple(row) for row in _execute("locked" if locked_only else "terminals", b_room=room_id)]
