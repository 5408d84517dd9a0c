"""Fixtures of the operations tests: a second server on a new, empty database
(the restore target, the authority), on the backend of the test."""
from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from examserver import create_app
from examserver.db import db
from kiosk.context import COOKIE
from tests.conftest import PG_URL
from tests.kiosk.kiosk_helpers import add_candidate, answer, make_world, start_exam


@pytest.fixture
def other_server(backend, tmp_path, clock):
    """``other_server(name)``: an app on a new database with no schema, and its own instance folder."""
    made: list[tuple] = []

    def make(name: str):
        if backend == "sqlite":
            (tmp_path / name).mkdir()
            url, database = f"sqlite:///{tmp_path / name / 'examserver.sqlite'}", None
        else:
            database = f"examserver_{name}_{uuid.uuid4().hex[:10]}"
            admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.exec_driver_sql(f'CREATE DATABASE "{database}"')
            admin.dispose()
            url = sa.engine.make_url(PG_URL).set(database=database).render_as_string(hide_password=False)
        app = create_app({"MODE": "testing", "DATABASE_URL": url, "INSTANCE_PATH": str(tmp_path / f"{name}-instance"),
                          "CLOCK": clock, "WTF_CSRF_ENABLED": False})
        made.append((app, database))
        return app

    yield make
    for app, database in made:
        db.dispose(app)
        if database:
            admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
            admin.dispose()


@pytest.fixture
def exam_world(loaded_bank):
    """Two candidates: one finished through the kiosk (signed protocol), one mid-exam."""
    app = loaded_bank
    with app.app_context():
        world = make_world()
        _, first = add_candidate(world.session, "21234567890123")
        _, second = add_candidate(world.session, "21234567890124", surname="Бакирова")
        db.session.commit()
    client = app.test_client()
    client.set_cookie(COOKIE, world.secret, path="/kiosk")
    state = start_exam(client, first)
    for seq, question in enumerate(state["questions"][:5], start=1):
        assert answer(client, seq, question["slot"], [question["options"][0]["id"]]).status_code == 200
    assert client.post("/kiosk/api/finish", json={"confirm": True}).status_code == 200
    return app, world, second
