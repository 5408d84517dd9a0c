"""End to end through the kiosk's services: start, answer, finish -> signed protocol."""
from __future__ import annotations

import json

from examserver.models import FinishReason, SessionState
from examserver.exam import attempts
from examserver.exam import journal
from examserver.protocols import issuing as protocols
from examserver.exam import sweep
from examserver.protocols.verify import trusted_keys, verify_bytes
from question_bank.drawing import Form

from .conftest import KY_NAME, make_participant


def test_finish_attempt_issues_a_protocol_with_the_real_journal_head(world, clock):
    participant = make_participant(world, "21234567890123", *KY_NAME)
    attempt = attempts.start_attempt(participant, world["terminal"], "ky")
    form = Form.from_dict(attempt.form)
    items = attempts.items_of(attempt)
    for seq, slot in enumerate(form.slots, 1):
        key = sorted(items[slot.item_ref].key)
        attempts.record_event(attempt, seq, "answer", {"slot": slot.index, "selected": key, "input": "click"},
                              "2026-11-23T09:10:00+06:00")
    clock.advance(minutes=12)
    attempts.finish_attempt(attempt, FinishReason.SUBMITTED)
    proto = protocols.protocol_for_attempt(attempt)
    record = json.loads(proto.record)
    assert record["result"]["total_points"] == record["result"]["max_points"] == 7
    assert record["result"]["verdict"] == "meets"
    assert record["journal"]["head"] == journal.verify_chain(journal.events_for(attempt)).head == attempt.journal_head
    assert verify_bytes(protocols.export_json(proto), trusted_keys()).ok
    # Closing the session and sweeping gives the session protocol.
    world["session"].state = SessionState.CLOSED
    world["session"].closed_at = clock.now()
    sweep.sweep_expired(clock.now())
    session_proto = protocols.session_protocol(world["session"])
    assert session_proto is not None
    assert json.loads(session_proto.record)["participants"][0]["protocol"] == proto.number
