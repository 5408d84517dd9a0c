"""Pairing: the terminal cookie outlives the browser process, and a browser
that lost it (a crash before Chromium wrote it to disk) gets it back with the
secret the pairing page kept; cookie-less requests for a pairing code are
limited per client address."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from examserver.db import db
from examserver.core.audit import Actor
from examserver.exam import terminals
from examserver.models import AuditEntry, Terminal


@pytest.fixture
def app_config():
    return {"KIOSK_PAIRING_LIMIT": 3}


def _terminals(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count(Terminal.id)))


def test_terminal_cookie_is_persistent(app):
    r = app.test_client().get("/kiosk/")
    cookie = next(c for c in r.headers.getlist("Set-Cookie") if c.startswith("exam_terminal="))
    # A session cookie would die with the browser; Max-Age/Expires make it a persistent one.
    assert "Max-Age=" in cookie and "Expires=" in cookie
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/kiosk" in cookie


def test_pairing_is_throttled_per_address(app):
    for _ in range(3):
        assert app.test_client().get("/kiosk/").status_code == 200
    r = app.test_client().get("/kiosk/", headers={"Accept-Language": "ru"})
    assert r.status_code == 429
    page = r.get_data(as_text=True)
    assert 'id="throttled"' in page and "<h1" in page and 'http-equiv="refresh"' in page
    assert "exam_terminal=" not in " ".join(r.headers.getlist("Set-Cookie"))
    assert _terminals(app) == 3
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(AuditEntry.id))
                                 .where(AuditEntry.action == "terminal.pairing")) == 3
    # Another terminal (address) of the centre still pairs.
    other = app.test_client().get("/kiosk/", environ_base={"REMOTE_ADDR": "10.0.0.7"})
    assert other.status_code == 200 and _terminals(app) == 4


@pytest.mark.parametrize("lang, text", [("ky", "Бул компьютерден жаңы терминалдар өтө көп"),
                                        ("ru", "Слишком много новых терминалов с этого компьютера")])
def test_throttled_page_is_translated(app, lang, text):
    for _ in range(3):
        app.test_client().get("/kiosk/")
    assert text in app.test_client().get(f"/kiosk/?lang={lang}").get_data(as_text=True)


def test_known_terminal_is_not_throttled(app):
    client = app.test_client()
    for _ in range(6):
        assert client.get("/kiosk/").status_code == 200   # the same browser keeps its pending terminal
    assert _terminals(app) == 1


def _secret_on_page(page: str) -> str | None:
    found = re.search(r'data-terminal-secret="([^"]+)"', page)
    return found.group(1) if found else None


def test_pairing_page_hands_the_secret_once_and_restore_gives_the_cookie_back(app):
    first = app.test_client()
    r = first.get("/kiosk/")
    secret = _secret_on_page(r.get_data(as_text=True))
    assert secret and first.get_cookie("exam_terminal", path="/kiosk").value == secret
    assert _secret_on_page(first.get("/kiosk/").get_data(as_text=True)) is None   # only when created
    # The browser lost its cookie (crash before Chromium wrote it): the secret kept in IndexedDB restores it.
    again = app.test_client()
    r = again.post("/kiosk/api/restore", json={"secret": secret})
    assert r.status_code == 200 and r.get_json() == {"state": "pending"}
    assert again.get_cookie("exam_terminal", path="/kiosk").value == secret
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(AuditEntry.id))
                                 .where(AuditEntry.action == "terminal.cookie_restored")) == 1


@pytest.mark.parametrize("body", [{"secret": "x" * 43}, {"secret": 5}, {"secret": "y" * 500}, {}, []])
def test_restore_refuses_unknown_secrets(app, body):
    r = app.test_client().post("/kiosk/api/restore", json=body)
    assert r.status_code == 404 and r.get_json()["error"] == "unknown_terminal"


def test_restore_refuses_a_revoked_terminal(app):
    client = app.test_client()
    secret = _secret_on_page(client.get("/kiosk/").get_data(as_text=True))
    with app.app_context():
        terminals.revoke(db.session.scalar(sa.select(Terminal)), Actor("user", None, "proctor"), "stolen")
        db.session.commit()
    assert app.test_client().post("/kiosk/api/restore", json={"secret": secret}).status_code == 404
