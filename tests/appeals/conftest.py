"""Fixtures of the appeal tests: a centre with a proctor, a commission's worth of
accounts (each with a personal signing key), an open session, an enrolled
terminal, and finished attempts made through the real attempt service (so the
journal is the kiosk's)."""
from __future__ import annotations

from dataclasses import dataclass

import pytest
import sqlalchemy as sa

from examserver import clock as clock_mod
from examserver.db import db
from examserver.models import (Admission, Attempt, FinishReason, Participant, Position, Role, Terminal,
                               TerminalState)
from examserver.core import accounts
from examserver.exam import attempts
from examserver.core.audit import Actor
from tests.factories import make_centre, make_open_session, make_room

PASSWORD = "correct horse battery"
MEMBERS = ["member1", "member2", "member3", "member4", "member5", "member6"]


@dataclass
class AppealWorld:
    """Ids of what ``aworld`` made (safe to use across requests)."""

    centre: int
    other_centre: int
    session: int
    terminal: int
    users: dict[str, int]


def build_world() -> AppealWorld:
    now = clock_mod.now()
    centre = make_centre()
    other = make_centre("OSH", "Ош борбору", "Ошский центр")
    room = make_room(centre)
    users = {}
    for username, role, c in ([("proctor", Role.PROCTOR, centre), ("chair", Role.CHAIR, centre),
                               ("admin", Role.ADMIN, None), ("proctor_osh", Role.PROCTOR, other),
                               ("member_osh", Role.MEMBER, other)]
                              + [(m, Role.MEMBER, centre) for m in MEMBERS]):
        users[username] = accounts.create_user(username, PASSWORD, role, username.title() + " Уулу", c).id
    session = make_open_session(centre, room, proctor_id=users["proctor"], title="Конкурс 2026-11")
    terminal = Terminal(secret_hash="e" * 64, state=TerminalState.ENROLLED, centre_id=centre.id, room_id=room.id,
                        seat="A-01", created_at=now, enrolled_at=now)
    db.session.add(terminal)
    db.session.flush()
    return AppealWorld(centre.id, other.id, session.id, terminal.id, users)


@pytest.fixture
def aworld(loaded_bank) -> AppealWorld:
    """The appeal test world, committed."""
    with loaded_bank.app_context():
        world = build_world()
        db.session.commit()
        return world


def add_participant(world: AppealWorld, pin: str, language: str = "ky") -> Participant:
    position = db.session.scalar(sa.select(Position).where(Position.code == "TEST-POS-1"))
    p = Participant(session_id=world.session, surname="Асанова", name="Гүлнара", patronymic="Өмүрбековна", pin=pin,
                    id_document="AN" + pin[-7:], position_id=position.id, language=language,
                    admission=Admission.ADMITTED, created_at=clock_mod.now())
    db.session.add(p)
    db.session.flush()
    return p


def take_test(world: AppealWorld, pin: str, answers: list[tuple[int, list[str], str]] | None = None,
              correct: int = 4, language: str = "ky") -> Attempt:
    """Start, answer and finish an attempt through the attempt service.

    Without ``answers``: the first ``correct`` questions right (by key), the
    rest wrong. Each answer is ``(slot, selected option ids, input)``.
    """
    participant = add_participant(world, pin, language)
    terminal = db.session.get(Terminal, world.terminal)
    attempt = attempts.start_attempt(participant, terminal, language)
    if answers is None:
        items = attempts.items_of(attempt)
        answers = []
        for slot in attempts.form_of(attempt).slots:
            item = items[slot.item_ref]
            chosen = sorted(item.key) if slot.index <= correct else \
                [next(o for o in slot.option_order if o not in item.key)]
            answers.append((slot.index, chosen, "key:" + str(slot.option_order.index(chosen[0]) + 1)))
    for slot, selected, how in answers:
        attempts.record_event(attempt, attempt.last_seq + 1, "answer",
                              {"slot": slot, "selected": selected, "input": how}, "2026-11-23T09:10:00+06:00")
    attempts.finish_attempt(attempt, FinishReason.SUBMITTED)
    return attempt


@pytest.fixture
def terminal_actor(aworld) -> Actor:
    return Actor("terminal", aworld.terminal, f"terminal {aworld.terminal}", aworld.centre)
