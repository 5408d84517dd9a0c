"""Pairing: the terminal cookie outlives the browser process; cookie-less
requests for a pairing code are limited per client address."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from examserver.db import db
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
