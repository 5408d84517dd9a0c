"""The deadline sweep: finish attempts whose terminal went quiet (invariant 1).

``sweep_expired`` runs from the ``examserver sweep`` command (cron) and from a
background thread in every gunicorn worker (``start_background_sweep``). Two
runners never finish the same attempt twice: on PostgreSQL they first lock
the ``sweep_lock`` row (``FOR UPDATE SKIP LOCKED``: a second runner skips the
round) and every attempt row they finish; on SQLite every write transaction
starts with ``BEGIN IMMEDIATE`` and so runs alone. ``finish_attempt`` is also a
no-op on an attempt that is already finished.
"""
from __future__ import annotations

import logging
import threading
from datetime import datetime

import sqlalchemy as sa
from flask import Flask

from examserver import clock
from examserver.core import metrics
from examserver.db import db
from examserver.models import Attempt, AttemptState, ExamSession, FinishReason, Protocol, ProtocolKind, SessionState, SweepLock
from examserver.exam import attempts

LOCK_NAME = "deadline"
log = logging.getLogger(__name__)


def _take_lock(now: datetime) -> bool:
    """Lock the sweep row; False when another runner holds it (PostgreSQL)."""
    query = sa.select(SweepLock).where(SweepLock.name == LOCK_NAME).with_for_update(skip_locked=True)
    row = db.session.scalar(query)
    if row is None:
        exists = db.session.scalar(sa.select(sa.func.count()).select_from(SweepLock).where(SweepLock.name == LOCK_NAME))
        if exists:
            return False  # held by another runner
        db.session.add(SweepLock(name=LOCK_NAME, last_run_at=now))
        db.session.flush()
        return True
    row.last_run_at = now
    return True


def sweep_expired(now: datetime | None = None) -> int:
    """Finish every in-progress attempt past deadline + grace; return how many.

    Then ask the protocols service for the session protocol of every closed
    session that has none yet (it returns None while attempts are unfinished).
    """
    now = now or clock.now()
    if not _take_lock(now):
        return 0
    cutoff = now - attempts.grace()
    due = db.session.scalars(
        sa.select(Attempt).where(Attempt.state == AttemptState.IN_PROGRESS, Attempt.deadline_at < cutoff)
        .order_by(Attempt.id).with_for_update(skip_locked=True)
    ).all()
    finished = 0
    for attempt in due:
        if attempts.deadline_passed(attempt, now):
            attempts.finish_attempt(attempt, FinishReason.DEADLINE)
            finished += 1
    _session_protocols()
    return finished


def _session_protocols() -> None:
    has_protocol = sa.select(Protocol.id).where(Protocol.session_id == ExamSession.id,
                                                Protocol.kind == ProtocolKind.SESSION).exists()
    sessions = db.session.scalars(
        sa.select(ExamSession).where(ExamSession.state == SessionState.CLOSED, ~has_protocol)
    ).all()
    if not sessions:
        return
    from examserver.protocols import issuing as protocols  # at call time, as in attempts.finish_attempt

    for session in sessions:
        protocols.create_session_protocol_if_complete(session)


def run_once(app: Flask) -> int:
    """One sweep in its own app context and transaction (used by the thread)."""
    with app.app_context():
        try:
            count = sweep_expired()
            db.session.commit()
            metrics.SWEEP_FINISHED.inc(count)  # counted once durable
            return count
        except Exception:
            db.session.rollback()
            log.exception("deadline sweep failed")
            return 0


def start_background_sweep(app: Flask) -> threading.Thread | None:
    """Start a daemon thread sweeping every ``SWEEP_INTERVAL_SECONDS`` (0 = off).

    Called from gunicorn's ``post_worker_init``; every worker runs one, and the
    lock makes the extra runs harmless.
    """
    interval = app.config.get("SWEEP_INTERVAL_SECONDS", 0)
    if not interval:
        return None
    stop = threading.Event()

    def loop() -> None:
        while not stop.wait(interval):
            run_once(app)

    thread = threading.Thread(target=loop, name="deadline-sweep", daemon=True)
    thread.stop = stop  # type: ignore[attr-defined]
    thread.start()
    return thread
