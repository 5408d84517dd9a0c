"""Replaying a journal reproduces the score (property-based).

Random forms (random seeds over the test bank) and random answer histories
(changes, clears, flags, visits, in any order) are turned into a real
hash-chained journal; the score stored for the attempt is computed from the
*intended* final answers (a model independent of the journal); the replay's
recomputation from the journal must equal it, every time.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

from hypothesis import HealthCheck, given, settings, strategies as st

from examserver.models import JournalEvent
from examserver.exam import journal
from examserver.appeals.replay import replay_events
from question_bank.blueprint_files import load_blueprints
from question_bank.drawing import draw_form
from question_bank.formats import load_bank
from question_bank.scoring import score_form

DATA = Path(__file__).resolve().parent.parent / "data"
BANK = load_bank(DATA / "bank")
ITEMS = {i.ref: i for i in BANK.items}
BLUEPRINT = next(b for b in load_blueprints(DATA / "blueprints" / "test-blueprints.yaml") if b.code == "TEST-U-A")
T0 = datetime(2026, 11, 23, 3, 0, tzinfo=timezone.utc)


def build_journal(attempt_id: int, actions: list[tuple]) -> list[JournalEvent]:
    """Chain events exactly as the journal service does (same formula)."""
    events, prev = [], journal.GENESIS
    kinds = [("start", {"form_digest": "x", "language": "ru"})] + actions + [("finish", {"reason": "submitted"})]
    for seq, (kind, payload) in enumerate(kinds):
        when = T0 + timedelta(seconds=seq * 7, microseconds=seq * 13)
        record = journal.event_dict(attempt_id, seq, kind, payload, f"c{seq}", when)
        event = JournalEvent(attempt_id=attempt_id, seq=seq, kind=kind, payload=payload, client_time=f"c{seq}",
                             server_time=when, prev_hash=prev, hash=journal.chain_hash(prev, record))
        events.append(event)
        prev = event.hash
    return events


@st.composite
def attempts(draw):
    seed = draw(st.integers(min_value=0, max_value=2**53 - 1))
    form = draw_form(BLUEPRINT, BANK.items, seed)
    actions, model = [], {}
    for _ in range(draw(st.integers(min_value=0, max_value=25))):
        slot = draw(st.sampled_from(form.slots))
        item = ITEMS[slot.item_ref]
        what = draw(st.sampled_from(["answer", "answer", "answer", "clear", "flag", "visit"]))
        if what == "answer":
            if item.type == "single":
                chosen = [draw(st.sampled_from(slot.option_order))]
            else:
                chosen = sorted(draw(st.sets(st.sampled_from(slot.option_order), min_size=1)))
            how = draw(st.sampled_from(["click", "key:" + str(slot.option_order.index(chosen[0]) + 1)]))
            actions.append(("answer", {"slot": slot.index, "selected": chosen, "input": how}))
            model[slot.index] = frozenset(chosen)
        elif what == "clear":
            actions.append(("answer", {"slot": slot.index, "selected": [], "input": "click"}))
            model.pop(slot.index, None)
        elif what == "flag":
            actions.append(("flag", {"slot": slot.index, "flagged": draw(st.booleans())}))
        else:
            actions.append(("visit", {"slot": slot.index}))
    return form, actions, model


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(attempts())
def test_replay_reproduces_stored_score(case):
    form, actions, model = case
    stored = score_form(form, ITEMS, BLUEPRINT, model)
    events = build_journal(7, actions)
    check = journal.verify_chain(events)
    assert check.ok
    steps, recomputed = replay_events(form, ITEMS, BLUEPRINT, events, check, journal.answers_from_journal(events),
                                      time_format=lambda e: "")
    assert recomputed == stored
    assert len(steps) == len(events) and all(s.chain_ok for s in steps)
    # The step-by-step state ends where the model ends.
    final = {}
    for step in steps:
        if step.kind == "answer":
            final[step.slot] = frozenset(step.selected)
    assert {k: v for k, v in final.items() if v} == model


@settings(max_examples=100, deadline=None)
@given(attempts(), st.data())
def test_any_edit_is_located(case, data):
    form, actions, _ = case
    events = build_journal(7, actions)
    victim = data.draw(st.sampled_from(events))
    victim.client_time = victim.client_time + "!"
    check = journal.verify_chain(events)
    assert not check.ok and check.first_bad_seq == victim.seq
    steps, _ = replay_events(form, ITEMS, BLUEPRINT, events, check, journal.answers_from_journal(events),
                             time_format=lambda e: "")
    assert [s.seq for s in steps if not s.chain_ok] == [e.seq for e in events if e.seq >= victim.seq]
