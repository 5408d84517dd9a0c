"""Fixtures of the kiosk tests (helpers in ``kiosk_helpers``): the committed
world, one candidate with an access code, and a client holding the enrolled
terminal's cookie."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

# This folder is called "kiosk" like the package under test; the checkout must
# come first on sys.path or ``import kiosk`` finds this folder instead.
ROOT, HERE = Path(__file__).resolve().parents[2], Path(__file__).resolve().parent
for _p in (HERE, ROOT):
    if str(_p) not in sys.path:
        sys.path.insert(0, str(_p))

from kiosk_helpers import KioskWorld, add_candidate, make_world  # noqa: E402

from examserver.db import db  # noqa: E402
from kiosk.context import COOKIE  # noqa: E402


@pytest.fixture
def kworld(loaded_bank) -> KioskWorld:
    """The kiosk test world, committed."""
    with loaded_bank.app_context():
        world = make_world()
        db.session.commit()
        return world


@pytest.fixture
def candidate(loaded_bank, kworld) -> tuple[int, str]:
    """``(participant id, access code)`` of one admitted candidate."""
    with loaded_bank.app_context():
        participant, code = add_candidate(kworld.session, "21234567890123")
        db.session.commit()
        return participant.id, code


@pytest.fixture
def kclient(loaded_bank, kworld):
    """A test client holding the enrolled terminal's cookie."""
    client = loaded_bank.test_client()
    client.set_cookie(COOKIE, kworld.secret, path="/kiosk")
    return client
