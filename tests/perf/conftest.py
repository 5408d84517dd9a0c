"""Fixtures of the hot-path structure tests: the kiosk world and a counter of
the SQL statements a request sends (an SQLAlchemy event listener)."""
from __future__ import annotations

import pytest
from sqlalchemy import event

# The kiosk tests' world, candidate and terminal client are the same here.
from examserver.db import db
from tests.kiosk.conftest import candidate, kclient, kworld  # noqa: F401


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
        # The kiosk fast path has its own pool on PostgreSQL (db.hot_engine).
        engines = {db.engine, db.hot_engine}
    for engine in engines:
        event.listen(engine, "before_cursor_execute", log)
    yield log
    for engine in engines:
        event.remove(engine, "before_cursor_execute", log)
