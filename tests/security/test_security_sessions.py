"""Console logins live on the server: logout, idle timeout, absolute lifetime,
deactivation; cookies are Secure in production (console and terminal)."""
from __future__ import annotations

import logging

import pytest
import sqlalchemy as sa

from examserver import create_app
from examserver.db import db
from examserver.models import User
from examserver.models.org import LoginSession
from examserver.core import accounts
from examserver.core.audit import Actor
from kiosk.context import COOKIE as TERMINAL_COOKIE


@pytest.fixture
def app_config():
    # The defaults of production (the suite's app fixture stretches them).
    return {"SESSION_IDLE_MINUTES": 30, "SESSION_LIFETIME_HOURS": 12}


def _inside(client) -> bool:
    response = client.get("/admin/")
    if response.status_code == 302:
        assert "/admin/auth/login" in response.headers["Location"]
        return False
    assert response.status_code == 200
    return True


def _sessions(app) -> list[LoginSession]:
    with app.app_context():
        return list(db.session.scalars(sa.select(LoginSession).order_by(LoginSession.id)))


def test_logout_ends_the_session_on_the_server(app, client, sworld, console_login):
    """A copy of the cookie taken before logout is refused afterwards."""
    cookie = console_login("proctor_a")
    thief = app.test_client()
    thief.set_cookie("session", cookie)
    assert _inside(thief)
    assert client.post("/admin/auth/logout").status_code == 302
    assert not _inside(client)
    assert not _inside(thief)
    [row] = _sessions(app)
    assert row.ended_at is not None and row.end_reason == "logout"


def test_the_token_is_stored_only_as_a_hash(app, client, sworld, console_login):
    cookie = console_login("admin")
    [row] = _sessions(app)
    assert len(row.token_hash) == 64 and row.token_hash not in cookie


def test_idle_timeout(app, client, clock, sworld, console_login):
    console_login("proctor_a")
    clock.advance(minutes=29)
    assert _inside(client)  # activity moves the idle deadline
    clock.advance(minutes=29)
    assert _inside(client)
    clock.advance(minutes=30)
    assert not _inside(client)
    [row] = _sessions(app)
    assert row.end_reason == "idle"


def test_absolute_lifetime(app, client, clock, sworld, console_login):
    console_login("proctor_a")
    for _ in range(35):  # busy for 11 h 40 min
        clock.advance(minutes=20)
        assert _inside(client)
    clock.advance(minutes=20)  # 12 h after the login
    assert not _inside(client)
    assert _sessions(app)[0].end_reason == "expired"


def test_last_seen_is_written_at_most_once_a_minute(app, client, clock, sworld, console_login):
    console_login("proctor_a")
    first = _sessions(app)[0].last_seen_at
    clock.advance(seconds=30)
    assert _inside(client)
    assert _sessions(app)[0].last_seen_at == first
    clock.advance(seconds=31)
    assert _inside(client)
    assert _sessions(app)[0].last_seen_at > first


def test_deactivation_ends_every_session(app, sworld, console_login):
    one, two = app.test_client(), app.test_client()
    console_login("proctor_a", who=one)
    console_login("proctor_a", who=two)
    with app.app_context():
        accounts.set_active(db.session.get(User, sworld.users["proctor_a"]), False, Actor.cli(), "left")
        db.session.commit()
    assert not _inside(one) and not _inside(two)
    assert {s.end_reason for s in _sessions(app)} == {"deactivated"}
    with app.app_context():
        accounts.set_active(db.session.get(User, sworld.users["proctor_a"]), True, Actor.cli(), "back")
        db.session.commit()
    assert not _inside(one)  # reactivation does not revive old sessions


def _production_app(db_url, clock, tmp_path, **extra):
    config = {"MODE": "production", "SECRET_KEY": "s" * 32, "DATABASE_URL": db_url,
              "INSTANCE_PATH": str(tmp_path / "prod"), "CLOCK": clock, "WTF_CSRF_ENABLED": False}
    config.update(extra)
    return create_app(config)


def test_production_cookies_are_secure(db_url, clock, tmp_path, sworld):
    from tests.console.conftest import PASSWORD

    app = _production_app(db_url, clock, tmp_path)
    try:
        client = app.test_client()
        response = client.post("/admin/auth/login", data={"username": "admin", "password": PASSWORD})
        assert response.status_code == 302
        cookie = response.headers["Set-Cookie"]
        assert "Secure" in cookie and "HttpOnly" in cookie
        # A browser nobody knows gets a terminal cookie: Secure too, whatever the proxy said.
        response = app.test_client().get("/kiosk/")
        terminal = [c for c in response.headers.getlist("Set-Cookie") if c.startswith(TERMINAL_COOKIE + "=")]
        assert terminal and "Secure" in terminal[0]
    finally:
        db.dispose(app)


def test_plain_http_lan_must_say_so_and_is_warned(db_url, clock, tmp_path, caplog):
    with caplog.at_level(logging.WARNING, logger="examserver"):
        app = _production_app(db_url, clock, tmp_path, SESSION_COOKIE_SECURE=False)
    assert "EXAM_SESSION_COOKIE_SECURE is off" in caplog.text
    response = app.test_client().get("/kiosk/")
    assert all("Secure" not in c for c in response.headers.getlist("Set-Cookie"))
    db.dispose(app)


def test_old_logins_are_forgotten_at_the_next_login(app, client, clock, sworld, console_login):
    console_login("proctor_a")
    client.post("/admin/auth/logout")
    clock.advance(days=31)
    console_login("proctor_a")
    rows = _sessions(app)
    assert len(rows) == 1 and rows[0].ended_at is None


def test_read_only_pages_keep_and_end_sessions_too(app, client, clock, sworld, console_login):
    """The live room is a read-only snapshot (db.read_only): touching or ending
    the login there leaves the snapshot for a write instead of failing."""
    from tests.console.conftest import make_session

    with app.app_context():
        sid = make_session(sworld.room_a)
    console_login("proctor_a")
    first = _sessions(app)[0].last_seen_at
    clock.advance(minutes=2)
    assert client.get(f"/admin/room/{sid}/data").status_code == 200
    assert _sessions(app)[0].last_seen_at > first
    clock.advance(minutes=31)
    response = client.get(f"/admin/room/{sid}/data")
    assert response.status_code == 302 and "/admin/auth/login" in response.headers["Location"]
    assert _sessions(app)[0].end_reason == "idle"
