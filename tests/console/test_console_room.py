"""The live room: snapshot JSON and the proctor's actions (each needs a reason)."""
from __future__ import annotations

from datetime import timedelta

import pytest

from examserver.db import db
from examserver.models import Attempt, AttemptState, JournalEvent, SessionState, Terminal, TerminalState
from examserver.models import ExamSession
from examserver.exam import terminals

from .conftest import PIN1, PIN2, add_participant, enrolled_terminal, make_session, start


@pytest.fixture
def room(app, world, loaded_bank):
    """An open session with two participants; the first has started on terminal t1."""
    with app.app_context():
        sid = make_session(world.room_a)
        p1 = add_participant(sid, PIN1, "Асанов", "1")
        p2 = add_participant(sid, PIN2, "Бекова", "2")
        t1, t2 = enrolled_terminal(world.room_a, "1"), enrolled_terminal(world.room_a, "2")
        attempt = start(p1, t1)
    return {"sid": sid, "p1": p1, "p2": p2, "t1": t1, "t2": t2, "attempt": attempt}


def act(client, room, **body):
    return client.post(f"/admin/room/{room['sid']}/action", json=body)


def row(client, room, pid):
    data = client.get(f"/admin/room/{room['sid']}/data").get_json()
    return next(c for c in data["candidates"] if c["participant_id"] == pid)


def test_snapshot_shows_progress_time_and_silence(app, client, room, clock, login):
    login("proctor_a")
    assert client.get(f"/admin/room/{room['sid']}").status_code == 200
    r = row(client, room, room["p1"])
    assert r["state"] == "in_progress" and r["answered"] == 0 and r["total"] == 7
    assert r["seconds_left"] == 30 * 60 and not r["silent"]
    assert row(client, room, room["p2"])["state"] == "no_code"
    clock.advance(seconds=app.config["SILENT_TERMINAL_SECONDS"] + 1)
    r = row(client, room, room["p1"])
    assert r["silent"] and r["last_contact_seconds"] == app.config["SILENT_TERMINAL_SECONDS"] + 1


def test_extend_needs_reason_and_moves_deadline(app, client, room, login):
    login("proctor_a")
    assert act(client, room, action="extend", attempt_id=room["attempt"], minutes=5, reason="").status_code == 400
    assert act(client, room, action="extend", attempt_id=room["attempt"], minutes=0, reason="x").status_code == 400
    response = act(client, room, action="extend", attempt_id=room["attempt"], minutes=5, reason="power cut")
    assert response.status_code == 200
    assert row(client, room, room["p1"])["seconds_left"] == 35 * 60
    with app.app_context():
        kinds = [e.kind for e in db.session.query(JournalEvent).filter_by(attempt_id=room["attempt"]).order_by(JournalEvent.seq)]
        assert kinds == ["start", "extend"]


def test_pause_gives_the_paused_time_back(app, client, room, clock, login):
    login("proctor_a")
    clock.advance(minutes=10)
    assert act(client, room, action="pause", attempt_id=room["attempt"], reason="fire alarm").status_code == 200
    clock.advance(minutes=7)
    r = row(client, room, room["p1"])
    assert r["state"] == "paused" and r["seconds_left"] == 20 * 60 and not r["silent"]
    assert act(client, room, action="pause", attempt_id=room["attempt"], reason="again").status_code == 409
    assert act(client, room, action="resume", attempt_id=room["attempt"], reason="all clear").status_code == 200
    assert row(client, room, room["p1"])["seconds_left"] == 20 * 60
    with app.app_context():
        attempt = db.session.get(Attempt, room["attempt"])
        assert attempt.deadline_at == attempt.started_at + timedelta(minutes=37)


def test_move_attempt_to_another_terminal(app, client, room, login):
    login("proctor_a")
    assert act(client, room, action="move", attempt_id=room["attempt"], terminal_id=room["t1"], reason="x").status_code == 400
    assert act(client, room, action="move", attempt_id=room["attempt"], terminal_id=room["t2"],
               reason="screen broken").status_code == 200
    with app.app_context():
        assert db.session.get(Attempt, room["attempt"]).terminal_id == room["t2"]


def test_unlock_terminal(app, client, room, login):
    with app.app_context():
        terminals.lock(db.session.get(Terminal, room["t2"]))
        db.session.commit()
    login("proctor_a")
    data = client.get(f"/admin/room/{room['sid']}/data").get_json()
    assert any(t["id"] == room["t2"] and t["state"] == "locked" for t in data["terminals"])
    assert act(client, room, action="unlock", terminal_id=room["t2"], reason="wrong code typed").status_code == 200
    with app.app_context():
        assert db.session.get(Terminal, room["t2"]).state == TerminalState.ENROLLED


def test_mark_no_show(app, client, room, login):
    login("proctor_a")
    assert act(client, room, action="no_show", participant_id=room["p1"], reason="x").status_code == 409  # started
    assert act(client, room, action="no_show", participant_id=room["p2"], reason="did not come").status_code == 200
    assert row(client, room, room["p2"])["state"] == "no_show"


def test_close_session_keeps_running_attempts_until_deadline(app, client, room, login):
    login("proctor_a")
    response = act(client, room, action="close", reason="end of the day")
    assert response.status_code == 200
    with app.app_context():
        assert db.session.get(ExamSession, room["sid"]).state == SessionState.CLOSED
        assert db.session.get(Attempt, room["attempt"]).state == AttemptState.IN_PROGRESS
    # The running attempt can still be helped after the close.
    assert act(client, room, action="extend", attempt_id=room["attempt"], minutes=1, reason="late start").status_code == 200


def test_action_on_expired_attempt_finishes_it(app, client, room, clock, login):
    login("proctor_a")
    clock.advance(minutes=31)
    response = act(client, room, action="extend", attempt_id=room["attempt"], minutes=5, reason="too late")
    assert response.status_code == 409 and response.get_json()["error"] == "expired"
    with app.app_context():
        assert db.session.get(Attempt, room["attempt"]).state == AttemptState.FINISHED


def test_bad_json_and_unknown_action(client, room, login):
    login("proctor_a")
    assert client.post(f"/admin/room/{room['sid']}/action", data="nope", content_type="application/json").status_code == 400
    assert act(client, room, action="explode", reason="x").status_code == 400
    assert act(client, room, action="extend", attempt_id="abc", minutes=1, reason="x").status_code == 400
    assert act(client, room, action="extend", attempt_id=99999, minutes=1, reason="x").status_code == 404


def test_other_centre_cannot_act(app, client, room, login):
    login("proctor_b")
    assert act(client, room, action="pause", attempt_id=room["attempt"], reason="x").status_code == 404
    with app.app_context():
        assert db.session.get(Attempt, room["attempt"]).state == AttemptState.IN_PROGRESS


def test_terminals_page_enrol_revoke(app, client, world, login):
    with app.app_context():
        terminal, _ = terminals.register_pending("pytest")
        code, tid = terminal.pairing_code, terminal.id
        db.session.commit()
    login("proctor_a")
    assert client.post("/admin/terminals/enrol", data={"pairing_code": code, "room_id": world.room_b, "seat": "1"}).status_code == 404
    assert client.post("/admin/terminals/enrol", data={"pairing_code": "ZZZZZZ", "room_id": world.room_a}).status_code == 303
    assert client.post("/admin/terminals/enrol", data={"pairing_code": code.lower(), "room_id": world.room_a, "seat": "7"}).status_code == 302
    assert "7" in client.get("/admin/terminals/").get_data(as_text=True)
    client.post("/admin/auth/logout")
    login("proctor_b")
    assert client.post(f"/admin/terminals/{tid}/revoke", data={"reason": "x"}).status_code == 404
    client.post("/admin/auth/logout")
    login("proctor_a")
    assert client.post(f"/admin/terminals/{tid}/revoke", data={"reason": ""}).status_code == 303
    assert client.post(f"/admin/terminals/{tid}/revoke", data={"reason": "stolen"}).status_code == 302
    with app.app_context():
        t = db.session.get(Terminal, tid)
        assert t.state == TerminalState.REVOKED and t.seat == "7" and t.room_id == world.room_a


def test_rows_follow_the_seats_in_natural_order_and_time_is_local(app, client, room, login):
    with app.app_context():
        add_participant(room["sid"], "21203199000011", "Жээнбеков", "10")
        add_participant(room["sid"], "12405199500022", "Исакова", "3")
        db.session.commit()
    login("proctor_a")
    data = client.get(f"/admin/room/{room['sid']}/data").get_json()
    assert [c["seat"] for c in data["candidates"]] == ["1", "2", "3", "10"]
    assert data["now_local"] == "09:00:00"  # the frozen clock's 03:00 UTC in Asia/Bishkek
