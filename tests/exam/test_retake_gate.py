"""Retake period (seed 003 §28) at every door: registration, code issue, code
login and attempt start, across sessions, by personal number, per position
group (or every group by setting); the period ends on the same calendar date a
year later (29 February -> 1 March)."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from examserver.core.audit import Actor
from examserver.core.errors import ServiceError
from examserver.db import db
from examserver.exam import attempts, codes, retake
from examserver.models import ExamSession, FinishReason, Participant, Position, Room, Terminal
from tests.factories import make_open_session

from .conftest import add_candidate, choose_language, flashes, kiosk, login_code, press_start

PIN = "21505198512345"
PROCTOR = Actor("user", None, "proctor")
RETAKE_TEXT = "This person did not reach the threshold for group %(group)s and may retake it from %(date)s."
KIOSK_TEXT = ("You did not reach the threshold for group %(group)s and may sit it again from %(date)s. "
              "Please call the proctor.")


@pytest.mark.parametrize("failed, years, expected", [
    (date(2026, 3, 10), 1, date(2027, 3, 10)),
    (date(2028, 2, 29), 1, date(2029, 3, 1)),   # no 29 February: the day after 28 February
    (date(2028, 2, 28), 1, date(2029, 2, 28)),
    (date(2027, 2, 28), 1, date(2028, 2, 28)),  # into a leap year: still the same date
    (date(2028, 2, 29), 4, date(2032, 2, 29)),  # leap to leap: the same date exists
    (date(2026, 12, 31), 1, date(2027, 12, 31)),
])
def test_anniversary(failed, years, expected):
    assert retake.anniversary(failed, years) == expected


@pytest.mark.parametrize("finished_utc, again_utc", [
    # 09:00 in Bishkek (UTC+6) -> local midnight of the same date a year later
    (datetime(2026, 11, 23, 3, 0), datetime(2027, 11, 22, 18, 0)),
    # 01:30 on 10 March in Bishkek is still 9 March in UTC: the local date counts
    (datetime(2026, 3, 9, 19, 30), datetime(2027, 3, 9, 18, 0)),
    # failed on 29 February 2028 (local) -> from 1 March 2029, local midnight
    (datetime(2028, 2, 29, 4, 0), datetime(2029, 2, 28, 18, 0)),
])
def test_period_ends_at_local_midnight_of_the_anniversary(app, finished_utc, again_utc):
    with app.app_context():
        end = retake.period_end(finished_utc.replace(tzinfo=timezone.utc), 1)
    assert end == again_utc.replace(tzinfo=timezone.utc)


def _second_session(gworld) -> int:
    """An open session in room B (another sitting the same person was registered in)."""
    from examserver.models import Centre

    centre = db.session.get(Centre, gworld.centre)
    session = make_open_session(centre, db.session.get(Room, gworld.room_b), title="Second")
    db.session.commit()
    return session.id


def _fail(loaded_bank, participant_id: int, terminal_id: int) -> None:
    """The participant sits and fails (no answers) through the attempt service."""
    with loaded_bank.app_context():
        participant = db.session.get(Participant, participant_id)
        attempt = attempts.start_attempt(participant, db.session.get(Terminal, terminal_id), "ky")
        attempts.finish_attempt(attempt, FinishReason.SUBMITTED)
        assert attempt.verdict == "does_not_meet"
        db.session.commit()


def _retake_texts(app, group: str, allowed: date, text: str = RETAKE_TEXT) -> set[str]:
    from flask_babel import force_locale, format_date
    from flask_babel import gettext as _

    texts = set()
    with app.test_request_context():
        for lang in ("ky", "ru", "en"):
            with force_locale(lang):
                texts.add(_(text, group=group, date=format_date(allowed, "long")))
    return texts


def test_failure_in_one_session_stops_the_other_at_login_and_start(loaded_bank, gworld):
    """Registered in two sessions before failing: the second sitting is refused at each door."""
    with loaded_bank.app_context():
        first, _code1 = add_candidate(gworld.session, PIN)
        second_session = _second_session(gworld)
        second, code2 = add_candidate(second_session, PIN)
        late, late_code = add_candidate(second_session, PIN[:-1] + "9")  # another person, the control
    # The person logs in at room B (before failing in room A) and waits at the instructions.
    waiting = kiosk(loaded_bank, gworld.secret_b)
    assert login_code(waiting, code2).headers["Location"].endswith("/kiosk/confirm")
    choose_language(waiting)
    _fail(loaded_bank, first, gworld.terminal_a)
    expected = _retake_texts(loaded_bank, "У-А", date(2027, 11, 23), KIOSK_TEXT)
    # Start: refused, with the date.
    r = press_start(waiting)
    assert r.headers["Location"].endswith("/kiosk/"), r.headers.get("Location")
    assert set(flashes(waiting)) & expected, flashes(waiting)
    # Login: refused, with the date.
    fresh = kiosk(loaded_bank, gworld.secret_b)
    assert login_code(fresh, code2).headers["Location"].endswith("/kiosk/")
    assert set(flashes(fresh)) & expected
    # Code issue: refused, with the date.
    with loaded_bank.app_context():
        with pytest.raises(ServiceError) as refused:
            codes.issue_code(db.session.get(Participant, second), PROCTOR)
        assert refused.value.code == "retake" and refused.value.message in _retake_texts(
            loaded_bank, "У-А", date(2027, 11, 23))
        db.session.rollback()
    with loaded_bank.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(
            sa.select(attempts.Attempt).where(attempts.Attempt.participant_id == second).subquery())) == 0
    # Another person in the same session is not concerned.
    assert login_code(fresh, late_code).headers["Location"].endswith("/kiosk/confirm")
    choose_language(fresh)
    assert press_start(fresh).headers["Location"].endswith("/kiosk/exam")
    assert late


def test_period_ends_at_local_midnight_a_year_later(loaded_bank, gworld, clock):
    with loaded_bank.app_context():
        first, _code = add_candidate(gworld.session, PIN)
        second_session = _second_session(gworld)
        second, _code2 = add_candidate(second_session, PIN, code=False)
    _fail(loaded_bank, first, gworld.terminal_a)  # 2026-11-23 09:00 in Bishkek
    clock.advance(seconds=(datetime(2027, 11, 22, 18, 0, tzinfo=timezone.utc) - clock.now()).total_seconds() - 1)
    with loaded_bank.app_context():
        with pytest.raises(ServiceError):
            codes.issue_code(db.session.get(Participant, second), PROCTOR)
        db.session.rollback()
    clock.advance(seconds=1)  # 2027-11-23 00:00 in Bishkek
    with loaded_bank.app_context():
        assert codes.issue_code(db.session.get(Participant, second), PROCTOR)
        db.session.commit()


def test_other_group_is_free_unless_the_setting_covers_every_group(loaded_bank, gworld):
    with loaded_bank.app_context():
        other = Position(code="TEST-POS-2", title={"ky": "Башкы адис", "ru": "Главный специалист"},
                         department={"ky": "Бөлүм", "ru": "Отдел"}, group_code="Б-А", blueprint_code="TEST-U-A")
        db.session.add(other)
        db.session.commit()
        first, _code = add_candidate(gworld.session, PIN)
        second_session = _second_session(gworld)
        second, _code2 = add_candidate(second_session, PIN, position="TEST-POS-2", code=False)
    _fail(loaded_bank, first, gworld.terminal_a)
    with loaded_bank.app_context():
        assert codes.issue_code(db.session.get(Participant, second), PROCTOR)
        db.session.rollback()
    loaded_bank.config["RETAKE_EVERY_GROUP"] = True
    with loaded_bank.app_context():
        with pytest.raises(ServiceError) as refused:
            codes.issue_code(db.session.get(Participant, second), PROCTOR)
        assert refused.value.code == "retake" and "Б-А" in refused.value.message
        db.session.rollback()


def test_registration_refuses_within_the_period(loaded_bank, gworld):
    from examserver.registration import participants as registration

    with loaded_bank.app_context():
        first, _code = add_candidate(gworld.session, PIN)
        second_session = _second_session(gworld)
    _fail(loaded_bank, first, gworld.terminal_a)
    with loaded_bank.app_context():
        with pytest.raises(registration.ImportRefused) as refused:
            registration.register_participant(db.session.get(ExamSession, second_session), {
                "surname": "Асанова", "name": "Гүлнара", "pin": PIN, "id_document": "AN1234567",
                "position": "TEST-POS-1"}, PROCTOR)
        [problem] = refused.value.problems
        assert problem.field == "pin" and problem.message in _retake_texts(loaded_bank, "У-А", date(2027, 11, 23))
        db.session.rollback()
