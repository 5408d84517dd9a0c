"""The plain answer save, with the write transaction cut to its durable core.

Almost every kiosk event is the plain case: the next sequence number, an
attempt in progress, before its deadline, a well-formed payload. For that
case the work is split in two (the rest goes to ``attempts.record_event``
under the row lock, which answers every other case with its message):

1. :func:`prepare`, in the request's read snapshot (no lock, no wait): check
   the event against the frozen form, find the slot's previous answer, build
   the canonical record and its chain hash from the head seen in the snapshot.
2. :func:`write`, in a write transaction: one compare-and-set UPDATE of the
   attempt (``last_seq`` and ``journal_head`` still those of the snapshot,
   state still in progress, deadline unchanged) and one INSERT of the event.
   If anything moved in between (a pause, an extension, a concurrent resend)
   the UPDATE matches no row and the caller takes the locked path.

The kiosk fast path keeps, per terminal, the snapshot its last save moved on
(:func:`remember`): the next save of that kiosk, which comes to the same worker
over its kept connection, starts from it without a read; the compare-and-set
(which also checks the terminal and its enrolment) decides whether it was
still true.

So a save holds SQLite's write gate (or PostgreSQL's row lock) for two
statements and the commit, not for the whole request; the chain stays exact
because the event is linked to the head the UPDATE verified (invariant 3),
and it is acknowledged only after the request's commit (invariant 2).
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from examserver import clock
from examserver.core.errors import ServiceError
from examserver.db import db
from examserver.exam import attempts, journal, kept_forms
from examserver.exam.driver_sql import DirectConnection
from examserver.exam.terminals import secret_hash
from examserver.models import Attempt, AttemptState, JournalEvent, Terminal, TerminalState

_attempt, _event, _terminal = Attempt.__table__, JournalEvent.__table__, Terminal.__table__
_SNAPSHOT_COLUMNS = ("id", "terminal_id", "last_seq", "journal_head", "state", "deadline_at", "paused_at",
                     "answered_count", "question_count", "form_digest", "language", "last_contact_at")
_RUNNING = (
    sa.select(_terminal.c.state.label("terminal_state"), *(_attempt.c[name] for name in _SNAPSHOT_COLUMNS))
    .select_from(_terminal.join(_attempt, sa.and_(_attempt.c.terminal_id == _terminal.c.id,
                                                   _attempt.c.state != AttemptState.FINISHED)))
    .where(_terminal.c.secret_hash == sa.bindparam("b_secret"))
    .order_by(_attempt.c.id.desc()).limit(1)
)
_FORM = sa.select(_attempt.c.form).where(_attempt.c.id == sa.bindparam("b_id"))
# Built once: the statements of the hot path are compiled once per process.
_MOVE_HEAD = (
    _attempt.update()
    .where(_attempt.c.id == sa.bindparam("b_id"), _attempt.c.last_seq == sa.bindparam("b_old_seq"),
           _attempt.c.journal_head == sa.bindparam("b_old_head"), _attempt.c.state == sa.bindparam("b_state"),
           _attempt.c.deadline_at == sa.bindparam("b_deadline"),
           # still on this terminal, and the terminal still enrolled under this secret (invariants 6, 12)
           _attempt.c.terminal_id == sa.bindparam("b_terminal"),
           sa.exists().where(_terminal.c.id == _attempt.c.terminal_id,
                             _terminal.c.secret_hash == sa.bindparam("b_secret"),
                             _terminal.c.state == TerminalState.ENROLLED))
    .values(last_seq=sa.bindparam("b_seq"), journal_head=sa.bindparam("b_head"),
            answered_count=_attempt.c.answered_count + sa.bindparam("b_delta"),
            last_contact_at=sa.bindparam("b_now"))
)
_EVENT_COLUMNS = ("attempt_id", "seq", "kind", "payload", "client_time", "server_time", "prev_hash", "hash")
# Every column named (exam/driver_sql compiles a statement once, for all calls).
_INSERT_EVENT = _event.insert().values({name: sa.bindparam("e_" + name, type_=_event.c[name].type)
                                        for name in _EVENT_COLUMNS})
# PostgreSQL: the same compare-and-set and insert in one statement (one round
# trip): the event is inserted, and its id returned, only if the UPDATE
# matched the attempt as the snapshot saw it.
_MOVED = _MOVE_HEAD.returning(_attempt.c.id).cte("moved")
_MOVE_AND_INSERT = _event.insert().from_select(
    list(_EVENT_COLUMNS),
    sa.select(_MOVED.c.id, *(sa.bindparam("e_" + name, type_=_event.c[name].type) for name in _EVENT_COLUMNS[1:])),
).returning(_event.c.id)

# The slots that hold an answer, by attempt and journal head: a pure function
# of the journal up to that head (append-only and hash-chained, so a head names
# exactly one journal), kept so that a save needs no query for the slot's
# previous answer. A head that never got committed is simply never asked for.
_ANSWERED: OrderedDict[tuple[int, str], frozenset[int]] = OrderedDict()
_ANSWERED_LOCK = threading.Lock()
_ANSWERED_MAX = 20000
_ANSWER_PAYLOADS = (
    sa.select(_event.c.payload)
    .where(_event.c.attempt_id == sa.bindparam("b_id"), _event.c.kind == "answer",
           _event.c.seq <= sa.bindparam("b_seq"))
    .order_by(_event.c.seq)
)

Reader = Any  # an ORM Session or a Core Connection: both have execute/scalar/scalars


class Snapshot:
    """The running attempt of a terminal as the read snapshot saw it: the
    columns the hot path needs, under the names of :class:`Attempt`, so the
    attempt rules (deadline, seconds left, validation) apply to it as they are."""

    __slots__ = ("terminal_state",) + _SNAPSHOT_COLUMNS + ("secret_hash", "_reader")

    def __init__(self, row, reader: Reader, secret_key: str):
        for name in ("terminal_state",) + _SNAPSHOT_COLUMNS:
            setattr(self, name, getattr(row, name))
        self.secret_hash = secret_key
        self._reader = reader

    def moved_on(self, reader: Reader, **changes) -> "Snapshot":
        """A copy read through ``reader``, with ``changes`` to its columns."""
        copy = object.__new__(Snapshot)
        for name in self.__slots__:
            setattr(copy, name, changes.get(name, getattr(self, name)))
        copy._reader = reader
        return copy

    @property
    def form(self) -> dict:
        """The frozen form (read once per worker, by its digest: exam/kept_forms)."""
        return kept_forms.form_by_digest(self.form_digest, lambda: self._reader.scalar(_FORM, {"b_id": self.id}))


def snapshot(secret: str | None, reader: Reader | None = None) -> Snapshot | None:
    """The enrolled terminal's running attempt in one Core query (no ORM
    objects: this runs on every save and poll), or None. ``reader`` is the
    read transaction to use (default: the request's session)."""
    if not secret:
        return None
    reader = db.session if reader is None else reader
    key = secret_hash(secret)
    row = reader.execute(_RUNNING, {"b_secret": key}).first()
    if row is None or row.terminal_state != TerminalState.ENROLLED:
        return None
    return Snapshot(row, reader, key)


# The last snapshot of each terminal this worker saved for, moved on by the
# saves it wrote itself (kiosk/fastpath.py): a kiosk keeps its connection, so
# its next save comes to the same worker and needs no read before its write.
# Never trusted: the write is a compare-and-set of every column the save and
# its answer depend on that can change (sequence, head, state, deadline, the
# terminal and its enrolment; the rest is frozen), so a stale entry only makes
# the write match nothing, and the request then takes the locked path.
_SEEN: OrderedDict[str, Snapshot] = OrderedDict()
_SEEN_LOCK = threading.Lock()
_SEEN_MAX = 20000


def remembered(secret: str | None, reader: Reader) -> Snapshot | None:
    """The snapshot this worker's last save for the terminal ``secret`` left, or None."""
    if not secret:
        return None
    with _SEEN_LOCK:
        seen = _SEEN.get(secret_hash(secret))
    return None if seen is None else seen.moved_on(reader)


def remember(seen: Snapshot, event: "Prepared | None" = None) -> None:
    """Keep ``seen`` (moved on by ``event``, a save just committed) for the terminal's next save."""
    if event is not None:
        seen = seen.moved_on(None, last_seq=event.seq, journal_head=event.hash, answered_count=event.answered,
                             last_contact_at=event.server_time)
    else:
        seen = seen.moved_on(None)
    with _SEEN_LOCK:
        _SEEN[seen.secret_hash] = seen
        _SEEN.move_to_end(seen.secret_hash)
        while len(_SEEN) > _SEEN_MAX:
            _SEEN.popitem(last=False)


def forget(secret: str | None) -> None:
    """Drop what :func:`remember` kept for the terminal ``secret``."""
    if secret:
        with _SEEN_LOCK:
            _SEEN.pop(secret_hash(secret), None)


def answered_slots(attempt: Snapshot) -> frozenset[int]:
    """The slots of ``attempt`` whose latest answer selects something, as of the
    snapshot's journal head (kept per head, see ``_ANSWERED``)."""
    key = (attempt.id, attempt.journal_head)
    with _ANSWERED_LOCK:
        found = _ANSWERED.get(key)
        if found is not None:
            _ANSWERED.move_to_end(key)
            return found
    latest: dict[int, bool] = {}
    # Only the events up to the snapshot's head: later ones belong to a later head.
    for payload in attempt._reader.scalars(_ANSWER_PAYLOADS, {"b_id": attempt.id, "b_seq": attempt.last_seq}):
        latest[payload["slot"]] = bool(payload.get("selected"))
    found = frozenset(slot for slot, answered in latest.items() if answered)
    _remember_answered(key, found)
    return found


def _remember_answered(key: tuple[int, str], slots: frozenset[int]) -> None:
    with _ANSWERED_LOCK:
        _ANSWERED[key] = slots
        while len(_ANSWERED) > _ANSWERED_MAX:
            _ANSWERED.popitem(last=False)


@dataclass(frozen=True)
class Prepared:
    """A plain event checked and hashed in the read snapshot, ready to write."""

    attempt_id: int
    seq: int
    kind: str
    payload: dict[str, Any]
    client_time: str
    server_time: datetime
    prev_hash: str
    hash: str
    delta: int
    deadline_at: datetime
    answered: int
    answered_slots: frozenset[int] | None  # after this event (None: not known)
    terminal_id: int | None = None
    secret_hash: str | None = None

    def ack(self) -> dict[str, Any]:
        return {"seq": self.seq, "hash": self.hash, "received_at": journal.format_time(self.server_time)}


def prepare(attempt: Snapshot, seq: Any, kind: Any, payload: Any, client_time: Any) -> Prepared | None:
    """The plain case checked in the read snapshot, or None for everything
    else (a resend, a gap, paused, finished, late, bad input): those take
    the locked path, ``attempts.record_event``."""
    if (not isinstance(seq, int) or isinstance(seq, bool) or not attempt.journal_head
            or seq != attempt.last_seq + 1 or attempt.state != AttemptState.IN_PROGRESS):
        return None
    now = clock.now()
    if attempts.deadline_passed(attempt, now) or not isinstance(kind, str):
        return None
    try:
        clean = attempts._validate(attempt, kind, payload, client_time)
    except ServiceError:
        return None
    delta, slots = 0, answered_slots(attempt)
    if kind == "answer":
        was, now_answered = clean["slot"] in slots, bool(clean["selected"])
        delta = int(now_answered) - int(was)
        slots = slots | {clean["slot"]} if now_answered else slots - {clean["slot"]}
    record = journal.event_dict(attempt.id, seq, kind, clean, client_time, now)
    return Prepared(attempt.id, seq, kind, clean, client_time, now, attempt.journal_head,
                    journal.chain_hash(attempt.journal_head, record), delta, attempt.deadline_at,
                    attempt.answered_count + delta, slots, attempt.terminal_id, attempt.secret_hash)


def write(event: Prepared) -> bool:
    """Append ``event`` if the attempt is still as the snapshot saw it; False if it moved."""
    return write_on(db.session, event)


def write_on(conn: sa.Connection | sa.orm.Session | DirectConnection, event: Prepared) -> bool:
    """:func:`write` on a given connection (a group commit's, see exam/group_commit)."""
    head = {"b_id": event.attempt_id, "b_old_seq": event.seq - 1, "b_old_head": event.prev_hash,
            "b_state": AttemptState.IN_PROGRESS, "b_deadline": event.deadline_at, "b_seq": event.seq,
            "b_head": event.hash, "b_delta": event.delta, "b_now": event.server_time,
            "b_terminal": event.terminal_id, "b_secret": event.secret_hash}
    row = {"e_attempt_id": event.attempt_id, "e_seq": event.seq, "e_kind": event.kind, "e_payload": event.payload,
           "e_client_time": event.client_time, "e_server_time": event.server_time, "e_prev_hash": event.prev_hash,
           "e_hash": event.hash}
    dialect = conn.get_bind().dialect if isinstance(conn, sa.orm.Session) else conn.dialect
    if dialect.name == "postgresql":
        if conn.execute(_MOVE_AND_INSERT, head | row).first() is None:
            return False
    else:  # SQLite has no data-modifying CTE
        if conn.execute(_MOVE_HEAD, head).rowcount != 1:
            return False
        conn.execute(_INSERT_EVENT, row)
    if event.answered_slots is not None:
        _remember_answered((event.attempt_id, event.hash), event.answered_slots)
    return True
