"""Helpers of the security tests: a terminal running an attempt, through the kiosk pages."""
from __future__ import annotations

from examserver.db import db
from kiosk.context import COOKIE
from tests.kiosk.kiosk_helpers import add_candidate, make_world, start_exam


def kiosk_exam(app, pin: str = "21234567890123", language: str = "ky"):
    """``(client, state)``: a client holding an enrolled terminal's cookie whose
    candidate started the test in ``language``; ``state`` is the full state."""
    with app.app_context():
        world = make_world()
        _participant, code = add_candidate(world.session, pin)
        db.session.commit()
        attempt_owner = world
    client = app.test_client()
    client.set_cookie(COOKIE, attempt_owner.secret, path="/kiosk")
    return client, start_exam(client, code, language)
