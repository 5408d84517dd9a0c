"""Fixtures of the hot-path structure tests: the kiosk world and a counter of
the SQL statements a request sends (an SQLAlchemy event listener)."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest
from sqlalchemy import event

# The kiosk tests' builders (make_world, add_candidate, start_exam) are reused.
ROOT = Path(__file__).resolve().parents[2]
for _p in (ROOT / "tests" / "kiosk", ROOT):
    if str(_p) not in sys.path:
        sys.path.insert(0, str(_p))

from kiosk_helpers import add_candidate, make_world  # noqa: E402

from examserver.db import db  # noqa: E402
from kiosk.context import COOKIE  # noqa: E402


@pytest.fixture
def kworld(loaded_bank):
    """The kiosk test world (centre, room, open session, enrolled terminal), committed."""
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


class StatementLog:
    """The SQL statements sent through the app's engine while ``recording``."""

    def __init__(self):
        self.recording = False
        self.statements: list[str] = []

    def __call__(self, _conn, _cursor, statement, _params, _context, _many):
        if self.recording:
            self.statements.append(" ".join(statement.split()))

    def sql(self) -> list[str]:
        """The recorded statements without transaction control (BEGIN, COMMIT, SAVEPOINT)."""
        skip = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE", "PRAGMA")
        return [s for s in self.statements if not s.upper().startswith(skip)]

    def verbs(self) -> list[str]:
        return [s.split()[0].upper() for s in self.sql()]


@pytest.fixture
def statements(loaded_bank):
    """Counts the statements of the requests made inside ``with statements:``-less
    blocks: set ``statements.recording = True`` around the request to measure."""
    log = StatementLog()
    with loaded_bank.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", log)
    yield log
    event.remove(engine, "before_cursor_execute", log)
