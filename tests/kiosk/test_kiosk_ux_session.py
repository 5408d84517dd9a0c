"""Issue 14 (server side): a kiosk whose session cookie is gone, or whose
server came back with another secret key, gets a fresh session and CSRF token
with its terminal cookie alone (``GET /kiosk/api/session``) and its queued
answers are then accepted, in order. CSRF is on here, as in production."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from examserver import create_app
from examserver.db import db
from examserver.models import JournalEvent
from kiosk.context import COOKIE


@pytest.fixture
def app_config():
    return {"WTF_CSRF_ENABLED": True}


def _token(client, path: str) -> str:
    page = client.get(path).get_data(as_text=True)
    return re.search(r'<meta name="csrf-token" content="([^"]+)"', page).group(1)


def _start(client, code: str) -> str:
    """Code, language, start, with the pages' CSRF tokens; returns the exam page's token."""
    assert client.post("/kiosk/code", data={"code": code, "csrf_token": _token(client, "/kiosk/")}).status_code == 303
    token = _token(client, "/kiosk/confirm")
    assert client.post("/kiosk/confirm", data={"language": "ru", "csrf_token": token}).status_code == 303
    token = _token(client, "/kiosk/instructions")
    assert client.post("/kiosk/instructions", data={"csrf_token": token}).status_code == 303
    return _token(client, "/kiosk/exam")


def _answer(client, token: str, seq: int, slot: int = 1):
    return client.post("/kiosk/api/events", headers={"X-CSRFToken": token},
                       json={"seq": seq, "kind": "flag", "client_time": "t", "payload": {"slot": slot, "flagged": True}})


def _seqs(app) -> list[int]:
    with app.app_context():
        return list(db.session.scalars(sa.select(JournalEvent.seq).order_by(JournalEvent.seq)))


def test_lost_session_cookie_is_renewed_with_the_terminal_cookie(kclient, candidate, loaded_bank):
    token = _start(kclient, candidate[1])
    assert _answer(kclient, token, 1).status_code == 200
    kclient.delete_cookie("session")
    r = _answer(kclient, token, 2, slot=2)
    assert r.status_code == 400 and r.get_json()["error"] == "csrf"
    r = kclient.get("/kiosk/api/session")
    assert r.status_code == 200 and r.get_json()["attempt"] is not None
    assert _answer(kclient, r.get_json()["csrf"], 2, slot=2).status_code == 200
    assert _seqs(loaded_bank) == [0, 1, 2]


def test_changed_secret_key_is_renewed_too(kclient, candidate, loaded_bank, kworld, db_url, clock, tmp_path):
    token = _start(kclient, candidate[1])
    assert _answer(kclient, token, 1).status_code == 200
    # The same database served by an instance with another secret key (redeploy, rotation, a second instance).
    other = create_app({"MODE": "testing", "DATABASE_URL": db_url, "INSTANCE_PATH": str(tmp_path / "other"),
                        "CLOCK": clock, "SECRET_KEY": "another-secret-key-" + "x" * 40})
    try:
        client = other.test_client()
        for cookie in ("session",):
            value = kclient.get_cookie(cookie)
            client.set_cookie(cookie, value.value, path="/")
        client.set_cookie(COOKIE, kworld.secret, path="/kiosk")
        r = _answer(client, token, 2, slot=2)
        assert r.status_code == 400 and r.get_json()["error"] == "csrf"
        fresh = client.get("/kiosk/api/session").get_json()["csrf"]
        assert _answer(client, fresh, 2, slot=2).status_code == 200
        assert _answer(client, fresh, 3, slot=3).status_code == 200
    finally:
        db.dispose(other)
    assert _seqs(loaded_bank) == [0, 1, 2, 3]


def test_session_endpoint_needs_an_enrolled_terminal(app):
    r = app.test_client().get("/kiosk/api/session")
    assert r.status_code == 403 and r.get_json()["error"] == "terminal_not_enrolled"
