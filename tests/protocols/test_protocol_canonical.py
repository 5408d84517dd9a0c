"""The canonical form: fixed bytes for fixed inputs, on every run and both databases."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from examserver.canonical import canonical_bytes
from examserver.models import ProtocolKind
from examserver.protocols import issuing as protocols
from examserver.protocols import signing
from examserver.protocols import records as protocol_records

GOLDEN = Path(__file__).parent / "golden"


def test_canonical_bytes_are_fixed():
    value = {"b": [1, "ң ө ү", None, True], "a": {"z": -5, "é": "Ж"}, "number": "BISH-2026-000001"}
    assert canonical_bytes(value) == (
        '{"a":{"z":-5,"é":"Ж"},"b":[1,"ң ө ү",null,true],"number":"BISH-2026-000001"}'.encode("utf-8"))
    with pytest.raises(TypeError):
        canonical_bytes({"score": 0.5})


def test_testing_record_from_db_rows_matches_the_golden_bytes(finished_attempt, clock):
    """Built from rows read back from SQLite or PostgreSQL, the record is byte-identical.

    Regenerate (only after a deliberate schema change) with EXAM_TEST_UPDATE_GOLDEN=1.
    """
    from examserver.db import db

    db.session.flush()
    db.session.expire_all()  # read every value back from the database
    record = protocol_records.testing_record(finished_attempt, "BISH-2026-000001", clock.now(), ProtocolKind.TESTING)
    data = canonical_bytes(record)
    golden = GOLDEN / "testing_record.json"
    if os.environ.get("EXAM_TEST_UPDATE_GOLDEN"):
        golden.write_bytes(data)
    assert data == golden.read_bytes()
    assert json.loads(data)["schema"] == "examserver.testing-protocol/1"


def test_signed_record_is_the_golden_record(finished_attempt):
    proto = protocols.create_testing_protocol(finished_attempt)
    assert proto.record.encode("utf-8") == (GOLDEN / "testing_record.json").read_bytes()
    assert signing.verify_record(proto.record, proto.signature, signing.keyring()[proto.key_fingerprint].public_key)
