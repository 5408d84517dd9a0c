"""Builders of the objects many tests need: a centre, a room, an open session,
an admitted candidate with an access code. Call inside an app context; they
flush and never commit."""
from __future__ import annotations

from datetime import date

from examserver import clock
from examserver.db import db
from examserver.models import Centre, ExamSession, Participant, Room, SessionState
from examserver.exam import codes
from examserver.registration import participants as registration
from examserver.core.audit import Actor


def make_centre(code: str = "BISH", ky: str = "Бишкек борбору", ru: str = "Бишкекский центр") -> Centre:
    centre = Centre(code=code, name={"ky": ky, "ru": ru}, address="")
    db.session.add(centre)
    db.session.flush()
    return centre


def make_room(centre: Centre, name: str = "Зал 1", seats: int = 30) -> Room:
    room = Room(centre_id=centre.id, name=name, seats=seats)
    db.session.add(room)
    db.session.flush()
    return room


def make_open_session(centre: Centre, room: Room, proctor_id: int | None = None, title: str = "Конкурс") -> ExamSession:
    """A session opened now, for today, in ``room``."""
    now = clock.now()
    session = ExamSession(centre_id=centre.id, room_id=room.id, title=title, session_date=date(2026, 11, 23),
                          starts_at=now, state=SessionState.OPEN, proctor_id=proctor_id, created_at=now,
                          opened_at=now)
    db.session.add(session)
    db.session.flush()
    return session


def make_admitted_candidate(session: ExamSession, actor: Actor, pin: str = "21505199012345",
                            surname: str = "Асанова", name: str = "Гүлнара", patronymic: str = "Өмүрбековна",
                            language: str = "ky", position: str = "TEST-POS-1") -> tuple[Participant, str]:
    """Register, admit and issue a code through the services; returns (participant, plain code)."""
    participant = registration.register_participant(session, {
        "surname": surname, "name": name, "patronymic": patronymic, "pin": pin,
        "id_document": "ID" + pin[-7:], "position": position, "language": language}, actor)
    registration.set_admission(participant, True, "", actor)
    return participant, codes.issue_code(participant, actor)
