"""The hash-chained answer journal of an attempt (design invariant 3).

Every event is hashed together with the hash of the event before it::

    event_dict = {"attempt": attempt_id, "seq": seq, "kind": kind,
                  "payload": payload, "client_time": client_time,
                  "server_time": "YYYY-MM-DDTHH:MM:SS.ffffffZ"}   # UTC
    hash = sha256_hex( prev_hash.encode("ascii") + canonical_bytes(event_dict) )

``prev_hash`` is the 64-character lower-case hex text of the previous event's
hash; the start event (seq 0) uses :data:`GENESIS` (64 zeros).
``canonical_bytes`` is :func:`examserver.canonical.canonical_bytes` (sorted
keys, UTF-8, no whitespace, no floats). The head hash (the last event's) goes
into the signed testing protocol, so any later edit, deletion or reordering of
journal rows is detected by :func:`verify_chain`.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Iterable

import sqlalchemy as sa

from examserver import clock
from examserver.canonical import canonical_bytes, sha256_hex
from examserver.db import db
from examserver.models import Attempt, JournalEvent

GENESIS = "0" * 64


@dataclass(frozen=True)
class ChainCheck:
    """Result of :func:`verify_chain`: ``first_bad_seq`` is the first event
    whose hash, link or sequence number does not fit (None when ``ok``)."""

    ok: bool
    first_bad_seq: int | None
    head: str


def format_time(moment: datetime) -> str:
    """The fixed text form of a UTC moment inside hashed records (microseconds, ``Z``)."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def event_dict(attempt_id: int, seq: int, kind: str, payload: dict[str, Any], client_time: str,
               server_time: datetime) -> dict[str, Any]:
    """The canonical record of one event, as hashed."""
    return {"attempt": attempt_id, "seq": seq, "kind": kind, "payload": payload,
            "client_time": client_time, "server_time": format_time(server_time)}


def chain_hash(prev_hash: str, record: dict[str, Any]) -> str:
    """``sha256_hex(prev_hash_hex_text + canonical_bytes(record))``."""
    return sha256_hex(prev_hash.encode("ascii") + canonical_bytes(record))


def append(attempt: Attempt, seq: int, kind: str, payload: dict[str, Any], client_time: str = "") -> JournalEvent:
    """Append one event to ``attempt``'s journal and move its head.

    ``seq`` must be ``attempt.last_seq + 1`` (or 0 for the start event); callers
    check ordering and idempotency first (see ``attempts.record_event``). The
    unique (attempt, seq) constraint refuses a concurrent duplicate.
    """
    expected = 0 if not attempt.journal_head else attempt.last_seq + 1
    if seq != expected:
        raise ValueError(f"journal seq {seq} given, {expected} expected")
    now = clock.now()
    # The DB keeps microseconds on both backends; hash exactly what is stored.
    prev = attempt.journal_head or GENESIS
    record = event_dict(attempt.id, seq, kind, payload, client_time, now)
    event = JournalEvent(attempt_id=attempt.id, seq=seq, kind=kind, payload=payload, client_time=client_time,
                         server_time=now, prev_hash=prev, hash=chain_hash(prev, record))
    db.session.add(event)
    attempt.last_seq = seq
    attempt.journal_head = event.hash
    db.session.flush()
    return event


def events_for(attempt: Attempt) -> list[JournalEvent]:
    """The attempt's journal, in sequence order."""
    return list(db.session.scalars(
        sa.select(JournalEvent).where(JournalEvent.attempt_id == attempt.id).order_by(JournalEvent.seq)
    ))


def event_at(attempt: Attempt, seq: int) -> JournalEvent | None:
    """The event with this sequence number, if recorded."""
    return db.session.scalar(
        sa.select(JournalEvent).where(JournalEvent.attempt_id == attempt.id, JournalEvent.seq == seq)
    )


def last_answer(attempt: Attempt, slot: int) -> list[str] | None:
    """The options selected by the latest answer event for ``slot`` (None if never answered)."""
    payload = db.session.scalar(
        sa.select(JournalEvent.payload)
        .where(JournalEvent.attempt_id == attempt.id, JournalEvent.kind == "answer",
               JournalEvent.payload["slot"].as_integer() == slot)
        .order_by(JournalEvent.seq.desc()).limit(1)
    )
    return None if payload is None else list(payload.get("selected") or [])


def verify_chain(events: Iterable[JournalEvent]) -> ChainCheck:
    """Recompute every hash and link; sequence numbers must run 0, 1, 2, ... ."""
    prev = GENESIS
    for expected_seq, event in enumerate(sorted(events, key=lambda e: e.seq)):
        record = event_dict(event.attempt_id, event.seq, event.kind, event.payload, event.client_time,
                            event.server_time)
        if (event.seq != expected_seq or event.prev_hash != prev
                or event.hash != chain_hash(prev, record)):
            return ChainCheck(False, event.seq, prev)
        prev = event.hash
    return ChainCheck(True, None, prev)


def answers_from_journal(events: Iterable[JournalEvent]) -> dict[int, frozenset[str]]:
    """Slot index -> selected option ids; the last answer event per slot wins.

    A slot whose last answer cleared every option is left out (unanswered).
    """
    answers: dict[int, frozenset[str]] = {}
    for event in sorted(events, key=lambda e: e.seq):
        if event.kind == "answer":
            answers[int(event.payload["slot"])] = frozenset(event.payload.get("selected") or ())
    return {slot: sel for slot, sel in answers.items() if sel}


def flags_from_journal(events: Iterable[JournalEvent]) -> set[int]:
    """Slots currently flagged for review."""
    flags: dict[int, bool] = {}
    for event in sorted(events, key=lambda e: e.seq):
        if event.kind == "flag":
            flags[int(event.payload["slot"])] = bool(event.payload.get("flagged"))
    return {slot for slot, on in flags.items() if on}


def last_visited(events: Iterable[JournalEvent]) -> int | None:
    """The slot the candidate looked at last (to restore the screen after a reload)."""
    slot = None
    for event in sorted(events, key=lambda e: e.seq):
        if event.kind in ("visit", "answer", "flag"):
            slot = int(event.payload["slot"])
    return slot
