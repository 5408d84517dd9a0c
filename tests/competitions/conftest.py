"""Fixtures of the competition tests: a centre with an administrator, an open
main session in one room with an enrolled terminal, and candidates who sit the
small test bank's 7-question test through the real attempt service."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest
import sqlalchemy as sa

from examserver import clock as clock_mod
from examserver.db import db
from examserver.models import (Admission, Attempt, Centre, Competition, ExamSession, FinishReason, Participant,
                               Position, Role, Room, SessionState, Terminal, TerminalState)
from examserver.core import accounts
from examserver.core.audit import Actor
from examserver.exam import attempts
from examserver.competitions import announce
from tests.factories import make_centre, make_open_session, make_room

PASSWORD = "correct horse battery"


@dataclass
class CompWorld:
    centre: int
    room: int
    session: int
    terminal: int
    admin: int


@pytest.fixture
def cworld(loaded_bank) -> CompWorld:
    """The competition test world, committed."""
    with loaded_bank.app_context():
        now = clock_mod.now()
        centre = make_centre()
        room = make_room(centre)
        admin = accounts.create_user("admin", PASSWORD, Role.ADMIN, "Айгүл Сыдыкова", None)
        session = make_open_session(centre, room, title="Конкурс: директор мектеби")
        terminal = Terminal(secret_hash="c" * 64, state=TerminalState.ENROLLED, centre_id=centre.id,
                            room_id=room.id, seat="A-01", created_at=now, enrolled_at=now)
        db.session.add(terminal)
        db.session.commit()
        return CompWorld(centre.id, room.id, session.id, terminal.id, admin.id)


def actor(world: CompWorld) -> Actor:
    return Actor("user", world.admin, "admin", None)


def make_competition(world: CompWorld, rule_set: str = "education", code: str = "EDU-1",
                     link: bool = True) -> Competition:
    centre = db.session.get(Centre, world.centre)
    position = db.session.scalar(sa.select(Position).where(Position.code == "TEST-POS-1"))
    comp = announce.announce(centre, position, code, "Мектеп директору", rule_set, date(2026, 11, 20),
                             date(2026, 11, 23), actor(world))
    if link:
        announce.link_session(comp, db.session.get(ExamSession, world.session), actor(world))
    return comp


def register(world: CompWorld, pin: str, surname: str = "Асанов", session_id: int | None = None,
             language: str = "ky", admitted: bool = True) -> Participant:
    position = db.session.scalar(sa.select(Position).where(Position.code == "TEST-POS-1"))
    p = Participant(session_id=session_id or world.session, surname=surname, name="Бакыт", patronymic="", pin=pin,
                    id_document="AN" + pin[-7:], position_id=position.id, language=language,
                    admission=Admission.ADMITTED if admitted else Admission.NOT_ADMITTED,
                    admission_reason="" if admitted else "Документтер толук эмес", created_at=clock_mod.now())
    db.session.add(p)
    db.session.flush()
    return p


def answer(attempt: Attempt, correct: int) -> None:
    """The first ``correct`` questions right, the rest wrong; then finish."""
    items = attempts.items_of(attempt)
    for slot in attempts.form_of(attempt).slots:
        item = items[slot.item_ref]
        chosen = sorted(item.key) if slot.index <= correct else [next(o for o in slot.option_order
                                                                      if o not in item.key)]
        attempts.record_event(attempt, attempt.last_seq + 1, "answer",
                              {"slot": slot.index, "selected": chosen, "input": "click"}, "")
    attempts.finish_attempt(attempt, FinishReason.SUBMITTED)


def sit(world: CompWorld, participant: Participant, correct: int) -> Attempt:
    """Start and finish ``participant``'s test with ``correct`` right answers."""
    attempt = attempts.start_attempt(participant, db.session.get(Terminal, world.terminal), participant.language)
    answer(attempt, correct)
    return attempt


def candidate(world: CompWorld, pin: str, correct: int, surname: str = "Асанов") -> Participant:
    p = register(world, pin, surname)
    sit(world, p, correct)
    return p


def close(session_id: int) -> None:
    session = db.session.get(ExamSession, session_id)
    session.state = SessionState.CLOSED
    session.closed_at = clock_mod.now()
    db.session.flush()


def room(world: CompWorld) -> Room:
    return db.session.get(Room, world.room)


def past_appeal_window() -> None:
    """Move the app's clock past the 1-hour appeal window of the tests just taken
    (a competition protocol is signed only when no appeal can change a score)."""
    from flask import current_app

    current_app.config["CLOCK"].advance(minutes=61)
