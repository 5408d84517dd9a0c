"""Fixtures for protocol tests: a centre, a session and finished attempts.

Attempts are built from rows here (form drawn with question_bank.drawing,
scored with question_bank.scoring) so the protocol tests do not depend on the
kiosk's services; every value is fixed so records are reproducible.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from examserver.db import db
from examserver.models import (AdjustmentKind, Admission, Attempt, AttemptState, Centre, ExamBlueprint,
                               ExamSession, FinishReason, Participant, Position, Role, Room, SessionState,
                               Terminal, TerminalState, TimeAdjustment, User)
from examserver.bank.store import stored_items
from question_bank.blueprint import Blueprint
from question_bank.drawing import draw_form
from question_bank.scoring import score_form

START = datetime(2026, 11, 23, 3, 0, tzinfo=timezone.utc)
KY_NAME = ("Үсөнбаева", "Айгүл", "Жеңишбековна")


@pytest.fixture
def world(loaded_bank, ctx):
    """Centre BISH, room, proctor, an open session and an enrolled terminal (ids are stable)."""
    centre = Centre(code="BISH", name={"ky": "Бишкек тестирлөө борбору", "ru": "Бишкекский центр тестирования"},
                    address="Бишкек, Чүй пр. 1")
    db.session.add(centre)
    db.session.flush()
    room = Room(centre_id=centre.id, name="Зал 1", seats=30)
    proctor = User(username="proctor1", full_name="Токтогулов Бакыт", role=Role.PROCTOR, centre_id=centre.id,
                   password_hash="x", created_at=START)
    db.session.add_all([room, proctor])
    db.session.flush()
    session = ExamSession(centre_id=centre.id, room_id=room.id, title="Конкурс 2026-11", session_date=date(2026, 11, 23),
                          starts_at=START, state=SessionState.OPEN, proctor_id=proctor.id, created_at=START,
                          opened_at=START)
    terminal = Terminal(secret_hash="f" * 64, state=TerminalState.ENROLLED, centre_id=centre.id, room_id=room.id,
                        seat="A-07", created_at=START, enrolled_at=START)
    db.session.add_all([session, terminal])
    db.session.flush()
    return {"centre": centre, "room": room, "proctor": proctor, "session": session, "terminal": terminal}


def make_participant(world, pin: str, surname: str, name: str, patronymic: str = "", language: str = "ky",
                     admission: Admission = Admission.ADMITTED) -> Participant:
    position = db.session.scalar(sa.select(Position).where(Position.code == "TEST-POS-1"))
    p = Participant(session_id=world["session"].id, surname=surname, name=name, patronymic=patronymic, pin=pin,
                    id_document="ID" + pin[-7:], position_id=position.id, language=language, admission=admission,
                    seat="A-07", created_at=START)
    db.session.add(p)
    db.session.flush()
    return p


def make_finished_attempt(world, participant: Participant, seed: int = 12345, correct_slots: int = 5,
                          extension_seconds: int = 300) -> Attempt:
    """An attempt drawn with ``seed``, with the first ``correct_slots`` answered correctly, finished."""
    row = db.session.scalar(sa.select(ExamBlueprint).where(ExamBlueprint.code == "TEST-U-A"))
    blueprint = Blueprint.from_dict(row.payload)
    items = {i.ref: i for i in stored_items()}
    form = draw_form(blueprint, items.values(), seed)
    answers = {}
    for slot in form.slots:
        item = items[slot.item_ref]
        if slot.index <= correct_slots:
            answers[slot.index] = frozenset(item.key)
        else:
            answers[slot.index] = frozenset([next(o for o in slot.option_order if o not in item.key)])
    report = score_form(form, items, blueprint, answers)
    started = START + timedelta(minutes=5)
    attempt = Attempt(participant_id=participant.id, session_id=world["session"].id, terminal_id=world["terminal"].id,
                      blueprint_id=row.id, language=participant.language, seed=seed, form=form.to_dict(),
                      form_digest=form.digest(), state=AttemptState.FINISHED, started_at=started,
                      duration_seconds=blueprint.duration_minutes * 60,
                      deadline_at=started + timedelta(minutes=blueprint.duration_minutes, seconds=extension_seconds),
                      finished_at=started + timedelta(minutes=21, seconds=17), finish_reason=FinishReason.SUBMITTED,
                      last_seq=len(answers) + 1, journal_head="ab" * 32, answered_count=len(answers),
                      question_count=len(form.slots), score=report.to_dict(), total_points=report.total_points,
                      max_points=report.max_points, verdict=report.verdict)
    db.session.add(attempt)
    db.session.flush()
    if extension_seconds:
        db.session.add(TimeAdjustment(attempt_id=attempt.id, kind=AdjustmentKind.EXTENSION, seconds=extension_seconds,
                                      reason="Электр жарыгы өчтү", actor_id=world["proctor"].id,
                                      created_at=started + timedelta(minutes=10)))
        db.session.flush()
    return attempt


@pytest.fixture
def finished_attempt(world):
    """A finished attempt of a Kyrgyz-speaking candidate whose name has ң ө ү (meets: 5 of 7 correct)."""
    participant = make_participant(world, "21234567890123", *KY_NAME)
    return make_finished_attempt(world, participant)


@pytest.fixture
def signing_dir(app):
    """The app's key folder (a fresh temporary folder per test)."""
    from pathlib import Path

    return Path(app.config["SIGNING_KEY_DIR"])
