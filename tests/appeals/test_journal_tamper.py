"""Direct database edits of a finished attempt are all flagged (design invariants 3 and 11).

Seeded random edits of each kind an auditor tried, made with plain UPDATE,
DELETE and INSERT on the real tables (on SQLite and PostgreSQL), each inside
a savepoint rolled back after the check. The attacker is assumed to keep
everything they can consistent (``attempt.journal_head`` and ``last_seq``
moved along, the chain re-hashed, the stored score updated): only the
centre-signed testing protocol is out of reach. Every single case must be
flagged by the replay, with the discrepancy that says what differs.
"""
from __future__ import annotations

import random

import pytest
import sqlalchemy as sa

from question_bank.scoring import score_form

from examserver.appeals import filing as appeals, replay
from examserver.db import db
from examserver.exam import journal
from examserver.models import Attempt, JournalEvent

from .conftest import take_test

CASES = 60


@pytest.fixture(params=["appealed", "not_appealed"])
def finished(request, aworld, ctx, terminal_actor):
    """A finished attempt with a signed testing protocol: 7 answers, 3 of them right;
    with an appeal filed (its journal event follows the finish) or without."""
    attempt = take_test(aworld, "21234567890301", correct=3)
    assert journal.events_for(attempt)[-1].kind == "finish"
    if request.param == "appealed":
        appeals.file_appeal(attempt, "Жообум туура эмес саналды", "kiosk", terminal_actor)
        assert journal.events_for(attempt)[-1].kind == "appeal"
    db.session.commit()
    rp = replay.replay_attempt(attempt)
    assert rp.ok and rp.score_matches and rp.journal_ok, rp.discrepancies
    return attempt


def _rehash_from(attempt: Attempt, events: list[JournalEvent], start: int) -> None:
    """Recompute hashes and links from index ``start`` on, as a careful forger would."""
    prev = events[start - 1].hash if start else journal.GENESIS
    for event in events[start:]:
        record = journal.event_dict(event.attempt_id, event.seq, event.kind, event.payload, event.client_time,
                                    event.server_time)
        event.prev_hash = prev
        event.hash = journal.chain_hash(prev, record)
        prev = event.hash
    attempt.journal_head = prev
    attempt.last_seq = events[-1].seq


def _rescore(attempt: Attempt) -> None:
    """Store the score the edited journal gives (the forger's 'consistent' columns)."""
    form = replay.Form.from_dict(attempt.form)
    report = score_form(form, replay.load_items(form), replay.load_blueprint(attempt),
                        journal.answers_from_journal(journal.events_for(attempt)))
    attempt.total_points, attempt.max_points, attempt.verdict = report.total_points, report.max_points, report.verdict
    attempt.score = report.to_dict()


def _delete_tail(attempt, events, rng):
    k = rng.randint(1, len(events) - 1)
    db.session.execute(sa.delete(JournalEvent).where(JournalEvent.attempt_id == attempt.id,
                                                     JournalEvent.seq > events[-1].seq - k))
    attempt.last_seq, attempt.journal_head = events[-1 - k].seq, events[-1 - k].hash
    appealed = events[-1].kind == "appeal"
    if appealed and k == 1:
        return {"journal_appeal_missing"}
    return {"journal_head", "journal_last_seq", "journal_no_finish"} | ({"journal_appeal_missing"} if appealed else set())


def _change_answer(attempt, events, rng):
    answers = [n for n, e in enumerate(events) if e.kind == "answer"]
    n = rng.choice(answers)
    event = events[n]
    form = replay.Form.from_dict(attempt.form)
    slot = form.slot(event.payload["slot"])
    choices = [[o] for o in slot.option_order if [o] != event.payload["selected"]] + [[]]
    event.payload = {**event.payload, "selected": rng.choice(choices)}
    _rehash_from(attempt, events, n)
    return {"journal_head"}


def _change_answer_and_score(attempt, events, rng):
    expected = _change_answer(attempt, events, rng)
    db.session.flush()
    _rescore(attempt)
    return expected


def _reorder(attempt, events, rng):
    answers = [n for n, e in enumerate(events) if e.kind == "answer"]
    i, j = sorted(rng.sample(answers, 2))
    a, b = events[i], events[j]
    a.payload, b.payload = b.payload, a.payload
    a.client_time, b.client_time = b.client_time + "~", a.client_time
    _rehash_from(attempt, events, i)
    return {"journal_head"}


def _append_after_finish(attempt, events, rng):
    form = replay.Form.from_dict(attempt.form)
    slot = rng.choice(form.slots)
    last = events[-1]
    payload = {"slot": slot.index, "selected": [rng.choice(slot.option_order)], "input": "click"}
    record = journal.event_dict(attempt.id, last.seq + 1, "answer", payload, "", last.server_time)
    extra = JournalEvent(attempt_id=attempt.id, seq=last.seq + 1, kind="answer", payload=payload, client_time="",
                         server_time=last.server_time, prev_hash=last.hash,
                         hash=journal.chain_hash(last.hash, record))
    db.session.add(extra)
    attempt.last_seq, attempt.journal_head = extra.seq, extra.hash
    if rng.random() < 0.5:
        db.session.flush()
        _rescore(attempt)
    return {"journal_last_seq", "journal_after_finish"} | (
        {"journal_appeal_missing"} if last.kind == "appeal" else set())


def _delete_finish(attempt, events, rng):
    """Delete the finish row; a later appeal event is renumbered and re-chained into its place."""
    n = next(i for i, e in enumerate(events) if e.kind == "finish")
    db.session.execute(sa.delete(JournalEvent).where(JournalEvent.id == events[n].id))
    db.session.flush()
    rest = events[:n] + events[n + 1:]
    for event in rest[n:]:
        event.seq -= 1
    if len(rest) > n:
        _rehash_from(attempt, rest, n)
    else:
        attempt.last_seq, attempt.journal_head = rest[-1].seq, rest[-1].hash
    return {"journal_head", "journal_last_seq", "journal_no_finish"}


def _edit_stored_score(attempt, events, rng):
    attempt.total_points = rng.choice([p for p in range(0, (attempt.max_points or 7) + 1)
                                       if p != attempt.total_points])
    attempt.verdict = rng.choice(["meets", "does_not_meet"])
    return {"stored_score"}


def _edit_form(attempt, events, rng):
    """Change the option order of one question of the frozen form (what the candidate 'saw')."""
    form = dict(attempt.form)
    slots = [dict(x) for x in form["slots"]]
    n = rng.randrange(len(slots))
    order = list(slots[n]["option_order"])
    i, j = rng.sample(range(len(order)), 2)
    order[i], order[j] = order[j], order[i]
    slots[n]["option_order"] = order
    attempt.form = {**form, "slots": slots}
    return {"form_digest"}


def _delete_middle(attempt, events, rng):
    """Delete one answer from the middle; half the time renumber and re-chain the rest."""
    n = rng.choice([i for i, e in enumerate(events) if e.kind == "answer"])
    db.session.execute(sa.delete(JournalEvent).where(JournalEvent.id == events[n].id))
    db.session.flush()
    rest = events[:n] + events[n + 1:]
    if rng.random() < 0.5:
        return {"journal_chain"}
    for event in rest[n:]:
        event.seq -= 1
    _rehash_from(attempt, rest, n)
    return {"journal_head", "journal_last_seq"}


KINDS = {"delete_middle": _delete_middle, "edit_form": _edit_form, "delete_tail": _delete_tail, "change_answer_rehash": _change_answer,
         "change_answer_rehash_rescore": _change_answer_and_score, "reorder_rehash": _reorder,
         "append_after_finish": _append_after_finish, "delete_finish": _delete_finish,
         "edit_stored_score": _edit_stored_score}


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_random_edit_is_flagged(finished, kind):
    rng = random.Random(f"tamper-{kind}")
    attempt = finished
    unflagged = []
    for case in range(CASES):
        savepoint = db.session.begin_nested()
        events = journal.events_for(attempt)
        expected = KINDS[kind](attempt, events, rng)
        db.session.flush()
        db.session.expire_all()
        rp = replay.replay_attempt(db.session.get(Attempt, attempt.id))
        codes = {d.code for d in rp.discrepancies}
        if rp.ok or not expected <= codes:
            unflagged.append((case, sorted(codes)))
        savepoint.rollback()
        db.session.expire_all()
    assert not unflagged, f"{len(unflagged)} of {CASES} {kind} edits not (fully) flagged: {unflagged[:5]}"
    assert replay.replay_attempt(db.session.get(Attempt, attempt.id)).ok  # the rollbacks left it intact


def test_events_after_finish_are_not_scored(finished):
    """An answer appended after the finish changes nothing in the recomputation."""
    attempt = finished
    before = replay.replay_attempt(attempt).recomputed
    events = journal.events_for(attempt)
    form = replay.Form.from_dict(attempt.form)
    _append_after_finish(attempt, events, random.Random(1))
    for slot in form.slots:  # answer everything right, after the finish
        last = journal.events_for(attempt)[-1]
        item = replay.load_items(form)[slot.item_ref]
        payload = {"slot": slot.index, "selected": sorted(item.key), "input": "click"}
        record = journal.event_dict(attempt.id, last.seq + 1, "answer", payload, "", last.server_time)
        db.session.add(JournalEvent(attempt_id=attempt.id, seq=last.seq + 1, kind="answer", payload=payload,
                                    client_time="", server_time=last.server_time, prev_hash=last.hash,
                                    hash=journal.chain_hash(last.hash, record)))
        db.session.flush()
    rp = replay.replay_attempt(attempt)
    assert rp.recomputed == before
    assert rp.chain_ok and not rp.journal_ok
    late = [s for s in rp.steps if s.after_finish]
    assert len(late) == len(form.slots) + 1


def test_a_forged_or_moved_protocol_is_not_the_reference(finished, aworld, terminal_actor):
    """The signed record is used only if its centre signature verifies and it names this attempt."""
    from examserver.models import Protocol, ProtocolKind

    attempt = finished
    protocol = db.session.scalar(sa.select(Protocol).where(Protocol.attempt_id == attempt.id,
                                                           Protocol.kind == ProtocolKind.TESTING))
    savepoint = db.session.begin_nested()
    protocol.record = protocol.record.replace('"total_points":3', '"total_points":7')
    db.session.flush()
    rp = replay.replay_attempt(attempt)
    assert not rp.ok and [d.code for d in rp.discrepancies] == ["protocol_signature"]
    assert not rp.score_matches and not rp.journal_ok
    savepoint.rollback()
    db.session.expire_all()
    # Another candidate's genuine protocol moved onto this attempt.
    other = take_test(aworld, "21234567890302", correct=7)
    savepoint = db.session.begin_nested()
    db.session.execute(sa.update(Protocol).where(Protocol.id == protocol.id).values(attempt_id=other.id))
    db.session.execute(sa.update(Protocol).where(Protocol.attempt_id == other.id, Protocol.id != protocol.id)
                       .values(attempt_id=attempt.id))
    db.session.expire_all()
    rp = replay.replay_attempt(db.session.get(Attempt, attempt.id))
    assert [d.code for d in rp.discrepancies] == ["protocol_attempt"]
    savepoint.rollback()
    db.session.expire_all()
    assert replay.replay_attempt(db.session.get(Attempt, attempt.id)).ok
