"""Invariant 12 at the kiosk's doors: a code works only on a terminal of its
session's room, and every gate of issuing it (admission, the code itself, the
session open) is checked again at code login and at attempt start."""
from __future__ import annotations

import json

import sqlalchemy as sa

from examserver.core.audit import Actor
from examserver.db import db
from examserver.exam import codes, timer
from examserver.models import AuditEntry, ExamSession, Participant, SessionState, Terminal
from examserver.registration import participants as registration
from examserver.registration import sessions

from .conftest import (add_candidate, attempts_of, choose_language, flashes, kiosk, login_code, press_start,
                       refusal)

PIN = "21505198512345"
PROCTOR = Actor("user", None, "proctor")


def _audit(app, action: str) -> list[AuditEntry]:
    with app.app_context():
        return list(db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == action)))


def test_code_of_room_a_is_refused_on_a_terminal_of_room_b(loaded_bank, gworld):
    with loaded_bank.app_context():
        pid, code = add_candidate(gworld.session, PIN)
    room_b = kiosk(loaded_bank, gworld.secret_b)
    r = login_code(room_b, code)
    assert r.status_code == 303 and r.headers["Location"].endswith("/kiosk/")
    with loaded_bank.app_context():
        expected = refusal(loaded_bank, "This code is for another room (%(room)s). Please go to your room or call "
                                        "the proctor.", room="Зал A")
    assert set(flashes(room_b)) & expected
    # Not a wrong code (no lockout count), but audited, with both rooms.
    [entry] = _audit(loaded_bank, "kiosk.code_wrong_room")
    assert entry.details["terminal_room"] == gworld.room_b and entry.details["session_room"] == gworld.room_a
    assert _audit(loaded_bank, "kiosk.code_failed") == []
    # The same code works in its own room.
    room_a = kiosk(loaded_bank, gworld.secret_a)
    assert login_code(room_a, code).headers["Location"].endswith("/kiosk/confirm")
    choose_language(room_a)
    assert press_start(room_a).headers["Location"].endswith("/kiosk/exam")
    assert [a.terminal_id for a in attempts_of(loaded_bank, pid)] == [gworld.terminal_a]


def test_start_service_refuses_a_terminal_of_another_room(loaded_bank, gworld):
    from examserver.core.errors import ServiceError
    from examserver.exam import attempts

    with loaded_bank.app_context():
        pid, _code = add_candidate(gworld.session, PIN)
        participant = db.session.get(Participant, pid)
        try:
            attempts.start_attempt(participant, db.session.get(Terminal, gworld.terminal_b), "ky")
        except ServiceError as exc:
            assert exc.code == "wrong_room" and exc.status == 403
        else:
            raise AssertionError("started on a terminal of another room")
        db.session.rollback()
    assert attempts_of(loaded_bank, pid) == []


def test_proctor_move_is_the_one_way_across_rooms(loaded_bank, gworld):
    with loaded_bank.app_context():
        pid, code = add_candidate(gworld.session, PIN)
    room_a = kiosk(loaded_bank, gworld.secret_a)
    login_code(room_a, code)
    choose_language(room_a)
    press_start(room_a)
    with loaded_bank.app_context():
        [attempt] = attempts_of(loaded_bank, pid)
        attempt = db.session.merge(attempt)
        timer.move_attempt(attempt, db.session.get(Terminal, gworld.terminal_b), "screen broke", PROCTOR)
        db.session.commit()
    room_b = kiosk(loaded_bank, gworld.secret_b)
    # The moved attempt continues in room B, and its code is accepted there again.
    assert room_b.get("/kiosk/").headers["Location"].endswith("/kiosk/exam")
    assert room_b.get("/kiosk/api/state").status_code == 200
    assert login_code(room_b, code).headers["Location"].endswith("/kiosk/exam")
    assert _audit(loaded_bank, "attempt.move")


def _logged_in(loaded_bank, gworld, pin: str = PIN):
    """A candidate who typed a valid code on terminal A-1 and chose the language (not started)."""
    with loaded_bank.app_context():
        pid, code = add_candidate(gworld.session, pin)
    client = kiosk(loaded_bank, gworld.secret_a)
    assert login_code(client, code).headers["Location"].endswith("/kiosk/confirm")
    choose_language(client)
    return client, pid, code


def _refused_start(loaded_bank, client, pid, message: str, **params):
    r = press_start(client)
    assert r.status_code == 303 and r.headers["Location"].endswith("/kiosk/"), r.headers.get("Location")
    assert set(flashes(client)) & refusal(loaded_bank, message, **params), flashes(client)
    assert attempts_of(loaded_bank, pid) == []


def test_not_admitted_after_login_cannot_start(loaded_bank, gworld):
    client, pid, code = _logged_in(loaded_bank, gworld)
    with loaded_bank.app_context():
        registration.set_admission(db.session.get(Participant, pid), False, "documents incomplete", PROCTOR)
        db.session.commit()
    _refused_start(loaded_bank, client, pid, "You are not admitted to this test. Please call the proctor.")
    # And the code is dead at the login door too.
    assert login_code(client, code).headers["Location"].endswith("/kiosk/")


def test_reissued_code_kills_the_old_login(loaded_bank, gworld):
    client, pid, old = _logged_in(loaded_bank, gworld)
    with loaded_bank.app_context():
        new = codes.issue_code(db.session.get(Participant, pid), PROCTOR)
        db.session.commit()
    _refused_start(loaded_bank, client, pid, "This code no longer works (a new code was issued or it was "
                                             "withdrawn). Please call the proctor.")
    assert login_code(client, old).headers["Location"].endswith("/kiosk/")
    assert login_code(client, new).headers["Location"].endswith("/kiosk/confirm")
    choose_language(client)
    assert press_start(client).headers["Location"].endswith("/kiosk/exam")


def test_a_login_without_the_code_remembered_cannot_start(loaded_bank, gworld):
    """A browser session forged or kept from before (no code id) is refused at start."""
    client, pid, _code = _logged_in(loaded_bank, gworld)
    with client.session_transaction() as sess:
        sess["kiosk_login"] = {k: v for k, v in sess["kiosk_login"].items() if k != "code"}
    _refused_start(loaded_bank, client, pid, "This code no longer works (a new code was issued or it was "
                                             "withdrawn). Please call the proctor.")


def test_closed_session_accepts_no_start_and_no_login(loaded_bank, gworld):
    """The session protocol signed at close lists the candidate absent; nothing may contradict it."""
    client, pid, code = _logged_in(loaded_bank, gworld)
    with loaded_bank.app_context():
        protocol = sessions.close_session(db.session.get(ExamSession, gworld.session), PROCTOR, "end of day")
        db.session.commit()
        record = json.loads(protocol.record)
    assert record["participants"] and all(not row.get("protocol") for row in record["participants"])
    _refused_start(loaded_bank, client, pid, "This exam session is closed. Please call the proctor.")
    r = login_code(kiosk(loaded_bank, gworld.secret_a2), code)
    assert r.headers["Location"].endswith("/kiosk/")
    assert attempts_of(loaded_bank, pid) == []


def test_planned_session_accepts_no_login(loaded_bank, gworld):
    with loaded_bank.app_context():
        session = db.session.get(ExamSession, gworld.session)
        session.state = SessionState.PLANNED
        pid, code = add_candidate(gworld.session, PIN)
    client = kiosk(loaded_bank, gworld.secret_a)
    assert login_code(client, code).headers["Location"].endswith("/kiosk/")
    assert set(flashes(client)) & refusal(loaded_bank, "The exam session is not open. Please wait for the proctor.")


def test_absent_after_login_cannot_start(loaded_bank, gworld):
    client, pid, _code = _logged_in(loaded_bank, gworld)
    with loaded_bank.app_context():
        registration.mark_no_show(db.session.get(Participant, pid), "did not come", PROCTOR)
        db.session.commit()
    _refused_start(loaded_bank, client, pid, "You are marked absent. Please call the proctor.")


def test_no_second_candidate_on_a_busy_terminal(loaded_bank, gworld):
    client, pid, _code = _logged_in(loaded_bank, gworld)
    assert press_start(client).headers["Location"].endswith("/kiosk/exam")
    with loaded_bank.app_context():
        other, code2 = add_candidate(gworld.session, "10102200000017")
    # A crafted POST of another code on the busy terminal (its page shows the running exam)...
    second = kiosk(loaded_bank, gworld.secret_a)
    busy = refusal(loaded_bank, "Another candidate's test runs on this terminal. Please call the proctor.")
    assert login_code(second, code2).headers["Location"].endswith("/kiosk/")
    assert set(flashes(second)) & busy
    # ... and a start from a login made before the terminal got busy.
    with loaded_bank.app_context():
        from examserver.exam import attempts

        with_a2 = kiosk(loaded_bank, gworld.secret_a2)
        assert login_code(with_a2, code2).headers["Location"].endswith("/kiosk/confirm")
        participant = db.session.get(Participant, other)
        try:
            attempts.start_attempt(participant, db.session.get(Terminal, gworld.terminal_a), "ky")
        except Exception as exc:  # noqa: BLE001 - the refusal's code is checked
            assert getattr(exc, "code", None) == "terminal_busy"
        else:
            raise AssertionError("a second attempt started on a busy terminal")
        db.session.rollback()
    assert attempts_of(loaded_bank, other) == []
