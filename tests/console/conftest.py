"""Fixtures of the console tests: two centres, a room each, one account per role."""
from __future__ import annotations

from dataclasses import dataclass

import pytest

from examserver.db import db
from examserver.models import Centre, Role, Room
from examserver.services import accounts

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
