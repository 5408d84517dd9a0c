"""Attempts: journaled answer events, finish and scoring (the start is ``exam/starting``).

Server time rules (invariant 1): an event is accepted while
``now <= deadline_at + ANSWER_GRACE_SECONDS``; after that it is refused and
logged, and the attempt is finished. A paused attempt accepts no answers and
never expires (the pause is given back when the proctor resumes).
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from question_bank.blueprint import Blueprint
from question_bank.drawing import Form, Slot
from question_bank.items import Item
from question_bank.scoring import ScoreReport, score_form

from examserver import clock
from examserver.db import db
from examserver.models import Attempt, AttemptState, BankItem, FinishReason, Participant, Terminal
from examserver.core import audit
from examserver.exam import journal
from examserver.exam.starting import check_may_start, start_attempt  # noqa: F401  (the start: exam/starting)
from examserver.bank.store import items_for_refs
from examserver.core.errors import Conflict, ServiceError

CLIENT_KINDS = ("answer", "flag", "visit")
# Kinds the server writes itself; a client seq that collides with one of them
# was never recorded, so the client renumbers and resends.
SERVER_KINDS = ("start", "finish", "pause", "resume", "extend", "move", "appeal")
INPUT_RE = re.compile(r"^(click|key:[^\s]{1,12})$")
MAX_CLIENT_TIME = 40


def grace() -> timedelta:
    return timedelta(seconds=current_app.config["ANSWER_GRACE_SECONDS"])


def deadline_passed(attempt: Attempt, now: datetime) -> bool:
    """True when ``now`` is past the deadline plus the network grace (never while paused)."""
    if attempt.state != AttemptState.IN_PROGRESS:
        return False
    return now > attempt.deadline_at + grace()


def seconds_left(attempt: Attempt, now: datetime) -> int:
    """Whole seconds until the deadline (frozen while paused), never negative."""
    ref = attempt.paused_at if attempt.state == AttemptState.PAUSED and attempt.paused_at else now
    return max(0, int((attempt.deadline_at - ref).total_seconds()))


def form_of(attempt: Attempt) -> Form:
    return Form.from_dict(attempt.form)


def items_of(attempt: Attempt) -> dict[tuple[str, int], Item]:
    """The exact item versions of the frozen form."""
    return items_for_refs(form_of(attempt).item_refs())


def _ack(event) -> dict[str, Any]:
    return {"seq": event.seq, "hash": event.hash, "received_at": journal.format_time(event.server_time)}


def _validate(attempt: Attempt, kind: str, payload: Any, client_time: Any) -> dict[str, Any]:
    """Check an event's shape against the frozen form; return the payload to store."""
    if kind not in CLIENT_KINDS:
        raise ServiceError(_("Unknown event kind."), "bad_kind", status=422)
    if not isinstance(payload, dict):
        raise ServiceError(_("The event payload must be an object."), "bad_payload", status=422)
    if not isinstance(client_time, str) or len(client_time) > MAX_CLIENT_TIME:
        raise ServiceError(_("The client time must be a short text."), "bad_client_time", status=422)
    slot_no = payload.get("slot")
    if not isinstance(slot_no, int) or isinstance(slot_no, bool) or not 1 <= slot_no <= attempt.question_count:
        raise ServiceError(_("No such question on this test."), "bad_slot", status=422)
    if kind == "visit":
        return {"slot": slot_no}
    if kind == "flag":
        if not isinstance(payload.get("flagged"), bool):
            raise ServiceError(_("The flag must be true or false."), "bad_flag", status=422)
        return {"slot": slot_no, "flagged": payload["flagged"]}
    selected, how = payload.get("selected"), payload.get("input")
    # Only this slot of the frozen form is needed: no need to rebuild the whole form on every save.
    slot = Slot.from_dict(attempt.form["slots"][slot_no - 1])
    if slot.index != slot_no:  # forms are drawn in index order; this only guards the assumption
        slot = form_of(attempt).slot(slot_no)
    if (not isinstance(selected, list) or not all(isinstance(s, str) for s in selected)
            or len(set(selected)) != len(selected) or not set(selected) <= set(slot.option_order)):
        raise ServiceError(_("The selected options do not belong to this question."), "bad_selection", status=422)
    if not isinstance(how, str) or not INPUT_RE.match(how):
        raise ServiceError(_("The input method is not recognised."), "bad_input", status=422)
    if len(selected) > 1:
        row = db.session.scalar(sa.select(BankItem.payload).where(
            BankItem.item_id == slot.item_id, BankItem.version == slot.item_version))
        if row is None or row.get("type") == "single":
            raise ServiceError(_("Only one option may be chosen for this question."), "bad_selection", status=422)
    return {"slot": slot_no, "selected": sorted(selected), "input": how}


def record_event(attempt: Attempt, seq: Any, kind: Any, payload: Any, client_time: Any) -> dict[str, Any]:
    """Append one kiosk event; return its acknowledgement ``{seq, hash, received_at}``.

    * ``seq`` already recorded with the same kind and payload: no-op, the same ack.
    * ``seq`` taken by a server event (pause, resume...) or beyond the next
      number: :class:`Conflict` with ``details["expected"]`` so the kiosk
      resends (renumbered) in order.
    * attempt paused or finished, or past deadline + grace: refused; a late
      event is audited and the attempt is finished.
    """
    if not isinstance(seq, int) or isinstance(seq, bool) or seq < 1:
        raise ServiceError(_("The sequence number must be a positive integer."), "bad_seq", status=422)
    if not isinstance(kind, str):
        raise ServiceError(_("Unknown event kind."), "bad_kind", status=422)
    if seq <= attempt.last_seq:
        old = journal.event_at(attempt, seq)
        if old is not None and old.kind == kind and isinstance(payload, dict) and _same(attempt, old, kind, payload):
            return _ack(old)
    _check_state(attempt)
    if seq <= attempt.last_seq:
        raise Conflict(_("This sequence number is already used; resend from the expected number."),
                       "seq_taken", expected=attempt.last_seq + 1)
    if seq > attempt.last_seq + 1:
        raise Conflict(_("Events must arrive in order; resend from the expected number."), "seq_gap",
                       expected=attempt.last_seq + 1)
    clean = _validate(attempt, kind, payload, client_time)
    _check_open(attempt)
    # The answered count moves by this slot's change alone: one indexed lookup
    # instead of re-reading the whole journal on every save (hot path).
    was_answered = kind == "answer" and bool(journal.last_answer(attempt, clean["slot"]))
    # Set before the append, whose flush then writes the attempt row once.
    attempt.last_contact_at = clock.now()
    if kind == "answer":
        attempt.answered_count += int(bool(clean["selected"])) - int(was_answered)
    event = journal.append(attempt, seq, kind, clean, client_time)
    return _ack(event)


def _same(attempt: Attempt, old, kind: str, payload: dict) -> bool:
    try:
        return _validate(attempt, kind, payload, "") == old.payload
    except ServiceError:
        return False


def _check_state(attempt: Attempt) -> None:
    if attempt.state == AttemptState.FINISHED:
        raise Conflict(_("The test is already finished; no more answers are accepted."), "finished")
    if attempt.state == AttemptState.PAUSED:
        raise Conflict(_("The test is paused by the proctor. Please wait; your answers are kept."), "paused")


def _check_open(attempt: Attempt) -> None:
    now = clock.now()
    if deadline_passed(attempt, now):
        audit.record("attempt.late_event", attempt, actor=audit.Actor.system(),
                     centre_id=attempt.session.centre_id, late_by_seconds=int((now - attempt.deadline_at).total_seconds()))
        finish_attempt(attempt, FinishReason.DEADLINE)
        raise Conflict(_("Time is up; this answer arrived after the deadline and was not accepted."), "deadline",
                       keep=True)


def score_attempt(attempt: Attempt, neutralised: dict[int, str] | None = None) -> ScoreReport:
    """Score the frozen form from the journal-derived answers."""
    answers = journal.answers_from_journal(journal.events_for(attempt))
    blueprint = Blueprint.from_dict(attempt.blueprint.payload)
    return score_form(form_of(attempt), items_of(attempt), blueprint, answers, neutralised)


def finish_attempt(attempt: Attempt, reason: FinishReason) -> Attempt:
    """Finish, score from the journal, store the result and create the testing protocol.

    Finishing twice is a no-op (the sweep and a kiosk may race; the row lock
    taken by the caller or the unique journal seq stops a double finish).
    """
    if attempt.state == AttemptState.FINISHED:
        return attempt
    reason = FinishReason(reason)
    now = clock.now()
    if attempt.state == AttemptState.PAUSED and attempt.paused_at:
        attempt.paused_at = None
    journal.append(attempt, attempt.last_seq + 1, "finish", {"reason": reason.value})
    report = score_attempt(attempt)
    attempt.state = AttemptState.FINISHED
    attempt.finished_at = now
    attempt.finish_reason = reason
    attempt.score = report.to_dict()
    attempt.total_points = report.total_points
    attempt.max_points = report.max_points
    attempt.verdict = report.verdict
    attempt.answered_count = report.answered
    db.session.flush()
    audit.record("attempt.finish", attempt, centre_id=attempt.session.centre_id, reason=reason.value,
                 total=report.total_points, max=report.max_points, verdict=report.verdict)
    from examserver.protocols import issuing as protocols  # at call time: protocols builds its records from attempts

    protocols.create_testing_protocol(attempt)
    return attempt


def finish_if_expired(attempt: Attempt) -> bool:
    """Finish ``attempt`` if it is past deadline + grace; True if it was finished now."""
    if deadline_passed(attempt, clock.now()):
        finish_attempt(attempt, FinishReason.DEADLINE)
        return True
    return False


def active_attempt_on(terminal: Terminal) -> Attempt | None:
    """The unfinished attempt assigned to ``terminal`` (one attempt, one terminal)."""
    return db.session.scalar(
        sa.select(Attempt).where(Attempt.terminal_id == terminal.id, Attempt.state != AttemptState.FINISHED)
        .order_by(Attempt.id.desc()).limit(1)
    )


def last_finished_on(terminal: Terminal, since: datetime) -> Attempt | None:
    """The terminal's latest attempt finished at or after ``since``."""
    return db.session.scalar(
        sa.select(Attempt).where(Attempt.terminal_id == terminal.id, Attempt.state == AttemptState.FINISHED,
                                 Attempt.finished_at >= since)
        .order_by(Attempt.finished_at.desc()).limit(1))


def attempt_of(participant: Participant) -> Attempt | None:
    return db.session.scalar(sa.select(Attempt).where(Attempt.participant_id == participant.id))


# --- code login at a kiosk ------------------------------------------------------
