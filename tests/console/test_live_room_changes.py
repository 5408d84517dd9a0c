"""The live room's polling protocol (``/data?since=VERSION``): the page gets
only the rows that may have changed since its previous poll, and a poll's
cost in SQL statements does not grow with the number of candidates."""
from __future__ import annotations

import pytest
from sqlalchemy import event

from examserver.core import audit
from examserver.core.audit import Actor
from examserver.db import db
from examserver.exam import attempts, codes, terminals, timer
from examserver.models import Attempt, ExamSession, FinishReason, Participant, Terminal
from examserver.registration import live, participants as registration, sessions

from .conftest import add_participant, enrolled_terminal, make_session, start

LATER = int(live.OVERLAP.total_seconds()) + 1  # seconds after which an unchanged row is no longer resent


def pin(n: int) -> str:
    return f"1{(n % 28) + 1:02d}0{(n % 9) + 1}1980{n:05d}"


def hall(world, size: int, running: int) -> dict:
    """An open session with ``size`` admitted candidates, the first ``running`` of them started.

    Each hall has people of its own (personal numbers by session): one person
    cannot sit two tests at once (tests/exam/test_one_person.py)."""
    sid = make_session(world.room_a)
    people, tests = [], []
    for n in range(size):
        pid = add_participant(sid, pin(sid * 1000 + n), "Сынакчы", str(n + 1))
        people.append(pid)
        if n < running:
            tests.append(start(pid, enrolled_terminal(world.room_a, str(n + 1))))
    return {"sid": sid, "people": people, "attempts": tests}


def changes(client, sid, since=0):
    """The poll's JSON and its whole rows by participant id."""
    response = client.get(f"/admin/room/{sid}/data?since={since}")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.headers["Server-Timing"].startswith("view;dur=")  # what the poll took in the app
    data = response.get_json()
    return data, {row[0]: dict(zip(data["columns"], row)) for row in data["rows"]}


def moves(data) -> dict:
    """The poll's moves (a save's or a heartbeat's change) by participant id."""
    assert data["move_columns"] == ["participant_id", "answered", "contact_ms"]
    return {move[0]: {"answered": move[1], "contact_ms": move[2]} for move in data["moves"]}


class Statements:
    """The SQL statements the app sends while ``on``."""

    def __init__(self):
        self.on, self.sent = False, []

    def __call__(self, _conn, _cursor, statement, *_args):
        if self.on and not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK", "PRAGMA")):
            self.sent.append(statement)


@pytest.fixture
def statements(app):
    log = Statements()
    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", log)
    yield log
    event.remove(engine, "before_cursor_execute", log)


def test_a_first_poll_has_every_row_then_only_what_changed(app, client, world, loaded_bank, clock, login):
    with app.app_context():
        room = hall(world, 4, 3)
    login("proctor_a")
    clock.advance(seconds=LATER)
    data, rows = changes(client, room["sid"])
    assert data["full"] and sorted(rows) == sorted(room["people"])
    assert data["counts"] == {"in_progress": 3, "no_code": 1}
    first = rows[room["people"][0]]
    assert first["state"] == "in_progress" and first["total"] == 7 and first["answered"] == 0
    assert first["deadline_ms"] - data["now_ms"] == 30 * 60 * 1000 - LATER * 1000
    assert data["now_ms"] - first["contact_ms"] == LATER * 1000
    assert rows[room["people"][3]]["state"] == "no_code" and rows[room["people"][3]]["attempt_id"] is None

    assert data["moves"] == []  # every row is whole

    clock.advance(seconds=LATER)
    again, rows = changes(client, room["sid"], data["version"])
    assert not again["full"] and rows == {} and again["moves"] == []  # nothing happened: nothing
    assert again["version"] > data["version"] and again["counts"] == data["counts"]

    # One candidate visits a question: only that row moves (its contact), as three numbers, not a whole row.
    with app.app_context():
        attempt = db.session.get(Attempt, room["attempts"][1])
        attempts.record_event(attempt, 1, "visit", {"slot": 1}, "t")
        db.session.commit()
    third, rows = changes(client, room["sid"], again["version"])
    assert rows == {} and moves(third) == {room["people"][1]: {"answered": 0, "contact_ms": third["now_ms"]}}
    # Within the overlap the move comes once more (a change may be committed after its time stamp), then no more.
    clock.advance(seconds=LATER)
    fourth, rows = changes(client, room["sid"], third["version"])
    assert rows == {} and list(moves(fourth)) == [room["people"][1]]
    clock.advance(seconds=LATER)
    fifth, rows = changes(client, room["sid"], fourth["version"])
    assert rows == {} and fifth["moves"] == []

    # An answer moves the answered count with the contact.
    with app.app_context():
        attempt = db.session.get(Attempt, room["attempts"][2])
        slot = attempts.form_of(attempt).slots[0]
        attempts.record_event(attempt, 1, "answer", {"slot": 1, "selected": [slot.option_order[0]], "input": "click"},
                              "t")
        db.session.commit()
    sixth, rows = changes(client, room["sid"], fifth["version"])
    assert rows == {} and moves(sixth) == {room["people"][2]: {"answered": 1, "contact_ms": sixth["now_ms"]}}
    # The next full poll has the same values in the whole row.
    full, rows = changes(client, room["sid"])
    assert (rows[room["people"][2]]["answered"], rows[room["people"][2]]["contact_ms"]) == (1, sixth["now_ms"])


def test_what_a_person_changes_comes_in_the_next_poll(app, client, world, loaded_bank, clock, login):
    with app.app_context():
        room = hall(world, 5, 2)
    login("proctor_a")
    clock.advance(seconds=LATER)
    data, _rows = changes(client, room["sid"])
    clock.advance(seconds=LATER)
    with app.app_context():
        proctor = Actor.cli()
        timer.pause(db.session.get(Attempt, room["attempts"][0]), "fire alarm", proctor)           # an attempt
        terminals.lock(db.session.get(Terminal, db.session.get(Attempt, room["attempts"][1]).terminal_id))
        codes.issue_code(db.session.get(Participant, room["people"][2]), proctor)                  # a code
        registration.mark_no_show(db.session.get(Participant, room["people"][3]), "did not come", proctor)
        db.session.commit()
        # an audit entry of a terminal that named none (a wrong code typed on an unknown one) changes no row
        audit.record("kiosk.code_failed", ("terminal", None), actor=Actor.cli())
        # the paused candidate's terminal and the locked one were heard from too: their rows still come whole
        # (and as moves, with the same values)
        for attempt_id in room["attempts"][:2]:
            db.session.get(Attempt, attempt_id).last_contact_at = clock.now()
        db.session.commit()
    after, rows = changes(client, room["sid"], data["version"])
    assert sorted(rows) == sorted(room["people"][:4])
    assert moves(after) == {pid: {"answered": rows[pid]["answered"], "contact_ms": rows[pid]["contact_ms"]}
                            for pid in room["people"][:2]}
    assert rows[room["people"][0]]["state"] == "paused" and rows[room["people"][0]]["paused_ms"] == after["now_ms"]
    assert rows[room["people"][1]]["terminal_state"] == "locked"
    assert [t["state"] for t in after["terminals"]] == ["locked"]
    assert rows[room["people"][2]]["state"] == "waiting"
    assert rows[room["people"][3]]["state"] == "no_show"
    assert after["counts"]["paused"] == 1 and after["counts"]["no_show"] == 1

    # A change of the session itself (here: closed) sends every row again.
    clock.advance(seconds=LATER)
    with app.app_context():
        sessions.close_session(db.session.get(ExamSession, room["sid"]), Actor.cli(), "end of the day")
        db.session.commit()
    closed, rows = changes(client, room["sid"], after["version"])
    assert closed["session"]["state"] == "closed" and sorted(rows) == sorted(room["people"])


def test_silence_is_counted_from_the_time_of_contact(app, client, world, loaded_bank, clock, login):
    with app.app_context():
        room = hall(world, 2, 2)
    login("proctor_a")
    clock.advance(seconds=app.config["SILENT_TERMINAL_SECONDS"] + 1)
    with app.app_context():
        attempts.record_event(db.session.get(Attempt, room["attempts"][0]), 1, "visit", {"slot": 1}, "t")
        db.session.commit()
    data, rows = changes(client, room["sid"])
    assert data["counts"]["silent"] == 1
    quiet = rows[room["people"][1]]
    assert (data["now_ms"] - quiet["contact_ms"]) // 1000 == app.config["SILENT_TERMINAL_SECONDS"] + 1
    # The plain JSON counts the same, and so does a poll of the changes (its counters come from SQL,
    # the full poll's from its rows).
    assert client.get(f"/admin/room/{room['sid']}/data").get_json()["counts"] == data["counts"]
    assert changes(client, room["sid"], data["version"])[0]["counts"] == data["counts"]
    # The quiet terminal calls in: the move brings its contact, the room counts no silent terminal.
    with app.app_context():
        attempts.record_event(db.session.get(Attempt, room["attempts"][1]), 1, "visit", {"slot": 1}, "t")
        db.session.commit()
    back, rows = changes(client, room["sid"], data["version"])
    assert rows == {} and moves(back)[room["people"][1]]["contact_ms"] == back["now_ms"]
    assert "silent" not in back["counts"] and "silent" not in changes(client, room["sid"])[0]["counts"]


def test_the_plain_snapshot_and_the_changes_agree(app, client, world, loaded_bank, clock, login):
    with app.app_context():
        room = hall(world, 3, 2)
        attempts.finish_attempt(db.session.get(Attempt, room["attempts"][0]), FinishReason.SUBMITTED)
        db.session.commit()
    login("proctor_a")
    clock.advance(minutes=3)
    plain = client.get(f"/admin/room/{room['sid']}/data").get_json()
    data, rows = changes(client, room["sid"])
    assert [c["participant_id"] for c in plain["candidates"]] == room["people"]
    for c in plain["candidates"]:
        row = rows[c["participant_id"]]
        for key in ("name", "seat", "state", "answered", "total", "terminal_id", "score", "max_points", "verdict"):
            assert row[key] == c[key] or (key == "total" and row[key] is None and c[key] == 0) or \
                (key == "answered" and row[key] is None and c[key] == 0), key
    done = next(c for c in plain["candidates"] if c["state"] == "finished")
    assert done["seconds_left"] is None and done["score"] is not None and done["verdict"]
    running = next(c for c in plain["candidates"] if c["state"] == "in_progress")
    assert running["seconds_left"] == 27 * 60 and running["last_contact_seconds"] == 180
    assert plain["counts"] == data["counts"]


def test_a_poll_sends_as_many_statements_for_30_candidates_as_for_2(app, client, world, loaded_bank, clock, login,
                                                                   statements):
    login("proctor_a")
    counted = {}
    for size in (2, 30):
        with app.app_context():
            room = hall(world, size, size)
        clock.advance(seconds=LATER)
        data, rows = changes(client, room["sid"])
        assert len(rows) == size
        clock.advance(seconds=LATER)
        with app.app_context():
            for attempt_id in room["attempts"][: size // 2]:
                attempts.record_event(db.session.get(Attempt, attempt_id), 1, "visit", {"slot": 1}, "t")
            db.session.commit()
        statements.on = True
        polled, rows = changes(client, room["sid"], data["version"])
        statements.on = False
        assert rows == {} and len(moves(polled)) == size // 2
        counted[size], statements.sent = len(statements.sent), []
        statements.on = True
        changes(client, room["sid"], 0)
        statements.on = False
        counted[f"full {size}"], statements.sent = len(statements.sent), []
        clock.advance(seconds=LATER)
    assert counted[2] == counted[30] and counted["full 2"] == counted["full 30"], counted
    # a poll of the changes reads the touched rows and every row's live numbers (the moves and the counters
    # come from them); a full poll reads every row (the counters come from them): one statement less
    assert counted["full 2"] == counted[2] - 1, counted


@pytest.mark.parametrize("since", ["abc", "-1", "1e3", "99999999999999999999", ""])
def test_a_bad_version_is_refused_with_a_message(app, client, world, loaded_bank, login, since):
    with app.app_context():
        sid = make_session(world.room_a)
    login("proctor_a")
    response = client.get(f"/admin/room/{sid}/data?since={since}")
    assert response.status_code == 400 and response.get_json()["message"]


def test_another_centre_gets_no_changes(app, client, world, loaded_bank, login):
    with app.app_context():
        room = hall(world, 1, 1)
    login("proctor_b")
    assert client.get(f"/admin/room/{room['sid']}/data?since=0").status_code == 404
