"""Fixtures of the exam-gate tests: a centre with two rooms (A and B), an open
session in room A, an enrolled terminal in each room whose secret the test
clients hold, a proctor account, and helpers that walk the kiosk's doors."""
from __future__ import annotations

from dataclasses import dataclass

import pytest
import sqlalchemy as sa

from examserver.core import accounts
from examserver.core.audit import Actor
from examserver.db import db
from examserver.exam import codes, terminals
from examserver.models import Attempt, Participant, Position, Role, Room
from tests.factories import make_centre, make_open_session, make_room

PASSWORD = "correct horse battery"
COOKIE = "exam_terminal"  # kiosk.context.COOKIE (tests/kiosk shadows the package name)


@dataclass
class GateWorld:
    """Ids (and terminal secrets) of what ``gworld`` made; safe across requests."""

    centre: int
    room_a: int
    room_b: int
    session: int
    terminal_a: int
    secret_a: str
    terminal_a2: int
    secret_a2: str
    terminal_b: int
    secret_b: str
    proctor: int


def enrol(room: Room, seat: str) -> tuple[int, str]:
    """A browser that asked to pair, enrolled into ``room`` by the CLI actor; ``(id, secret)``."""
    terminal, secret = terminals.register_pending("pytest")
    terminals.enrol(terminal.pairing_code, room, seat, Actor.cli())
    return terminal.id, secret


@pytest.fixture
def gworld(loaded_bank) -> GateWorld:
    """Centre, rooms A and B, an open session in A, terminals A-1, A-2 and B-1, proctor ``proctor``."""
    with loaded_bank.app_context():
        centre = make_centre()
        room_a, room_b = make_room(centre, "Зал A"), make_room(centre, "Зал B")
        session = make_open_session(centre, room_a)
        ta, sa_ = enrol(room_a, "A-1")
        ta2, sa2 = enrol(room_a, "A-2")
        tb, sb = enrol(room_b, "B-1")
        proctor = accounts.create_user("proctor", PASSWORD, Role.PROCTOR, "Проктор", centre)
        db.session.commit()
        return GateWorld(centre.id, room_a.id, room_b.id, session.id, ta, sa_, ta2, sa2, tb, sb, proctor.id)


def add_candidate(session_id: int, pin: str, position: str = "TEST-POS-1", code: bool = True) -> tuple[int, str]:
    """An admitted participant (and a fresh code unless ``code=False``); commits; ``(id, code)``."""
    pos = db.session.scalar(sa.select(Position).where(Position.code == position))
    from examserver import clock
    from examserver.models import Admission

    participant = Participant(session_id=session_id, surname="Асанова", name="Гүлнара", patronymic="",
                              pin=pin, id_document="AN" + pin[-7:], position_id=pos.id,
                              admission=Admission.ADMITTED, created_at=clock.now())
    db.session.add(participant)
    db.session.flush()
    plain = codes.issue_code(participant, Actor("user", None, "proctor")) if code else ""
    db.session.commit()
    return participant.id, plain


def kiosk(app, secret: str):
    """A test client holding a terminal's cookie."""
    client = app.test_client()
    client.set_cookie(COOKIE, secret, path="/kiosk")
    return client


def flashes(client) -> list[str]:
    """The messages flashed to this client and not yet shown."""
    with client.session_transaction() as sess:
        return [message for _category, message in sess.get("_flashes", [])]


def login_code(client, code: str):
    """Type the code; returns the response (303 to /kiosk/confirm when accepted)."""
    return client.post("/kiosk/code", data={"code": code})


def choose_language(client, language: str = "ky"):
    r = client.post("/kiosk/confirm", data={"language": language})
    assert r.status_code == 303 and r.headers["Location"].endswith("/kiosk/instructions"), r.headers.get("Location")
    return r


def press_start(client):
    """The start button; 303 to /kiosk/exam when the attempt started."""
    return client.post("/kiosk/instructions")


def attempts_of(app, participant_id: int) -> list[Attempt]:
    with app.app_context():
        return list(db.session.scalars(sa.select(Attempt).where(Attempt.participant_id == participant_id)))


def refusal(app, message: str, **params) -> set[str]:
    """``message`` as a candidate may read it, in each kiosk language."""
    from flask_babel import force_locale
    from flask_babel import gettext as _

    texts = set()
    with app.test_request_context():
        for lang in ("ky", "ru", "en"):
            with force_locale(lang):
                texts.add(_(message, **params))
    return texts


@pytest.fixture
def console(loaded_bank, gworld):
    """A test client logged in to the console as the centre's proctor."""
    client = loaded_bank.test_client()
    r = client.post("/admin/auth/login", data={"username": "proctor", "password": PASSWORD})
    assert r.status_code == 302, r.get_data(as_text=True)[:500]
    return client
