"""Issue 16: the next person at a terminal never sees the previous candidate.

The result screen (score, protocol PDF with name, ПИН and document, the one
allowed appeal) belongs to the browser session of the candidate who ran the
attempt; "Close" ends that session, and a browser restart (a new session with
only the terminal cookie) shows nothing of a finished candidate.
"""
from __future__ import annotations

import sqlalchemy as sa
from kiosk_helpers import add_candidate, start_exam

from examserver.db import db
from examserver.models import Appeal
from kiosk.context import COOKIE


def _restarted(app, kworld):
    """The same terminal after a browser restart: the persistent terminal cookie only."""
    client = app.test_client()
    client.set_cookie(COOKIE, kworld.secret, path="/kiosk")
    return client


def _assert_nothing_shown(client):
    r = client.get("/kiosk/")
    assert r.status_code == 200 and 'id="code"' in r.get_data(as_text=True)   # code entry for the next person
    r = client.get("/kiosk/result")
    assert r.status_code == 302 and r.headers["Location"].endswith("/kiosk/")
    assert client.get("/kiosk/protocol.pdf").status_code == 404
    assert client.post("/kiosk/appeal", data={"statement": "not mine"}).status_code == 404


def test_close_ends_the_result_for_good(kclient, candidate, loaded_bank):
    start_exam(kclient, candidate[1])
    assert kclient.post("/kiosk/api/finish", json={"confirm": True}).status_code == 200
    assert kclient.get("/kiosk/result").status_code == 200
    assert kclient.get("/kiosk/protocol.pdf").status_code == 200
    assert kclient.post("/kiosk/done").status_code == 303
    _assert_nothing_shown(kclient)
    with loaded_bank.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Appeal.id))) == 0


def test_browser_restart_after_finishing_shows_nothing(kclient, candidate, loaded_bank, kworld):
    start_exam(kclient, candidate[1])
    assert kclient.post("/kiosk/api/finish", json={"confirm": True}).status_code == 200
    # Within the appeal window, the terminal's last attempt is NOT offered to a new browser session.
    _assert_nothing_shown(_restarted(loaded_bank, kworld))


def test_attempt_finished_by_the_sweep_shows_only_in_its_own_session(kclient, candidate, loaded_bank, kworld,
                                                                     clock, runner):
    start_exam(kclient, candidate[1])
    clock.advance(minutes=31)
    assert runner.invoke(args=["sweep"]).exit_code == 0
    # The candidate's own session (the kiosk still open) shows the result ...
    assert kclient.get("/kiosk/").headers["Location"].endswith("/kiosk/result")
    assert kclient.get("/kiosk/protocol.pdf").status_code == 200
    # ... a restarted browser on the same terminal shows nothing.
    _assert_nothing_shown(_restarted(loaded_bank, kworld))


def test_next_code_in_the_same_session_forgets_the_previous_result(kclient, candidate, loaded_bank, kworld):
    start_exam(kclient, candidate[1])
    assert kclient.post("/kiosk/api/finish", json={"confirm": True}).status_code == 200
    with loaded_bank.app_context():
        _participant, code = add_candidate(kworld.session, "21234567890999", surname="Бекова")
        db.session.commit()
    r = kclient.post("/kiosk/code", data={"code": code})
    assert r.headers["Location"].endswith("/kiosk/confirm")
    assert kclient.get("/kiosk/result").status_code == 302
    assert kclient.get("/kiosk/protocol.pdf").status_code == 404
