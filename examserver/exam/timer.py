"""A proctor's interventions on a running attempt: extend, pause/resume, move.

``attempt.deadline_at`` is always ``started_at + duration + extensions +
completed pauses``: an extension adds its seconds at once, a pause adds its
length when it is resumed (so the candidate gets the paused time back). Each
intervention needs a reason, is written to the attempt's journal (kinds
``extend``/``pause``/``resume``/``move``, so the signed protocol covers it) and
to the audit log.
"""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask_babel import gettext as _

from examserver import clock
from examserver.db import db
from examserver.models import AdjustmentKind, Attempt, AttemptState, Terminal, TerminalState, TimeAdjustment
from examserver.core import audit
from examserver.core.errors import Conflict, ServiceError

MAX_EXTENSION_MINUTES = 120


def lock(attempt: Attempt) -> Attempt:
    """Take the attempt's row lock for this transaction and re-read it.

    Every path that appends to an attempt's journal holds this lock (the kiosk
    API takes it too), so a proctor's action never reads a ``last_seq`` or a
    deadline that a kiosk event is changing: it waits, then sees the committed
    row (``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite serialises writers
    with ``BEGIN IMMEDIATE``).
    """
    db.session.flush()  # refresh() drops unflushed changes
    db.session.refresh(attempt, with_for_update=True)
    return attempt


def _journal(attempt: Attempt, kind: str, payload: dict) -> None:
    from examserver.exam import journal

    journal.append(attempt, attempt.last_seq + 1, kind, payload, "")


def _require_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError(_("A reason is required."), "reason_required")
    return reason[:1000]


def _require_running(attempt: Attempt) -> None:
    from examserver.exam import attempts

    if attempt.state != AttemptState.FINISHED and attempts.finish_if_expired(attempt):
        raise Conflict(_("The time of this attempt had already run out; it is now finished."), "expired")
    if attempt.state == AttemptState.FINISHED:
        raise Conflict(_("This attempt is already finished."), "finished")


def total_adjustments(attempt: Attempt) -> int:
    """Seconds added to the attempt: extensions plus completed pauses."""
    return db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(TimeAdjustment.seconds), 0))
        .where(TimeAdjustment.attempt_id == attempt.id)
    ) or 0


def extend(attempt: Attempt, minutes: int, reason: str, actor: audit.Actor) -> None:
    """Give ``minutes`` more (1-120) to a running or paused attempt."""
    reason = _require_reason(reason)
    try:
        minutes = int(minutes)
    except (TypeError, ValueError):
        minutes = 0
    if not 1 <= minutes <= MAX_EXTENSION_MINUTES:
        raise ServiceError(_("Extend by 1 to %(n)s minutes.", n=MAX_EXTENSION_MINUTES), "minutes")
    lock(attempt)
    _require_running(attempt)
    seconds = minutes * 60
    db.session.add(TimeAdjustment(attempt_id=attempt.id, kind=AdjustmentKind.EXTENSION, seconds=seconds,
                                  reason=reason, actor_id=actor.id, created_at=clock.now(), ended_at=clock.now()))
    attempt.deadline_at = attempt.deadline_at + timedelta(seconds=seconds)
    _journal(attempt, "extend", {"reason": reason, "seconds": seconds})
    audit.record("attempt.extend", attempt, actor=actor, reason=reason, centre_id=attempt.session.centre_id,
                 seconds=seconds)


def pause(attempt: Attempt, reason: str, actor: audit.Actor) -> None:
    """Pause a running attempt for an incident; the kiosk refuses answers meanwhile."""
    reason = _require_reason(reason)
    lock(attempt)
    _require_running(attempt)
    if attempt.state == AttemptState.PAUSED:
        raise Conflict(_("This attempt is already paused."), "paused")
    now = clock.now()
    attempt.state = AttemptState.PAUSED
    attempt.paused_at = now
    db.session.add(TimeAdjustment(attempt_id=attempt.id, kind=AdjustmentKind.PAUSE, seconds=0, reason=reason,
                                  actor_id=actor.id, created_at=now))
    _journal(attempt, "pause", {"reason": reason})
    audit.record("attempt.pause", attempt, actor=actor, reason=reason, centre_id=attempt.session.centre_id)


def resume(attempt: Attempt, reason: str, actor: audit.Actor) -> None:
    """Resume a paused attempt; the paused time is added to its deadline."""
    reason = _require_reason(reason)
    lock(attempt)
    if attempt.state != AttemptState.PAUSED:
        raise Conflict(_("This attempt is not paused."), "not_paused")
    now = clock.now()
    seconds = max(0, int((now - attempt.paused_at).total_seconds()))
    open_pause = db.session.scalar(
        sa.select(TimeAdjustment).where(TimeAdjustment.attempt_id == attempt.id,
                                        TimeAdjustment.kind == AdjustmentKind.PAUSE,
                                        TimeAdjustment.ended_at.is_(None)).order_by(TimeAdjustment.id.desc()).limit(1)
    )
    if open_pause is not None:
        open_pause.seconds = seconds
        open_pause.ended_at = now
    attempt.deadline_at = attempt.deadline_at + timedelta(seconds=seconds)
    attempt.state = AttemptState.IN_PROGRESS
    attempt.paused_at = None
    attempt.last_contact_at = now  # the silence during a pause is not the terminal's fault
    _journal(attempt, "resume", {"reason": reason, "seconds": seconds})
    audit.record("attempt.resume", attempt, actor=actor, reason=reason, centre_id=attempt.session.centre_id,
                 seconds=seconds)


def move_attempt(attempt: Attempt, terminal: Terminal, reason: str, actor: audit.Actor) -> None:
    """Let the candidate continue on another enrolled terminal of the same centre
    (invariant 6: only a proctor may do this, and it is logged)."""
    from examserver.exam import attempts

    reason = _require_reason(reason)
    lock(attempt)
    _require_running(attempt)
    db.session.refresh(terminal, with_for_update=True)  # a start on the target waits, or is seen
    if terminal.state != TerminalState.ENROLLED or terminal.centre_id != attempt.session.centre_id:
        raise ServiceError(_("Choose an enrolled terminal of this centre."), "bad_terminal")
    if terminal.id == attempt.terminal_id:
        raise ServiceError(_("The attempt already runs on this terminal."), "same_terminal")
    other = attempts.active_attempt_on(terminal)
    if other is not None and other.id != attempt.id:
        raise Conflict(_("Another candidate's test runs on that terminal."), "terminal_busy")
    old = attempt.terminal_id
    attempt.terminal_id = terminal.id
    _journal(attempt, "move", {"reason": reason, "from_terminal": old, "to_terminal": terminal.id})
    audit.record("attempt.move", attempt, actor=actor, reason=reason, centre_id=attempt.session.centre_id,
                 from_terminal=old, to_terminal=terminal.id)
