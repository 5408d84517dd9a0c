"""Fixtures of the console tests: two centres, a room each, one account per role."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from examserver.db import db
from examserver.models import Centre, Participant, Role, Room
from examserver.core import accounts

PASSWORD = "correct horse battery"


@dataclass
class World:
    """Ids of the objects made by the ``world`` fixture (safe across requests)."""

    centre_a: int
    centre_b: int
    room_a: int
    room_b: int
    users: dict[str, int]


def make_world() -> World:
    """Centres A and B with a room each; accounts admin, proctor_a, proctor_b, chair_a, member_a."""
    a = Centre(code="A", name={"ru": "Центр А", "ky": "А борбору", "en": "Centre A"}, address="Бишкек")
    b = Centre(code="B", name={"ru": "Центр Б", "ky": "Б борбору", "en": "Centre B"}, address="Ош")
    db.session.add_all([a, b])
    db.session.flush()
    ra, rb = Room(centre_id=a.id, name="101", seats=30), Room(centre_id=b.id, name="201", seats=30)
    db.session.add_all([ra, rb])
    db.session.flush()
    users = {}
    for username, role, centre in [
        ("admin", Role.ADMIN, None),
        ("proctor_a", Role.PROCTOR, a),
        ("proctor_b", Role.PROCTOR, b),
        ("chair_a", Role.CHAIR, a),
        ("member_a", Role.MEMBER, a),
    ]:
        users[username] = accounts.create_user(username, PASSWORD, role, username.replace("_", " ").title(), centre).id
    db.session.commit()
    return World(a.id, b.id, ra.id, rb.id, users)


@pytest.fixture
def world(app) -> World:
    """Two centres, rooms and one account per role, committed."""
    with app.app_context():
        return make_world()


@pytest.fixture
def login(client):
    """``login(username)`` logs the test client in through the login form."""

    def do(username: str, password: str = PASSWORD):
        response = client.post("/admin/auth/login", data={"username": username, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)
        return response

    return do


def make_session(room_id: int, title: str = "Morning", state: str = "open") -> int:
    """A session in ``room_id`` (opened unless ``state='planned'``); returns its id."""
    from datetime import date

    from examserver import clock
    from examserver.registration import sessions
    from examserver.core.audit import Actor

    room = db.session.get(Room, room_id)
    session = sessions.create_session(room, title, date(2026, 11, 23), clock.now(), 60, Actor.cli())
    if state == "open":
        sessions.open_session(session, Actor.cli())
    db.session.commit()
    return session.id


def add_participant(session_id: int, pin: str, surname: str = "Асанов", seat: str = "1", admit: bool = True,
                    position: str = "TEST-POS-1") -> int:
    """Register (and admit) one participant through the service; returns its id."""
    from examserver.models import ExamSession
    from examserver.registration import participants as registration
    from examserver.core.audit import Actor

    session = db.session.get(ExamSession, session_id)
    participant = registration.register_participant(session, {
        "surname": surname, "name": "Үмүт", "patronymic": "Бекович", "pin": pin, "id_document": "ID" + pin[-6:],
        "position": position, "language": "ky", "seat": seat}, Actor.cli())
    if admit:
        registration.set_admission(participant, True, "", Actor.cli())
    db.session.commit()
    return participant.id


def enrolled_terminal(room_id: int, seat: str = "1") -> int:
    """A terminal enrolled in ``room_id``; returns its id."""
    from examserver.exam import terminals
    from examserver.core.audit import Actor

    terminal, _secret = terminals.register_pending("pytest")
    terminals.enrol(terminal.pairing_code, db.session.get(Room, room_id), seat, Actor.cli())
    db.session.commit()
    return terminal.id


def start(participant_id: int, terminal_id: int) -> int:
    """Start the participant's attempt on the terminal (needs ``loaded_bank``); returns the attempt id."""
    from examserver.models import Participant, Terminal
    from examserver.exam import attempts

    attempt = attempts.start_attempt(db.session.get(Participant, participant_id),
                                     db.session.get(Terminal, terminal_id), "ky")
    db.session.commit()
    return attempt.id


# Valid PINs: sex digit, birth date DDMMYYYY, 5 digits.
PIN1, PIN2, PIN3 = "21505198512345", "10102200000017", "22311200155555"


# --- participants: the registration form and a session to register into -----
TODAY = date(2026, 11, 29)
HEADER = "surname,name,patronymic,pin,id_document,position,language,competition,seat\n"


def form_data(pin=PIN1, **extra):
    """The participant form's fields, valid unless ``extra`` says otherwise."""
    data = {"surname": "Асанов", "name": "Нурлан", "patronymic": "", "pin": pin, "id_document": "AN1234567",
            "position": "TEST-POS-1", "language": "ru", "competition": "", "seat": "3"}
    data.update(extra)
    return data


@pytest.fixture
def sid(app, world, loaded_bank):
    """An open session in room A (its id)."""
    with app.app_context():
        return make_session(world.room_a)


def count(app, session_id):
    """How many participants the session has."""
    with app.app_context():
        return db.session.query(Participant).filter_by(session_id=session_id).count()

