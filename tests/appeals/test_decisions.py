"""Decisions, corrected protocols, member signatures and the appeal protocol."""
from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from examserver.db import db
from examserver.models import (AppealSignature, AppealState, JournalEvent, Protocol, ProtocolKind)
from examserver.appeals import decisions as appeal_decisions
from examserver.appeals import filing as appeals
from examserver.protocols import issuing as protocols
from examserver.appeals import replay
from examserver.protocols import signing
from examserver.appeals.protocols import appeal_protocol
from examserver.appeals.records import check_appeal_record
from examserver.core.audit import Actor
from examserver.core.errors import Conflict, Forbidden

from .conftest import PASSWORD, take_test
from .helpers import make_commission, user


@pytest.fixture
def filed(aworld, ctx, terminal_actor):
    """A finished attempt (4 of 7 right) with an appeal and a commission chair + member1 + member2."""
    attempt = take_test(aworld, "21234567890101", correct=3)
    appeal = appeals.file_appeal(attempt, "Мен 5-суроого туура жооп бергем", "kiosk", terminal_actor)
    make_commission(aworld, ("member1", "member2", "member3"))
    return attempt, appeal


def _decide(aworld, appeal, **kw):
    chair = user(aworld, "chair")
    args = dict(decision="rejected", grounds="score_confirmed", text="Балл туура эсептелген",
                present_ids=[aworld.users["member1"], aworld.users["member2"]])
    args.update(kw)
    return appeal_decisions.decide(appeal, chair=chair, actor=Actor.for_user(chair), **args)


def _sign_all(aworld, appeal, names=("chair", "member1", "member2")):
    result = None
    for name in names:
        result = appeal_decisions.sign(appeal, user(aworld, name), PASSWORD, Actor.for_user(user(aworld, name)))
    return result


def test_replay_of_real_attempt_matches_stored_score(filed):
    attempt, _ = filed
    rp = replay.replay_attempt(attempt)
    assert rp.chain_ok and rp.score_matches
    assert rp.recomputed.total_points == attempt.total_points == 3
    answer_steps = [s for s in rp.steps if s.kind == "answer"]
    assert len(answer_steps) == 7 and answer_steps[0].input.startswith("key:")


def test_journal_edited_in_database_is_detected(filed):
    attempt, _ = filed
    event = db.session.scalar(sa.select(JournalEvent).where(JournalEvent.attempt_id == attempt.id,
                                                             JournalEvent.seq == 3))
    db.session.execute(sa.update(JournalEvent).where(JournalEvent.id == event.id)
                       .values(payload={**event.payload, "selected": ["z"]}))
    db.session.expire_all()
    rp = replay.replay_attempt(attempt)
    assert not rp.chain_ok and rp.first_bad_seq == 3
    assert [s.seq for s in rp.steps if not s.chain_ok][0] == 3


def test_rejected_appeal_protocol_signed_by_all_present(aworld, filed, app):
    attempt, appeal = filed
    _decide(aworld, appeal)
    assert appeal_decisions.sign(appeal, user(aworld, "chair"), PASSWORD, Actor.cli()) is None
    assert appeal_decisions.sign(appeal, user(aworld, "member1"), PASSWORD, Actor.cli()) is None
    protocol = appeal_decisions.sign(appeal, user(aworld, "member2"), PASSWORD, Actor.cli())
    assert protocol.kind == ProtocolKind.APPEAL and appeal.state == AppealState.SIGNED
    assert protocol.expires_at == appeal.expires_at
    record = json.loads(protocol.record)
    assert check_appeal_record(record) == []
    assert [s["username"] for s in record["member_signatures"]] == ["chair", "member1", "member2"]
    assert record["body"]["shown"]["match"] is True
    assert record["original_protocol"] == protocols.protocol_for_attempt(attempt).number
    key = signing.keyring()[protocol.key_fingerprint].public_key
    assert signing.verify_record(protocol.record, protocol.signature, key)


def test_upheld_appeal_produces_corrected_protocol_and_keeps_original(aworld, filed):
    attempt, appeal = filed
    original = protocols.protocol_for_attempt(attempt)
    original_record = original.record
    rp = replay.replay_attempt(attempt)
    slot5 = rp.form.slot(5)
    key = sorted(rp.items[slot5.item_ref].key)
    _decide(aworld, appeal, decision="upheld", grounds="technical_fault", remedy="rescore",
            text="5-суроонун жообу сервердин катасынан жоголгон",
            corrections=[{"slot": 5, "selected": key, "reason": "server log shows the answer"}])
    _sign_all(aworld, appeal)
    db.session.expire_all()
    assert db.session.get(Protocol, original.id).record == original_record
    corrected = protocols.protocol_for_attempt(attempt)
    assert corrected.kind == ProtocolKind.CORRECTION and corrected.supersedes_id == original.id
    record = json.loads(corrected.record)
    assert record["result"]["total_points"] == 4 and record["supersedes"]["number"] == original.number
    assert record["correction"]["appeal"] == appeal.number
    assert json.loads(appeal_protocol(appeal).record)["corrected_protocol"] == corrected.number
    # After the correction the journal still matches the original protocol, and the
    # stored (corrected) score matches the correction protocol: nothing is flagged.
    after = replay.replay_attempt(attempt)
    assert after.ok and after.signed.number == original.number and after.recomputed.total_points == 3
    attempt.total_points = 3  # back to the original score: an edit, against the correction
    db.session.flush()
    assert [d.code for d in replay.replay_attempt(attempt).discrepancies] == ["stored_score"]


def test_defective_item_neutralised_with_policy(aworld, filed, app):
    attempt, appeal = filed
    app.config["NEUTRALISE_POLICY"] = "remove"
    _decide(aworld, appeal, decision="upheld", grounds="defective_item", remedy="neutralise",
            text="7-суроонун эки туура жообу бар", slots=[7])
    assert appeal.decision_details["neutralised"] == {"7": "remove"}
    _sign_all(aworld, appeal)
    corrected = json.loads(protocols.protocol_for_attempt(attempt).record)
    assert corrected["result"]["max_points"] == 6


def test_signature_without_confirmation_is_impossible(aworld, filed):
    attempt, appeal = filed
    with pytest.raises(Conflict):   # nothing to sign before a decision
        appeal_decisions.sign(appeal, user(aworld, "chair"), PASSWORD, Actor.cli())
    _decide(aworld, appeal)
    with pytest.raises(Forbidden) as exc:
        appeal_decisions.sign(appeal, user(aworld, "member1"), "wrong password", Actor.cli())
    assert exc.value.code == "wrong_password"
    with pytest.raises(Forbidden) as exc:   # on the commission but not marked present
        appeal_decisions.sign(appeal, user(aworld, "member3"), PASSWORD, Actor.cli())
    assert exc.value.code == "not_present"
    with pytest.raises(Forbidden) as exc:   # not on the commission at all
        appeal_decisions.sign(appeal, user(aworld, "member4"), PASSWORD, Actor.cli())
    assert exc.value.code == "not_member"
    assert db.session.scalar(sa.select(sa.func.count(AppealSignature.id))) == 0
    # A row slipped into the table without the member's key does not finalise.
    db.session.add(AppealSignature(appeal_id=appeal.id, user_id=aworld.users["member1"], signed_at=appeal.filed_at,
                                   signature="A" * 88, public_key=user(aworld, "member1").signing_public_key))
    appeal_decisions.sign(appeal, user(aworld, "chair"), PASSWORD, Actor.cli())
    with pytest.raises(Conflict) as exc:
        appeal_decisions.sign(appeal, user(aworld, "member2"), PASSWORD, Actor.cli())
    assert exc.value.code == "bad_member_signature"
    assert appeal_protocol(appeal) is None


def test_forged_member_signature_fails_verification(aworld, filed):
    _, appeal = filed
    _decide(aworld, appeal)
    protocol = _sign_all(aworld, appeal)
    record = json.loads(protocol.record)
    record["member_signatures"][1]["signature"] = record["member_signatures"][2]["signature"]
    assert any("member1" in p for p in check_appeal_record(record))
    record = json.loads(protocol.record)
    record["member_signatures"].pop()
    assert any("did not sign" in p for p in check_appeal_record(record))


def test_decision_frozen_once_signed_and_only_chair_decides(aworld, filed):
    _, appeal = filed
    member = user(aworld, "member1")
    with pytest.raises(Forbidden):
        appeal_decisions.decide(appeal, "rejected", "score_confirmed", "x", [], member, Actor.for_user(member))
    _decide(aworld, appeal)
    appeal_decisions.sign(appeal, user(aworld, "member1"), PASSWORD, Actor.cli())
    with pytest.raises(Conflict):
        _decide(aworld, appeal, text="changed")


def test_appeal_protocol_pdf_and_json_verify(aworld, filed):
    from examserver.protocols.verify import trusted_keys, verify_bytes

    _, appeal = filed
    _decide(aworld, appeal)
    protocol = _sign_all(aworld, appeal)
    for raw in (protocols.render_pdf(protocol, "ky"), protocols.export_json(protocol)):
        report = verify_bytes(raw, trusted_keys())
        assert report.ok, [(c.name, c.detail) for c in report.checks if not c.ok]
        assert any(c.name == "commission members' personal signatures" for c in report.checks)
    # A tampered member signature inside an otherwise re-signed record is caught by verify.
    record = json.loads(protocol.record)
    record["member_signatures"][0]["signature"] = record["member_signatures"][1]["signature"]
    text, sig, fp = signing.sign_record(record)
    forged = {"format": protocols.EXPORT_FORMAT, "number": protocol.number, "record": text, "signature": sig,
              "key_fingerprint": fp, "public_key": None}
    report = verify_bytes(json.dumps(forged).encode(), trusted_keys())
    assert not report.ok


def test_retest_grant_lifts_the_retake_cooldown(aworld, filed, clock):
    """A failed candidate normally waits a year; a signed, upheld appeal that
    grants a re-test lets them register again for the same group at once."""
    from examserver.registration import participants as registration

    attempt, appeal = filed
    assert attempt.verdict == "does_not_meet"
    pin, group = attempt.participant.pin, attempt.participant.position.group_code
    assert registration.retake_allowed_from(pin, group, clock.now()) is not None
    _decide(aworld, appeal, decision="upheld", grounds="technical_fault", remedy="retest",
            text="Терминал тестирлөө учурунда өчүп калган")
    # Decided but not yet signed by everyone present: the grant is not in force.
    assert registration.retake_allowed_from(pin, group, clock.now()) is not None
    _sign_all(aworld, appeal)
    db.session.expire_all()
    assert registration.retake_allowed_from(pin, group, clock.now()) is None


def test_discrepancies_shown_go_into_the_signed_appeal_protocol(aworld, filed):
    """What the commission saw in red is part of the body they sign, and printed."""
    from pypdf import PdfReader
    import io

    from examserver.exam import journal
    from examserver.protocols.verify import trusted_keys, verify_bytes

    attempt, appeal = filed
    last = journal.events_for(attempt)[-1]
    payload = {"slot": 1, "selected": [], "input": "click"}
    record = journal.event_dict(attempt.id, last.seq + 1, "answer", payload, "", last.server_time)
    db.session.add(JournalEvent(attempt_id=attempt.id, seq=last.seq + 1, kind="answer", payload=payload,
                                client_time="", server_time=last.server_time, prev_hash=last.hash,
                                hash=journal.chain_hash(last.hash, record)))
    db.session.flush()
    _decide(aworld, appeal)
    shown = appeal.decision_details["body"]["shown"]
    assert not shown["chain_ok"] and "journal_after_finish" in {d["code"] for d in shown["discrepancies"]}
    protocol = _sign_all(aworld, appeal)
    pdf = protocols.render_pdf(protocol, "ru")
    report = verify_bytes(pdf, trusted_keys())
    assert report.ok, [(c.name, c.detail) for c in report.checks if not c.ok]
    text = " ".join(" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "после завершения" in text and "расходится с подписанным" in text
