"""The event API: ordering, idempotency, validation; every refusal is JSON 4xx."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from kiosk_helpers import answer, start_exam

from examserver.db import db
from examserver.models import JournalEvent


@pytest.fixture
def exam(kclient, candidate):
    return start_exam(kclient, candidate[1])


def _events(app) -> list[tuple[int, str]]:
    with app.app_context():
        return [(e.seq, e.kind) for e in db.session.scalars(sa.select(JournalEvent).order_by(JournalEvent.seq))]


def test_ack_carries_server_time_and_deadline(kclient, exam, clock):
    r = answer(kclient, 1, 1, [exam["questions"][0]["options"][0]["id"]], "key:1")
    body = r.get_json()
    assert r.status_code == 200
    assert body["ack"]["seq"] == 1 and len(body["ack"]["hash"]) == 64
    assert body["server_time"] == clock.now().strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    assert body["deadline"] == exam["deadline"] and body["next_seq"] == 2 and body["answered"] == 1


def test_resending_an_acknowledged_seq_returns_the_same_ack(kclient, exam, loaded_bank, clock):
    opt = exam["questions"][0]["options"][0]["id"]
    first = answer(kclient, 1, 1, [opt]).get_json()
    clock.advance(seconds=30)
    again = answer(kclient, 1, 1, [opt])
    assert again.status_code == 200
    assert again.get_json()["ack"] == first["ack"]
    assert _events(loaded_bank) == [(0, "start"), (1, "answer")]


def test_gap_is_refused_with_the_expected_seq(kclient, exam, loaded_bank):
    opt = exam["questions"][0]["options"][0]["id"]
    r = answer(kclient, 3, 1, [opt])
    assert r.status_code == 409
    assert r.get_json()["error"] == "seq_gap" and r.get_json()["expected"] == 1
    assert answer(kclient, 1, 1, [opt]).status_code == 200
    assert answer(kclient, 2, 2, [exam["questions"][1]["options"][0]["id"]]).status_code == 200
    assert answer(kclient, 3, 1, [opt]).status_code == 200
    assert [s for s, _k in _events(loaded_bank)] == [0, 1, 2, 3]


def test_reused_seq_with_other_content_is_refused(kclient, exam, loaded_bank):
    q = exam["questions"][0]
    assert answer(kclient, 1, 1, [q["options"][0]["id"]]).status_code == 200
    r = answer(kclient, 1, 1, [q["options"][1]["id"]])
    assert r.status_code == 409 and r.get_json() | {"expected": 2} == r.get_json()
    assert r.get_json()["error"] == "seq_taken"
    assert _events(loaded_bank) == [(0, "start"), (1, "answer")]


@pytest.mark.parametrize("body, status, error", [
    ({"seq": "1", "kind": "answer", "payload": {"slot": 1, "selected": [], "input": "click"}}, 422, "bad_seq"),
    ({"seq": True, "kind": "answer", "payload": {}}, 422, "bad_seq"),
    ({"seq": 1, "kind": "finish", "payload": {"slot": 1}}, 422, "bad_kind"),
    ({"seq": 1, "kind": ["answer"], "payload": {"slot": 1}}, 422, "bad_kind"),
    ({"seq": 1, "kind": "answer", "payload": [1, 2]}, 422, "bad_payload"),
    ({"seq": 1, "kind": "answer", "payload": {"slot": 99, "selected": [], "input": "click"}}, 422, "bad_slot"),
    ({"seq": 1, "kind": "answer", "payload": {"slot": 1.0, "selected": [], "input": "click"}}, 422, "bad_slot"),
    ({"seq": 1, "kind": "answer", "payload": {"slot": 1, "selected": ["z"], "input": "click"}}, 422, "bad_selection"),
    ({"seq": 1, "kind": "answer", "payload": {"slot": 1, "selected": "a", "input": "click"}}, 422, "bad_selection"),
    ({"seq": 1, "kind": "answer", "payload": {"slot": 1, "selected": [], "input": "paste"}}, 422, "bad_input"),
    ({"seq": 1, "kind": "flag", "payload": {"slot": 1, "flagged": "yes"}}, 422, "bad_flag"),
    ({"seq": 1, "kind": "visit", "payload": {"slot": 1}, "client_time": 5}, 422, "bad_client_time"),
    ({"seq": 1, "kind": "visit", "payload": {"slot": 1}, "client_time": "x" * 41}, 422, "bad_client_time"),
])
def test_wrong_types_get_422_with_a_message(kclient, exam, body, status, error, loaded_bank):
    r = kclient.post("/kiosk/api/events", json=body)
    assert r.status_code == status
    assert r.get_json()["error"] == error and r.get_json()["message"]
    assert _events(loaded_bank) == [(0, "start")]


def test_single_choice_refuses_two_options(kclient, exam):
    q = next(q for q in exam["questions"] if q["type"] == "single")
    r = answer(kclient, 1, q["slot"], [q["options"][0]["id"], q["options"][1]["id"]])
    assert r.status_code == 422 and r.get_json()["error"] == "bad_selection"


def test_malformed_json_is_400(kclient, exam):
    r = kclient.post("/kiosk/api/events", data=b'{"seq": 1, "kind": ', content_type="application/json")
    assert r.status_code == 400 and r.get_json()["error"] == "bad_json"
    r = kclient.post("/kiosk/api/events", data=b"\xff\xfe", content_type="application/json")
    assert r.status_code == 400 and r.get_json()["error"] == "bad_json"
    r = kclient.post("/kiosk/api/events", json=[1, 2, 3])
    assert r.status_code == 400 and r.get_json()["error"] == "bad_json"


def test_non_json_body_is_415(kclient, exam):
    r = kclient.post("/kiosk/api/events", data={"seq": "1"})
    assert r.status_code == 415 and r.get_json()["error"] == "not_json"


def test_too_large_body_is_413(kclient, exam, loaded_bank):
    big = {"seq": 1, "kind": "visit", "payload": {"slot": 1}, "client_time": "x" * loaded_bank.config["MAX_JSON_BYTES"]}
    r = kclient.post("/kiosk/api/events", json=big)
    assert r.status_code == 413 and r.get_json()["error"] == "too_large"


def test_finish_needs_confirmation(kclient, exam):
    r = kclient.post("/kiosk/api/finish", json={})
    assert r.status_code == 422 and r.get_json()["error"] == "not_confirmed"


def test_api_without_attempt_or_terminal(loaded_bank, kclient):
    assert kclient.get("/kiosk/api/state").status_code == 404
    stranger = loaded_bank.test_client()
    r = stranger.post("/kiosk/api/events", json={"seq": 1, "kind": "visit", "payload": {"slot": 1}})
    assert r.status_code == 404 and r.get_json()["error"] == "no_attempt"
