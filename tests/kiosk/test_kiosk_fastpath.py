"""The kiosk fast path (kiosk/fastpath.py) answers exactly as the Flask views do.

Two terminals of one room sit two candidates; one terminal's requests go
through the fast path, the other's straight to the Flask app. Every scenario
(the plain save, a resend, a gap, bad input of each kind, a flag, a paused
and a finished attempt, the heartbeat, no cookie) must give the same status
and the same JSON (the hashes and option ids differ between the two forms,
so they are compared by shape), and both journals must verify.
"""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from kiosk_helpers import add_candidate, answer, enrol_terminal, start_exam

from examserver import SECURITY_HEADERS, create_app
from examserver.core.audit import Actor
from examserver.db import db
from examserver.exam import group_commit, journal, timer
from examserver.models import Attempt, JournalEvent, Room
from kiosk.context import COOKIE
from kiosk.fastpath import KioskFastPath


class Route:
    """Sends a request through the fast path or around it (the Flask app alone)."""

    def __init__(self, app, fast: bool):
        self.app, self.fast = app, fast
        self.fastpath = app.wsgi_app if isinstance(app.wsgi_app, KioskFastPath) else None
        assert self.fastpath is not None, "the app should have the fast path installed"

    def __call__(self, call):
        if not self.fast:
            self.app.wsgi_app = self.fastpath.wsgi_app
        try:
            return call()
        finally:
            self.app.wsgi_app = self.fastpath


@pytest.fixture
def pair(loaded_bank, kworld):
    """Two started exams: ``[(client, route, state), ...]``, fast path first."""
    out = []
    for n, fast in enumerate((True, False)):
        with loaded_bank.app_context():
            room = db.session.get(Room, kworld.room)
            _terminal, secret = enrol_terminal(room, seat=f"B-0{n}")
            _participant, code = add_candidate(kworld.session, f"2123456789012{n}", surname=f"Асанова{n}")
            db.session.commit()
        client = loaded_bank.test_client()
        client.set_cookie(COOKIE, secret, path="/kiosk")
        route = Route(loaded_bank, fast)
        state = route(lambda: start_exam(client, code))
        out.append((client, route, state))
    return out


def _shape(value):
    """The reply with what differs between two forms (hashes, option ids) masked."""
    if isinstance(value, dict):
        return {k: ("<hash>" if k in ("hash", "attempt") else _shape(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [_shape(v) for v in value]
    if isinstance(value, str) and re.fullmatch(r"[0-9a-f]{64}", value):
        return "<hash>"
    return value


def _first_option(state, slot):
    return state["questions"][slot - 1]["options"][0]["id"]


def _raw(client, body: bytes, content_type="application/json"):
    return client.post("/kiosk/api/events", data=body, content_type=content_type)


HEADERS = [name for name, _value in SECURITY_HEADERS] + ["Cache-Control", "Content-Type"]

SCENARIOS = [
    ("plain answer", lambda c, s: answer(c, 1, 1, [_first_option(s, 1)])),
    ("the same answer resent", lambda c, s: answer(c, 1, 1, [_first_option(s, 1)])),
    ("a gap in the sequence", lambda c, s: answer(c, 5, 2, [_first_option(s, 2)])),
    ("an option of no question", lambda c, s: answer(c, 2, 2, ["zz"])),
    ("a slot out of range", lambda c, s: answer(c, 2, 999, [_first_option(s, 1)])),
    ("an unknown kind", lambda c, s: c.post("/kiosk/api/events", json={"seq": 2, "kind": "cheat", "payload": {}})),
    ("a seq that is text", lambda c, s: c.post("/kiosk/api/events", json={"seq": "2", "kind": "visit",
                                                                         "payload": {"slot": 1}})),
    ("malformed JSON", lambda c, s: _raw(c, b'{"seq": 2,')),
    ("not JSON", lambda c, s: _raw(c, b"seq=2", "application/x-www-form-urlencoded")),
    ("a JSON list", lambda c, s: _raw(c, b"[1, 2]")),
    ("too deep", lambda c, s: _raw(c, b'{"seq": 2, "payload": ' + b"[" * 200 + b"]" * 200 + b"}")),
    ("too large", lambda c, s: _raw(c, b'{"seq": 2, "pad": "' + b"x" * 20000 + b'"}')),
    ("a NUL character", lambda c, s: c.post("/kiosk/api/events", json={"seq": 2, "kind": "answer", "client_time": "t",
                                                                       "payload": {"slot": 1, "selected": ["a"],
                                                                                   "input": "cl\x00ick"}})),
    ("a flag", lambda c, s: c.post("/kiosk/api/events", json={"seq": 2, "kind": "flag", "client_time": "t",
                                                              "payload": {"slot": 3, "flagged": True}})),
    ("a second answer to the same question", lambda c, s: answer(c, 3, 1, [])),
    ("the heartbeat", lambda c, s: c.get("/kiosk/api/state")),
]


def test_the_fast_path_answers_every_case_as_the_flask_views_do(pair, loaded_bank, clock):
    (fast_client, fast, fast_state), (slow_client, slow, slow_state) = pair
    for name, call in SCENARIOS:
        a = fast(lambda: call(fast_client, fast_state))
        b = slow(lambda: call(slow_client, slow_state))
        assert (a.status_code, _shape(a.get_json())) == (b.status_code, _shape(b.get_json())), name
        if a.status_code == 200:  # the same security headers as every other response
            assert {h: a.headers.get(h) for h in HEADERS} == {h: b.headers.get(h) for h in HEADERS}, name

    # Paused by the proctor: the save is refused the same way on both.
    with loaded_bank.app_context():
        for attempt in db.session.scalars(sa.select(Attempt)):
            timer.pause(attempt, "fire drill", Actor.cli("pytest"))
        db.session.commit()
    a = fast(lambda: answer(fast_client, 4, 2, [_first_option(fast_state, 2)]))
    b = slow(lambda: answer(slow_client, 4, 2, [_first_option(slow_state, 2)]))
    assert a.status_code == b.status_code == 409 and _shape(a.get_json()) == _shape(b.get_json())
    with loaded_bank.app_context():
        for attempt in db.session.scalars(sa.select(Attempt)):
            timer.resume(attempt, "drill over", Actor.cli("pytest"))
        db.session.commit()

    # Past the deadline: both finish the attempt and say so.
    clock.advance(hours=5)
    a = fast(lambda: answer(fast_client, 5, 2, [_first_option(fast_state, 2)]))
    b = slow(lambda: answer(slow_client, 5, 2, [_first_option(slow_state, 2)]))
    assert (a.status_code, _shape(a.get_json())) == (b.status_code, _shape(b.get_json()))
    a, b = fast(lambda: fast_client.get("/kiosk/api/state")), slow(lambda: slow_client.get("/kiosk/api/state"))
    assert (a.status_code, a.get_json()) == (b.status_code, b.get_json())

    with loaded_bank.app_context():
        for attempt in db.session.scalars(sa.select(Attempt)):
            events = db.session.scalars(sa.select(JournalEvent).where(JournalEvent.attempt_id == attempt.id))
            assert journal.verify_chain(events).ok
        kinds = [list(db.session.scalars(sa.select(JournalEvent.kind).where(JournalEvent.attempt_id == a.id)
                                         .order_by(JournalEvent.seq)))
                 for a in db.session.scalars(sa.select(Attempt).order_by(Attempt.id))]
    assert kinds[0] == kinds[1] and kinds[0][-1] == "finish"


def test_without_a_terminal_cookie_both_say_no_test_runs_here(pair):
    (fast_client, fast, _), (slow_client, slow, _) = pair
    for client in (fast_client, slow_client):
        client.delete_cookie(COOKIE, path="/kiosk")
    a = fast(lambda: answer(fast_client, 1, 1, ["a"]))
    b = slow(lambda: answer(slow_client, 1, 1, ["a"]))
    assert (a.status_code, a.get_json()) == (b.status_code, b.get_json()) and a.status_code == 404


def _durable_writes(app) -> int:
    """Saves the fast path made durable: SQLite in its group commit, PostgreSQL as
    one autocommit statement each (kiosk/fastpath.py)."""
    with app.app_context():
        engine = db.hot_engine
        if engine.dialect.name == "sqlite":
            return group_commit.committer_for(engine).jobs
    return app.wsgi_app.saves


def test_a_plain_save_is_served_and_committed_by_the_fast_path(pair, loaded_bank):
    (client, fast, state), _ = pair
    before = _durable_writes(loaded_bank)
    r = fast(lambda: answer(client, 1, 1, [_first_option(state, 1)]))
    assert r.status_code == 200 and r.get_json()["ack"]["seq"] == 1
    assert _durable_writes(loaded_bank) == before + 1
    assert r.headers["X-Content-Type-Options"] == "nosniff" and r.headers["Cache-Control"] == "no-store"
    assert re.fullmatch(r"[0-9a-f]{32}", r.headers["X-Request-Id"])


@pytest.fixture
def csrf_app(db_url, clock, tmp_path, loaded_bank):
    """The same database served by an app that checks CSRF, as in production."""
    app = create_app({"MODE": "testing", "DATABASE_URL": db_url, "INSTANCE_PATH": str(tmp_path / "instance"),
                      "CLOCK": clock, "SECRET_KEY": loaded_bank.config["SECRET_KEY"]})
    yield app
    db.dispose(app)


def test_csrf_is_checked_as_flask_wtf_checks_it(csrf_app, kworld, loaded_bank):
    with loaded_bank.app_context():
        room = db.session.get(Room, kworld.room)
        _terminal, secret = enrol_terminal(room, seat="C-01")
        _participant, code = add_candidate(kworld.session, "21234567890199")
        db.session.commit()
    client = csrf_app.test_client()
    client.set_cookie(COOKIE, secret, path="/kiosk")
    token = re.compile(r'name="csrf[-_]token" (?:content|value)="([^"]+)"')

    def page_token(path):
        return token.search(client.get(path).get_data(as_text=True)).group(1)

    assert client.post("/kiosk/code", data={"code": code, "csrf_token": page_token("/kiosk/")}).status_code == 303
    assert client.post("/kiosk/confirm", data={"language": "ru", "csrf_token": page_token("/kiosk/confirm")}
                       ).status_code == 303
    assert client.post("/kiosk/instructions", data={"csrf_token": page_token("/kiosk/instructions")}
                       ).status_code == 303
    csrf = page_token("/kiosk/exam")
    state = client.get("/kiosk/api/state?full=1").get_json()
    body = {"seq": 1, "kind": "answer", "client_time": "t",
            "payload": {"slot": 1, "selected": [_first_option(state, 1)], "input": "click"}}
    before = _durable_writes(csrf_app)
    for headers in ({}, {"X-CSRFToken": "forged"}, {"X-CSRFToken": csrf + "x"}):
        r = client.post("/kiosk/api/events", json=body, headers=headers)
        assert r.status_code == 400 and r.get_json()["error"] == "csrf", headers
    assert _durable_writes(csrf_app) == before, "a refused request was never written"
    r = client.post("/kiosk/api/events", json=body, headers={"X-CSRFToken": csrf})
    assert r.status_code == 200 and _durable_writes(csrf_app) == before + 1
    # Over HTTPS the Referer must name this origin, as Flask-WTF requires.
    body["seq"] = 2
    r = client.post("/kiosk/api/events", json=body, headers={"X-CSRFToken": csrf}, base_url="https://localhost")
    assert r.status_code == 400 and r.get_json()["error"] == "csrf"
    r = client.post("/kiosk/api/events", json=body, base_url="https://localhost",
                    headers={"X-CSRFToken": csrf, "Referer": "https://localhost/kiosk/exam"})
    assert r.status_code == 200 and r.get_json()["ack"]["seq"] == 2


def test_a_lost_database_connection_costs_no_save(pair, loaded_bank, db_url):
    """The fast path's pool does not ping (PostgreSQL): a connection the server
    dropped fails once, is thrown away, and that save is served by the Flask
    path (whose pool pings); the next saves are the fast path's again."""
    if not db_url.startswith("postgresql"):
        pytest.skip("a server that drops connections: PostgreSQL")
    (client, fast, state), _ = pair
    assert fast(lambda: answer(client, 1, 1, [_first_option(state, 1)])).status_code == 200
    with loaded_bank.app_context():
        engine = db.hot_engine
    with sa.create_engine(db_url).connect() as admin:
        admin.execute(sa.text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                              "WHERE datname = current_database() AND pid <> pg_backend_pid()"))
    before = loaded_bank.wsgi_app.saves
    for seq in range(2, 5):
        r = fast(lambda: answer(client, seq, seq, [_first_option(state, seq)]))
        assert r.status_code == 200 and r.get_json()["ack"]["seq"] == seq, r.get_json()
    assert loaded_bank.wsgi_app.saves == before + 2, "one fell over to Flask, then the fast path served again"
    assert engine.pool.checkedout() == 0
    with loaded_bank.app_context():
        events = db.session.scalars(sa.select(JournalEvent).order_by(JournalEvent.attempt_id, JournalEvent.seq))
        assert journal.verify_chain([e for e in events if e.attempt_id == state["attempt"]]).ok
