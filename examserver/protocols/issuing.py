"""Signed protocols: number, issue and print them (finding and exporting stored
protocols is ``store``; this module re-exports those names for its callers).

A protocol is a canonical JSON record (see ``records``) signed with
the centre's Ed25519 key (``signing``) and stored unchanged for ever; a
correction after an upheld appeal is a *new* protocol of kind ``correction``
that references the original by number and record digest.

Numbers are ``<CENTRE>-<YEAR>-<P><serial>``: serial is sequential per centre,
year (in the centre's zone) and kind, with a kind prefix P ("" testing, "C"
correction, "S" session, "A" appeal), e.g. ``BISH-2026-000123``.

Serial allocation under concurrency: on PostgreSQL a transaction-scoped
advisory lock per (centre, year, kind) queues the allocations (a whole hall
finishing in the same minute would otherwise exhaust the retries below); then
read ``max(serial) + 1`` and insert inside a SAVEPOINT; the unique constraint ``(centre_id, year, kind, serial)`` is the
arbiter. On PostgreSQL a concurrent transaction that took the same serial
makes our INSERT wait for it and then fail with a unique violation, so we roll
back to the savepoint and read the max again (READ COMMITTED now sees the
winner). SQLite serialises writers (BEGIN IMMEDIATE), so it never retries.
Because nothing is reserved ahead, a rolled-back transaction leaves no gap.
``SELECT max ... FOR UPDATE`` alone would not do: it locks existing rows, not
the next number.
"""
from __future__ import annotations

from datetime import timedelta
from typing import Any, Callable

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from examserver import clock
from examserver.db import db
from examserver.models import Attempt, AttemptState, Centre, ExamSession, Protocol, ProtocolKind, SessionState
from examserver.core import audit, locks
from examserver.protocols import signing
from examserver.core.errors import Conflict
from examserver.protocols.records import session_record, testing_record
from examserver.protocols.store import (EXPORT_FORMAT, export_dict, export_json, get_protocol,  # noqa: F401
                                        protocol_for_attempt, protocols_for_attempt, record_digest, record_of,
                                        session_protocol)

KIND_PREFIX = {ProtocolKind.TESTING: "", ProtocolKind.CORRECTION: "C", ProtocolKind.SESSION: "S",
               ProtocolKind.APPEAL: "A", ProtocolKind.COMPETITION: "K"}
_MAX_RETRIES = 20


def format_number(centre_code: str, year: int, kind: ProtocolKind, serial: int) -> str:
    return f"{centre_code}-{year}-{KIND_PREFIX[kind]}{serial:06d}"


def issue_protocol(kind: ProtocolKind, centre: Centre, build: Callable[[str, Any], dict], *,
                   attempt_id: int | None = None, session_id: int | None = None,
                   appeal_id: int | None = None, supersedes: Protocol | None = None,
                   retention_days: int | None = None) -> Protocol:
    """Number, sign and store a protocol whose record ``build(number, issued_at)`` returns.

    Generic so that appeal protocols use the same numbering and signing. The
    serial is allocated with a retry on unique violation (module docstring).
    """
    issued_at = clock.now()
    year = clock.to_local(issued_at).year
    days = retention_days if retention_days is not None else current_app.config["PROTOCOL_RETENTION_DAYS"]
    _lock_numbering(centre.id, year, kind)
    for _try in range(_MAX_RETRIES):
        last = db.session.scalar(sa.select(sa.func.max(Protocol.serial)).where(
            Protocol.centre_id == centre.id, Protocol.year == year, Protocol.kind == kind))
        serial = (last or 0) + 1
        number = format_number(centre.code, year, kind, serial)
        text, signature, fingerprint = signing.sign_record(build(number, issued_at))
        protocol = Protocol(kind=kind, number=number, centre_id=centre.id, year=year, serial=serial,
                            attempt_id=attempt_id, session_id=session_id, appeal_id=appeal_id,
                            supersedes_id=supersedes.id if supersedes is not None else None,
                            record=text, signature=signature, key_fingerprint=fingerprint,
                            created_at=issued_at, expires_at=issued_at + timedelta(days=days))
        try:
            with db.session.begin_nested():
                db.session.add(protocol)
                db.session.flush()
        except IntegrityError:
            continue  # another transaction took this serial; read the max again
        audit.record("protocol.issued", protocol, centre_id=centre.id, number=number, kind=kind.value,
                     fingerprint=fingerprint, digest=record_digest(protocol))
        return protocol
    raise Conflict(_("Could not allocate a protocol number; please try again."), code="protocol_number")


def _lock_numbering(centre_id: int, year: int, kind: ProtocolKind) -> None:
    """Serialise number allocation per (centre, year, kind): when a whole hall's
    deadline falls in the same minute, a hundred finishes race for the next
    serial, and retrying on unique violations alone can run out of tries."""
    locks.serialise(f"protocol-number:{centre_id}:{year}:{kind.value}")


def create_testing_protocol(attempt: Attempt, supersedes: Protocol | None = None,
                            correction: dict | None = None) -> Protocol:
    """Issue the signed testing protocol of a finished attempt.

    Without ``supersedes`` this is idempotent: the attempt's existing testing
    protocol is returned. With ``supersedes`` (after an upheld appeal; the
    attempt's score already corrected) a new ``correction`` protocol is issued
    that references the original; the original is never changed.
    ``correction`` (canonical JSON values only) says why, e.g.
    ``{"appeal": "A-...", "grounds": "...", "neutralised": [3]}``.
    """
    if attempt.state != AttemptState.FINISHED or attempt.finished_at is None:
        raise Conflict(_("The attempt is not finished yet."), code="attempt_not_finished")
    kind = ProtocolKind.TESTING
    if supersedes is not None:
        if supersedes.attempt_id != attempt.id:
            raise Conflict(_("The protocol to correct belongs to another attempt."), code="wrong_protocol")
        kind = ProtocolKind.CORRECTION
    else:
        existing = db.session.scalar(sa.select(Protocol).where(
            Protocol.attempt_id == attempt.id, Protocol.kind == ProtocolKind.TESTING).limit(1))
        if existing is not None:
            return existing
    session: ExamSession = attempt.session
    return issue_protocol(
        kind, session.centre,
        lambda number, issued_at: testing_record(attempt, number, issued_at, kind, supersedes, correction),
        attempt_id=attempt.id, session_id=session.id, supersedes=supersedes)


def create_session_protocol_if_complete(session: ExamSession) -> Protocol | None:
    """Issue the session protocol once the session is closed and no attempt runs.

    Idempotent: returns the existing session protocol if there is one; None
    while the session is open or an attempt is still in progress or paused.
    """
    existing = session_protocol(session)
    if existing is not None:
        return existing
    if session.state != SessionState.CLOSED:
        return None
    running = db.session.scalar(sa.select(sa.func.count(Attempt.id)).where(
        Attempt.session_id == session.id, Attempt.state != AttemptState.FINISHED))
    if running:
        return None
    return issue_protocol(ProtocolKind.SESSION, session.centre,
                          lambda number, issued_at: session_record(session, number, issued_at),
                          session_id=session.id)


def render_pdf(protocol: Protocol, lang: str | None = None) -> bytes:
    """The signed PDF of ``protocol`` in ``lang`` (default: the record's language)."""
    from examserver.protocols.pdf import render_signed_pdf

    return render_signed_pdf(protocol, lang)


def pdf_for(protocol: Protocol) -> bytes:
    """The stored PDF in the record's own language, rendered and kept on first request.

    ``pdf`` is a cache of the printout, not part of the signed record: keeping
    the first rendering means every re-print is byte-identical.
    """
    if protocol.pdf is None:
        protocol.pdf = render_pdf(protocol)
        db.session.flush()
    return protocol.pdf
