"""Issuing testing, correction and session protocols through the services."""
from __future__ import annotations

import json
import os
import stat

import pytest
import sqlalchemy as sa

from examserver.db import db
from examserver.models import Admission, AttemptState, AuditEntry, Protocol, SessionState
from examserver.protocols import issuing as protocols
from examserver.protocols import signing
from examserver.core.errors import Conflict

from .conftest import KY_NAME, make_finished_attempt, make_participant


def test_testing_protocol_is_signed_numbered_and_complete(finished_attempt, signing_dir):
    proto = protocols.create_testing_protocol(finished_attempt)
    assert proto.number == "BISH-2026-000001"
    record = json.loads(proto.record)
    assert record["schema"] == "examserver.testing-protocol/1"
    assert record["candidate"]["full_name"] == " ".join(KY_NAME)
    assert record["result"]["total_points"] == finished_attempt.total_points
    assert record["result"]["verdict"] == finished_attempt.verdict == "meets"
    assert record["result"]["verdict_text"]["ky"].endswith("жооп берет")
    assert [s["code"] for s in record["result"]["sections"]] == ["basic", "subject"]
    assert record["times"]["started"] == {"utc": "2026-11-23T03:05:00Z", "local": "2026-11-23T09:05:00+06:00"}
    assert record["adjustments"][0]["seconds"] == 300 and record["adjustments"][0]["reason"] == "Электр жарыгы өчтү"
    assert record["proctor"] == {"username": "proctor1", "full_name": "Токтогулов Бакыт"}
    assert record["blueprint"]["code"] == "TEST-U-A" and len(record["blueprint"]["digest"]) == 64
    assert record["form_digest"] == finished_attempt.form_digest
    assert record["journal"]["head"] == finished_attempt.journal_head
    assert record["seat"] == "A-07"
    # The record is exactly what was signed, with the key generated on first use.
    ring = signing.keyring()
    assert signing.verify_record(proto.record, proto.signature, ring[proto.key_fingerprint].public_key)
    key_file = signing_dir / f"{proto.key_fingerprint}.key"
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    actions = set(db.session.scalars(sa.select(AuditEntry.action)))
    assert {"signing.key_generated", "protocol.issued"} <= actions


def test_creating_twice_returns_the_same_protocol(finished_attempt):
    first = protocols.create_testing_protocol(finished_attempt)
    again = protocols.create_testing_protocol(finished_attempt)
    assert again.id == first.id
    assert protocols.protocol_for_attempt(finished_attempt).id == first.id


def test_unfinished_attempt_is_refused(finished_attempt):
    finished_attempt.state = AttemptState.IN_PROGRESS
    with pytest.raises(Conflict):
        protocols.create_testing_protocol(finished_attempt)


def test_serials_are_sequential_per_kind(world):
    a = make_finished_attempt(world, make_participant(world, "10000000000001", "Асанов", "Бекзат"), seed=1)
    b = make_finished_attempt(world, make_participant(world, "10000000000002", "Петрова", "Анна", language="ru"), seed=2)
    pa = protocols.create_testing_protocol(a)
    pb = protocols.create_testing_protocol(b)
    assert (pa.number, pb.number) == ("BISH-2026-000001", "BISH-2026-000002")
    corr = protocols.create_testing_protocol(a, supersedes=pa, correction={"appeal": "X-1", "grounds": "item 3"})
    assert corr.number == "BISH-2026-C000001" and corr.supersedes_id == pa.id
    record = json.loads(corr.record)
    assert record["kind"] == "correction"
    assert record["supersedes"] == {"number": pa.number, "digest": protocols.record_digest(pa)}
    assert record["correction"] == {"appeal": "X-1", "grounds": "item 3"}
    assert protocols.protocol_for_attempt(a).id == corr.id
    # The original is untouched.
    assert db.session.get(Protocol, pa.id).record == pa.record


def test_correction_of_another_attempts_protocol_is_refused(world):
    a = make_finished_attempt(world, make_participant(world, "10000000000001", "Асанов", "Бекзат"), seed=1)
    b = make_finished_attempt(world, make_participant(world, "10000000000002", "Петрова", "Анна"), seed=2)
    pa = protocols.create_testing_protocol(a)
    with pytest.raises(Conflict):
        protocols.create_testing_protocol(b, supersedes=pa)


def test_session_protocol_only_when_closed_and_idle(world, finished_attempt):
    session = world["session"]
    protocols.create_testing_protocol(finished_attempt)
    make_participant(world, "10000000000009", "Келбеген", "Адам")
    make_participant(world, "10000000000010", "Кабыл", "Алынбаган", admission=Admission.NOT_ADMITTED)
    assert protocols.create_session_protocol_if_complete(session) is None  # still open
    session.state = SessionState.CLOSED
    finished_attempt.state = AttemptState.IN_PROGRESS
    assert protocols.create_session_protocol_if_complete(session) is None  # an attempt runs
    finished_attempt.state = AttemptState.FINISHED
    proto = protocols.create_session_protocol_if_complete(session)
    assert proto.number == "BISH-2026-S000001"
    assert protocols.create_session_protocol_if_complete(session).id == proto.id
    record = json.loads(proto.record)
    assert record["counts"] == {"registered": 3, "tested": 1, "absent": 1, "not_admitted": 1,
                                "meets": 1, "does_not_meet": 0}
    statuses = {r["candidate"]["pin"]: r["status"] for r in record["participants"]}
    assert statuses == {"21234567890123": "tested", "10000000000009": "absent", "10000000000010": "not_admitted"}
    tested = next(r for r in record["participants"] if r["status"] == "tested")
    assert tested["protocol"] == "BISH-2026-000001"
    assert any(i["event"] == "extension" and i["seconds"] == 300 for i in record["incidents"])
