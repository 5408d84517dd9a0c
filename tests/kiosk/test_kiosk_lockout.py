"""Wrong access codes: counted in the database per terminal and per session;
the terminal locks and a proctor unlocks it."""
from __future__ import annotations

import sqlalchemy as sa
from kiosk_helpers import enrol_terminal

from examserver.db import db
from examserver.models import AuditEntry, Room, Terminal, TerminalState
from examserver.exam import terminals
from examserver.core.audit import Actor

from kiosk.context import COOKIE


def _state(app, terminal_id) -> TerminalState:
    with app.app_context():
        return db.session.get(Terminal, terminal_id).state


def test_lock_after_failures_in_window_and_proctor_unlock(kclient, kworld, candidate, loaded_bank, clock):
    limit = loaded_bank.config["CODE_LOCKOUT_FAILURES"]
    for _ in range(limit - 1):
        r = kclient.post("/kiosk/code", data={"code": "WRONG-123"})
        assert r.status_code == 303
    assert _state(loaded_bank, kworld.terminal) == TerminalState.ENROLLED
    kclient.post("/kiosk/code", data={"code": "ZZZZ-ZZZZ"})
    assert _state(loaded_bank, kworld.terminal) == TerminalState.LOCKED
    page = kclient.get("/kiosk/?lang=en").get_data(as_text=True)
    assert "This terminal is locked" in page
    assert kclient.get("/kiosk/api/terminal").get_json() == {"state": "locked", "attempt": "none"}
    # Even the right code is refused while locked.
    kclient.post("/kiosk/code", data={"code": candidate[1]})
    assert "/kiosk/confirm" not in kclient.get("/kiosk/").get_data(as_text=True)
    with loaded_bank.app_context():
        actions = list(db.session.scalars(sa.select(AuditEntry.action)))
        assert actions.count("kiosk.code_failed") == limit and "terminal.lock" in actions
        terminals.unlock(db.session.get(Terminal, kworld.terminal), Actor.cli("proctor"), "candidate mistyped")
        db.session.commit()
    r = kclient.post("/kiosk/code", data={"code": candidate[1]})
    assert r.headers["Location"].endswith("/kiosk/confirm")


def test_failures_outside_the_window_do_not_count(kclient, kworld, loaded_bank, clock):
    limit = loaded_bank.config["CODE_LOCKOUT_FAILURES"]
    for _ in range(limit - 1):
        kclient.post("/kiosk/code", data={"code": "WRONG-123"})
    clock.advance(seconds=loaded_bank.config["CODE_LOCKOUT_WINDOW_SECONDS"] + 1)
    kclient.post("/kiosk/code", data={"code": "WRONG-123"})
    assert _state(loaded_bank, kworld.terminal) == TerminalState.ENROLLED


def test_failures_spread_over_terminals_of_a_session_add_up(kworld, loaded_bank):
    limit = loaded_bank.config["CODE_LOCKOUT_FAILURES"]
    clients = []
    with loaded_bank.app_context():
        room = db.session.get(Room, kworld.room)
        for seat in range(4):
            terminal, secret = enrol_terminal(room, f"B-{seat}")
            client = loaded_bank.test_client()
            client.set_cookie(COOKIE, secret, path="/kiosk")
            clients.append((terminal.id, client))
        db.session.commit()
    # Each terminal stays under its own limit; the session's limit (3x) is reached.
    for _ in range(limit - 1):
        for _tid, client in clients:
            client.post("/kiosk/code", data={"code": "WRONG-123"})
    states = [_state(loaded_bank, tid) for tid, _c in clients]
    assert TerminalState.LOCKED in states
    assert states[0] == TerminalState.ENROLLED


def test_pending_terminal_cannot_log_in(loaded_bank, candidate):
    client = loaded_bank.test_client()
    client.get("/kiosk/")
    r = client.post("/kiosk/code", data={"code": candidate[1]})
    assert r.headers["Location"].endswith("/kiosk/")
    assert client.get("/kiosk/confirm").headers["Location"].endswith("/kiosk/")
