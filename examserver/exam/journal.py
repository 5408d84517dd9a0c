"""The hash-chained answer journal of an attempt (design invariant 3).

Every event is hashed together with the hash of the event before it::

    event_dict = {"attempt": attempt_id, "seq": seq, "kind": kind,
                  "payload": payload, "client_time": client_time,
                  "server_time": "YYYY-MM-DDTHH:MM:SS.ffffffZ"}   # UTC
    hash = sha256_hex( prev_hash.encode("ascii") + canonical_bytes(event_dict) )

``prev_hash`` is the 64-character lower-case hex text of the previous event's
hash; the start event (seq 0) uses :data:`GENESIS` (64 zeros).
``canonical_bytes`` is :func:`examserver.canonical.canonical_bytes` (sorted
keys, UTF-8, no whitespace, no floats). The head hash (the last event's) and
the last sequence number go into the signed testing protocol, so any later
edit, deletion or reordering of journal rows is detected by
:func:`check_signed`: :func:`verify_chain` alone finds an edit in the middle,
but not a re-hashed chain, a deleted tail or an appended event, which only the
signed head and last seq expose. Only the events up to the ``finish`` event
count (:func:`answers_from_journal`); anything recorded after it is itself a
discrepancy.
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


def append(attempt: Attempt, seq: int, kind: str, payload: dict[str, Any], client_time: str = "",
           flush: bool = True) -> JournalEvent:
    """Append one event to ``attempt``'s journal and move its head.

    ``seq`` must be ``attempt.last_seq + 1`` (or 0 for the start event); callers
    check ordering and idempotency first (see ``attempts.record_event``). The
    unique (attempt, seq) constraint refuses a concurrent duplicate.
    ``flush=False``: the caller's next flush writes it (the start writes the new
    attempt, event 0 and its audit entry in one flush).
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
    if flush:
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
    payload = db.session.scalar(_LAST_ANSWER, {"attempt_id": attempt.id, "slot": slot})
    return None if payload is None else list(payload.get("selected") or [])


# Built once per process: last_answer runs on every answer save (hot path).
_LAST_ANSWER = (
    sa.select(JournalEvent.payload)
    .where(JournalEvent.attempt_id == sa.bindparam("attempt_id"), JournalEvent.kind == "answer",
           JournalEvent.payload["slot"].as_integer() == sa.bindparam("slot"))
    .order_by(JournalEvent.seq.desc()).limit(1)
)


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


def until_finish(events: Iterable[JournalEvent]) -> list[JournalEvent]:
    """The events in sequence order up to and including the first ``finish``
    (all of them while there is none): nothing after the finish is scored."""
    out = []
    for event in sorted(events, key=lambda e: e.seq):
        out.append(event)
        if event.kind == "finish":
            break
    return out


def after_finish(events: Iterable[JournalEvent]) -> list[int]:
    """Sequence numbers of the events recorded after the first ``finish``."""
    ordered = sorted(events, key=lambda e: e.seq)
    return [e.seq for e in ordered[len(until_finish(ordered)):]]


def answers_from_journal(events: Iterable[JournalEvent]) -> dict[int, frozenset[str]]:
    """Slot index -> selected option ids; the last answer event per slot wins.

    A slot whose last answer cleared every option is left out (unanswered).
    Events after the ``finish`` event are ignored; a payload that is not a
    well-formed answer (only possible by editing the database) is skipped,
    and the chain check reports the edit.
    """
    answers: dict[int, frozenset[str]] = {}
    for event in until_finish(events):
        if event.kind != "answer" or not isinstance(event.payload, dict):
            continue
        slot, selected = event.payload.get("slot"), event.payload.get("selected") or ()
        if isinstance(slot, int) and not isinstance(slot, bool) and isinstance(selected, (list, tuple)):
            answers[slot] = frozenset(str(o) for o in selected)
    return {slot: sel for slot, sel in answers.items() if sel}


def flags_from_journal(events: Iterable[JournalEvent]) -> set[int]:
    """Slots currently flagged for review (kiosk state restore; restored by KIOSK FRONT)."""
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


@dataclass(frozen=True)
class Discrepancy:
    """One way the stored data differs from what was signed: ``code`` names
    the field (``journal_head``, ``total_points``, ``section:BASIC`` ...),
    ``signed`` and ``found`` are the two values as text."""

    code: str
    signed: str
    found: str


def check_signed(events: Iterable[JournalEvent], signed_head: str, signed_last_seq: int,
                 appeal_number: str | None = None) -> list[Discrepancy]:
    """Compare a finished attempt's journal with the head hash and last seq
    signed in its testing protocol (design invariants 3 and 11).

    The signed journal ends with the ``finish`` event. The only event that may
    follow it is the ``appeal`` event written when an appeal is filed
    (``appeals.filing``): exactly one, naming ``appeal_number``, and only when
    an appeal exists. Flags: a broken chain (an edit in place), an event at
    the signed last seq whose hash is not the signed head (a re-hashed chain,
    a deleted tail), a journal ending elsewhere than the signed last seq, a
    missing ``finish``, any other event after the finish, and a missing
    ``appeal`` event.
    """
    ordered = sorted(events, key=lambda e: e.seq)
    check = verify_chain(ordered)
    found: list[Discrepancy] = []
    if not check.ok:
        found.append(Discrepancy("journal_chain", "", str(check.first_bad_seq)))
    body = list(ordered)
    appeal_event = None
    if (appeal_number is not None and body and body[-1].kind == "appeal" and isinstance(body[-1].payload, dict)
            and body[-1].payload.get("number") == appeal_number):
        appeal_event = body.pop()
    at_signed = next((e for e in body if e.seq == signed_last_seq), None)
    head = at_signed.hash if at_signed is not None else (body[-1].hash if body else "")
    if head != signed_head:
        found.append(Discrepancy("journal_head", signed_head, head))
    last_seq = body[-1].seq if body else -1
    if last_seq != signed_last_seq:
        found.append(Discrepancy("journal_last_seq", str(signed_last_seq), str(last_seq)))
    if not any(e.kind == "finish" for e in body):
        found.append(Discrepancy("journal_no_finish", "finish", ""))
    late = after_finish(body)
    if late:
        found.append(Discrepancy("journal_after_finish", "", ", ".join(str(s) for s in late)))
    if appeal_number is not None and appeal_event is None:
        found.append(Discrepancy("journal_appeal_missing", appeal_number, ""))
    return found
