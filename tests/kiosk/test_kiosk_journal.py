"""The hash-chained journal: verifies as written, breaks on any edit, deletion
or reordering; answers are derived from it."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from kiosk_helpers import answer, start_exam

from examserver.canonical import canonical_bytes, sha256_hex
from examserver.db import db
from examserver.models import Attempt
from examserver.exam import journal


@pytest.fixture
def answered(kclient, candidate, loaded_bank):
    exam = start_exam(kclient, candidate[1])
    q1, q2 = exam["questions"][0], exam["questions"][1]
    assert answer(kclient, 1, 1, [q1["options"][0]["id"]], "key:1").status_code == 200
    assert answer(kclient, 2, 2, [q2["options"][1]["id"]], "click").status_code == 200
    assert answer(kclient, 3, 1, [q1["options"][2]["id"]], "key:В").status_code == 200
    kclient.post("/kiosk/api/events", json={"seq": 4, "kind": "flag", "payload": {"slot": 2, "flagged": True}})
    return exam


def _check(app) -> journal.ChainCheck:
    with app.app_context():
        attempt = db.session.scalar(sa.select(Attempt))
        check = journal.verify_chain(journal.events_for(attempt))
        assert check.ok is False or check.head == attempt.journal_head
        return check


def test_chain_verifies_and_formula_is_documented(answered, loaded_bank):
    assert _check(loaded_bank) == journal.ChainCheck(True, None, _check(loaded_bank).head)
    with loaded_bank.app_context():
        events = journal.events_for(db.session.scalar(sa.select(Attempt)))
        prev = "0" * 64
        for e in events:
            record = {"attempt": e.attempt_id, "seq": e.seq, "kind": e.kind, "payload": e.payload,
                      "client_time": e.client_time,
                      "server_time": e.server_time.strftime("%Y-%m-%dT%H:%M:%S.%fZ")}
            assert e.prev_hash == prev and e.hash == sha256_hex(prev.encode() + canonical_bytes(record))
            prev = e.hash


def test_answers_from_journal_last_answer_wins(answered, loaded_bank):
    q1, q2 = answered["questions"][0], answered["questions"][1]
    with loaded_bank.app_context():
        events = journal.events_for(db.session.scalar(sa.select(Attempt)))
        assert journal.answers_from_journal(events) == {1: frozenset({q1["options"][2]["id"]}),
                                                        2: frozenset({q2["options"][1]["id"]})}
        assert journal.flags_from_journal(events) == {2}


@pytest.mark.parametrize("sql, bad_seq", [
    ("UPDATE journal_event SET payload = '{\"slot\": 1, \"selected\": [\"a\"], \"input\": \"click\"}' "
     "WHERE seq = 3", 3),
    ("UPDATE journal_event SET client_time = 'changed' WHERE seq = 2", 2),
    ("UPDATE journal_event SET kind = 'visit' WHERE seq = 1", 1),
    ("DELETE FROM journal_event WHERE seq = 2", 3),
    ("UPDATE journal_event SET seq = seq + 100 WHERE seq = 1", 2),
])
def test_any_edit_breaks_the_chain(answered, loaded_bank, sql, bad_seq):
    assert _check(loaded_bank).ok
    with loaded_bank.app_context():
        db.session.execute(sa.text(sql))
        db.session.commit()
    check = _check(loaded_bank)
    assert check.ok is False and check.first_bad_seq == bad_seq


def test_answered_count_follows_changes_and_clears(kclient, candidate, loaded_bank):
    """The running count (shown in the proctor's live view) equals the journal's answers
    through answer, change, clear and re-answer."""
    exam = start_exam(kclient, candidate[1])
    q1, q2 = exam["questions"][0], exam["questions"][1]
    steps = [(1, [q1["options"][0]["id"]], 1), (1, [q1["options"][1]["id"]], 1), (2, [q2["options"][0]["id"]], 2),
             (1, [], 1), (1, [], 1), (1, [q1["options"][2]["id"]], 2), (2, [], 1)]
    for seq, (slot, selected, expected) in enumerate(steps, 1):
        reply = answer(kclient, seq, slot, selected)
        assert reply.status_code == 200, reply.get_json()
        assert reply.get_json()["answered"] == expected, (seq, slot, selected)
    with loaded_bank.app_context():
        attempt = db.session.scalar(sa.select(Attempt))
        assert attempt.answered_count == len(journal.answers_from_journal(journal.events_for(attempt))) == 1
