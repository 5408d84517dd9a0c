"""Server time rules: answers until deadline + grace, finish on next touch and by
the sweep, pauses, extensions. Time moves only with the FrozenClock."""
from __future__ import annotations

import sqlalchemy as sa
from kiosk_helpers import answer, start_exam

from examserver.db import db
from examserver.models import Attempt, AttemptState, AuditEntry, FinishReason, Protocol
from examserver.exam import sweep
from examserver.exam import timer
from examserver.core.audit import Actor

DURATION = 30 * 60


def _attempt(app) -> Attempt:
    with app.app_context():
        return db.session.scalar(sa.select(Attempt))


def _opt(exam, slot):
    return exam["questions"][slot - 1]["options"][0]["id"]


def test_answer_exactly_at_deadline_and_at_deadline_plus_grace_is_accepted(kclient, candidate, clock, loaded_bank):
    exam = start_exam(kclient, candidate[1])
    grace = loaded_bank.config["ANSWER_GRACE_SECONDS"]
    clock.advance(seconds=DURATION)
    r = answer(kclient, 1, 1, [_opt(exam, 1)])
    assert r.status_code == 200 and r.get_json()["seconds_left"] == 0
    clock.advance(seconds=grace)
    assert answer(kclient, 2, 2, [_opt(exam, 2)]).status_code == 200
    assert _attempt(loaded_bank).state == AttemptState.IN_PROGRESS


def test_answer_after_grace_is_refused_logged_and_finishes(kclient, candidate, clock, loaded_bank):
    exam = start_exam(kclient, candidate[1])
    assert answer(kclient, 1, 1, [_opt(exam, 1)]).status_code == 200
    clock.advance(seconds=DURATION + loaded_bank.config["ANSWER_GRACE_SECONDS"] + 1)
    r = answer(kclient, 2, 2, [_opt(exam, 2)])
    assert r.status_code == 409 and r.get_json()["error"] == "deadline"
    attempt = _attempt(loaded_bank)
    assert attempt.state == AttemptState.FINISHED and attempt.finish_reason == FinishReason.DEADLINE
    assert attempt.score["answered"] == 1  # the late answer is not counted
    with loaded_bank.app_context():
        assert db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "attempt.late_event"))
        assert db.session.scalar(sa.select(Protocol).where(Protocol.attempt_id == attempt.id))
    assert "/kiosk/result" in kclient.get("/kiosk/exam").headers["Location"]


def test_next_touch_after_deadline_finishes(kclient, candidate, clock, loaded_bank):
    start_exam(kclient, candidate[1])
    clock.advance(seconds=DURATION + 60)
    r = kclient.get("/kiosk/api/state")
    assert r.get_json() == {"state": "finished"}
    assert _attempt(loaded_bank).finish_reason == FinishReason.DEADLINE
    assert kclient.get("/kiosk/").headers["Location"].endswith("/kiosk/result")


def test_kiosk_countdown_finish_is_checked_against_server_clock(kclient, candidate, clock, loaded_bank):
    start_exam(kclient, candidate[1])
    clock.advance(seconds=DURATION - 2)
    r = kclient.post("/kiosk/api/finish", json={"confirm": True, "reason": "deadline"})
    assert r.status_code == 409 and r.get_json()["error"] == "not_yet" and r.get_json()["seconds_left"] == 2
    clock.advance(seconds=2)
    r = kclient.post("/kiosk/api/finish", json={"confirm": True, "reason": "deadline"})
    assert r.get_json() == {"state": "finished", "reason": "deadline"}


def test_sweep_finishes_only_expired_attempts(kclient, candidate, clock, loaded_bank, runner):
    start_exam(kclient, candidate[1])
    clock.advance(seconds=DURATION + loaded_bank.config["ANSWER_GRACE_SECONDS"])
    result = runner.invoke(args=["sweep"])
    assert result.exit_code == 0 and "finished 0 attempt(s)" in result.output
    clock.advance(seconds=1)
    result = runner.invoke(args=["sweep"])
    assert result.exit_code == 0 and "finished 1 attempt(s)" in result.output
    assert _attempt(loaded_bank).state == AttemptState.FINISHED
    # The terminal shows the result even though the server finished it.
    assert kclient.get("/kiosk/").headers["Location"].endswith("/kiosk/result")
    assert "id=\"total-points\"" in kclient.get("/kiosk/result").get_data(as_text=True)
    kclient.post("/kiosk/done")
    assert kclient.get("/kiosk/").status_code == 200
    # A second sweep (another worker) finds nothing to do.
    with loaded_bank.app_context():
        assert sweep.sweep_expired(clock.now()) == 0
        db.session.commit()
        finishes = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "attempt.finish")).all()
        assert len(finishes) == 1


def test_background_sweep_run_once(kclient, candidate, clock, loaded_bank):
    start_exam(kclient, candidate[1])
    clock.advance(hours=1)
    assert sweep.run_once(loaded_bank) == 1
    assert _attempt(loaded_bank).state == AttemptState.FINISHED


def test_pause_refuses_answers_and_gives_time_back(kclient, candidate, clock, loaded_bank):
    exam = start_exam(kclient, candidate[1])
    clock.advance(minutes=10)
    with loaded_bank.app_context():
        timer.pause(db.session.scalar(sa.select(Attempt)), "power cut", Actor.cli())
        db.session.commit()
    clock.advance(minutes=30)  # far past the original deadline, but paused
    r = answer(kclient, 1, 1, [_opt(exam, 1)])
    assert r.status_code == 409 and r.get_json()["error"] == "paused" and r.get_json()["state"] == "paused"
    state = kclient.get("/kiosk/api/state").get_json()
    assert state["state"] == "paused" and state["seconds_left"] == 20 * 60
    with loaded_bank.app_context():
        timer.resume(db.session.scalar(sa.select(Attempt)), "power back", Actor.cli())
        db.session.commit()
    # The pause and resume took seq 1 and 2: the kiosk learns to renumber.
    r = answer(kclient, 1, 1, [_opt(exam, 1)])
    assert r.status_code == 409 and r.get_json()["error"] == "seq_taken" and r.get_json()["expected"] == 3
    r = answer(kclient, 3, 1, [_opt(exam, 1)])
    assert r.status_code == 200 and r.get_json()["seconds_left"] == 20 * 60


def test_extension_moves_the_deadline_shown(kclient, candidate, clock, loaded_bank):
    exam = start_exam(kclient, candidate[1])
    with loaded_bank.app_context():
        timer.extend(db.session.scalar(sa.select(Attempt)), 5, "slow terminal", Actor.cli())
        db.session.commit()
    clock.advance(seconds=DURATION + 60)
    r = answer(kclient, 2, 1, [_opt(exam, 1)])
    assert r.status_code == 200 and r.get_json()["seconds_left"] == 4 * 60
