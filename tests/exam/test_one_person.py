"""One person, one running test (invariant 12): the same personal number registered
in two sessions cannot start the second test while the first is unfinished (in
progress or paused) on another terminal; refused at the code login and again at
the start (under the start's locks), audited, never a 500; once the first test is
finished, the second may start."""
from __future__ import annotations

import sqlalchemy as sa

from examserver.db import db
from examserver.exam import attempts
from examserver.models import Attempt, AttemptState, AuditEntry, Centre, Participant, Room, Terminal
from tests.factories import make_open_session

from .conftest import add_candidate, attempts_of, choose_language, flashes, kiosk, login_code, press_start, refusal
from .test_races import start_both_at_once

PIN = "21505198512399"
BUSY = "Your test in another session is not finished yet. Finish that test first, or ask the proctor to finish it."


def _second_session(app, gworld) -> int:
    """A second open session, in room B (terminal B-1)."""
    with app.app_context():
        session = make_open_session(db.session.get(Centre, gworld.centre), db.session.get(Room, gworld.room_b),
                                    title="Второй конкурс")
        db.session.commit()
        return session.id


def _audit(app, action: str) -> list[AuditEntry]:
    with app.app_context():
        return list(db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == action)))


def _start(app, secret: str, code: str):
    client = kiosk(app, secret)
    assert login_code(client, code).headers["Location"].endswith("/kiosk/confirm")
    choose_language(client)
    return client


def _set_state(app, participant_id: int, state: AttemptState) -> None:
    """The participant's attempt paused, running again, or finished (without a verdict:
    a failure would start the retake period, another gate)."""
    with app.app_context():
        attempt = db.session.scalar(sa.select(Attempt).where(Attempt.participant_id == participant_id))
        attempt.state = state
        db.session.commit()


def test_a_person_with_a_running_test_cannot_log_in_or_start_in_another_session(loaded_bank, gworld):
    second = _second_session(loaded_bank, gworld)
    with loaded_bank.app_context():
        first_pid, first_code = add_candidate(gworld.session, PIN)
        second_pid, second_code = add_candidate(second, PIN)
    busy = refusal(loaded_bank, BUSY)
    # Logged in in the second session before the first test started: the login passes...
    early = _start(loaded_bank, gworld.secret_b, second_code)
    # ... the first test starts on A-1 ...
    assert press_start(_start(loaded_bank, gworld.secret_a, first_code)).headers["Location"].endswith("/kiosk/exam")
    # ... and the start of the second is refused under its locks, audited.
    r = press_start(early)
    assert r.status_code == 303 and r.headers["Location"].endswith("/kiosk/"), r.headers.get("Location")
    assert set(flashes(early)) & busy, flashes(early)
    assert attempts_of(loaded_bank, second_pid) == []
    assert [e.object_id for e in _audit(loaded_bank, "kiosk.person_busy")] == [str(second_pid)]
    # The code login refuses too, in progress and paused, audited each time; no wrong-code count.
    for state in (AttemptState.IN_PROGRESS, AttemptState.PAUSED):
        _set_state(loaded_bank, first_pid, state)
        client = kiosk(loaded_bank, gworld.secret_b)
        assert login_code(client, second_code).headers["Location"].endswith("/kiosk/")
        assert set(flashes(client)) & busy, flashes(client)
    assert len(_audit(loaded_bank, "kiosk.person_busy")) == 3
    assert _audit(loaded_bank, "kiosk.code_failed") == []
    # The service says 409.
    with loaded_bank.app_context():
        participant = db.session.get(Participant, second_pid)
        try:
            attempts.start_attempt(participant, db.session.get(Terminal, gworld.terminal_b), "ky")
        except Exception as exc:  # noqa: BLE001 - the refusal's code and status are checked
            assert (getattr(exc, "code", None), getattr(exc, "status", None)) == ("person_busy", 409)
        else:
            raise AssertionError("a second test of one person started")
        db.session.rollback()
    # The first test finished: the second may start.
    _set_state(loaded_bank, first_pid, AttemptState.FINISHED)
    assert press_start(_start(loaded_bank, gworld.secret_b, second_code)).headers["Location"].endswith("/kiosk/exam")
    assert len(attempts_of(loaded_bank, second_pid)) == 1


def test_another_person_and_a_finished_test_do_not_block(loaded_bank, gworld):
    second = _second_session(loaded_bank, gworld)
    with loaded_bank.app_context():
        _pid, first_code = add_candidate(gworld.session, PIN)
        other_pid, other_code = add_candidate(second, "10102200000017")
    assert press_start(_start(loaded_bank, gworld.secret_a, first_code)).headers["Location"].endswith("/kiosk/exam")
    assert press_start(_start(loaded_bank, gworld.secret_b, other_code)).headers["Location"].endswith("/kiosk/exam")
    assert _audit(loaded_bank, "kiosk.person_busy") == []
    assert len(attempts_of(loaded_bank, other_pid)) == 1


def test_one_person_started_in_two_sessions_at_once(loaded_bank, gworld):
    """Two starts of one person in two sessions at once: one wins, the other is told, never a 500."""
    busy = refusal(loaded_bank, BUSY)
    from .conftest import enrol

    for round_no in range(4):
        pin = f"2150519851230{round_no}"
        second = _second_session(loaded_bank, gworld)
        with loaded_bank.app_context():
            pids_codes = [add_candidate(gworld.session, pin), add_candidate(second, pin)]
            (_ta, secret_a), (_tb, secret_b) = (enrol(db.session.get(Room, gworld.room_a), f"P{round_no}a"),
                                                enrol(db.session.get(Room, gworld.room_b), f"P{round_no}b"))
            db.session.commit()
        clients = [_start(loaded_bank, secret_a, pids_codes[0][1]), _start(loaded_bank, secret_b, pids_codes[1][1])]
        winner = start_both_at_once(clients)
        assert set(flashes(clients[1 - winner])) & busy, flashes(clients[1 - winner])
        with loaded_bank.app_context():
            running = db.session.scalar(
                sa.select(sa.func.count(Attempt.id)).join(Participant, Participant.id == Attempt.participant_id)
                .where(Participant.pin == pin))
            assert running == 1
