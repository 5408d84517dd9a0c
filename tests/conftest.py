"""Shared fixtures.

Every test that touches the database runs on SQLite, and again on PostgreSQL
when ``EXAM_TEST_POSTGRES_URL`` is set (the ``db_url`` fixture is parametrised
in ``pytest_generate_tests``). The schema always comes from the Alembic
migrations: one migrated template per backend and test session, then each
test gets a copy (SQLite) or a truncated database (PostgreSQL).
"""
from __future__ import annotations

import os
import shutil
import uuid
from datetime import datetime, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa

from examserver import create_app
from examserver.clock import FrozenClock
from examserver.db import db
from examserver.migrate import upgrade
from examserver.models import Base

DATA = Path(__file__).resolve().parent / "data"
PG_URL = os.environ.get("EXAM_TEST_POSTGRES_URL")
BACKENDS = ["sqlite"] + (["postgres"] if PG_URL else [])


def pytest_collection_modifyitems(config, items):
    """Run the browser tests last.

    Playwright's sync API keeps an asyncio event loop running in the main
    thread while the session-wide browser is open; code under test that calls
    ``asyncio.run`` (pyHanko's synchronous signing) must not run after it.
    """
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None
               or "tests/browser/" in item.nodeid.replace("\\", "/"))


def pytest_generate_tests(metafunc):
    if "db_url" in metafunc.fixturenames:
        # Browser tests exercise the pages, not the database: SQLite only, to keep CI short.
        in_browser = "tests/browser/" in str(metafunc.definition.path).replace("\\", "/")
        metafunc.parametrize("backend", ["sqlite"] if in_browser else BACKENDS, scope="session", indirect=False)


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory) -> Path:
    """A SQLite file migrated once; tests copy it."""
    folder = tmp_path_factory.mktemp("template")
    path = folder / "template.sqlite"
    app = create_app({"MODE": "testing", "DATABASE_URL": f"sqlite:///{path}", "INSTANCE_PATH": str(folder)})
    upgrade(app)
    db.dispose(app)
    return path


@pytest.fixture(scope="session")
def _postgres_database() -> str:
    """A fresh PostgreSQL database for this test session, migrated once."""
    admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    name = f"examserver_test_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = sa.engine.make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    app = create_app({"MODE": "testing", "DATABASE_URL": url, "INSTANCE_PATH": "/tmp/examserver-pg-template"})
    upgrade(app)
    db.dispose(app)
    yield url
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


@pytest.fixture
def db_url(backend, request, tmp_path) -> str:
    """URL of an empty, fully migrated database for one test."""
    if backend == "sqlite":
        template = request.getfixturevalue("_sqlite_template")
        path = tmp_path / "exam.sqlite"
        shutil.copy(template, path)
        return f"sqlite:///{path}"
    url = request.getfixturevalue("_postgres_database")
    engine = sa.create_engine(url)
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.exec_driver_sql(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
    engine.dispose()
    return url


@pytest.fixture
def clock() -> FrozenClock:
    """The app's clock; tests move it with ``clock.advance(minutes=...)``."""
    return FrozenClock(datetime(2026, 11, 23, 3, 0, tzinfo=timezone.utc))


@pytest.fixture
def app_config() -> dict:
    """Extra config for the ``app`` fixture; override in a module to change settings."""
    return {}


@pytest.fixture
def app(db_url, clock, tmp_path, app_config):
    """The application on a fresh migrated database, in testing mode, with a frozen clock."""
    config = {
        "MODE": "testing",
        "DATABASE_URL": db_url,
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "CLOCK": clock,
        "WTF_CSRF_ENABLED": False,
        # Tests move the clock by hours while logged in; the console's idle
        # timeout and lifetime are tested on their own (tests/security).
        "SESSION_IDLE_MINUTES": 7 * 24 * 60,
        "SESSION_LIFETIME_HOURS": 7 * 24,
    }
    config.update(app_config)
    application = create_app(config)
    yield application
    db.dispose(application)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def ctx(app):
    """An application context; services can be called directly inside it."""
    with app.app_context():
        yield db.session
        db.session.rollback()


@pytest.fixture
def test_bank_path() -> Path:
    return DATA / "bank"


@pytest.fixture
def test_blueprints_path() -> Path:
    return DATA / "blueprints"


@pytest.fixture
def loaded_bank(app, test_bank_path, test_blueprints_path):
    """The small test bank, approved, its blueprint TEST-U-A (version 1, approved) and position TEST-POS-1.

    A plain ``bank import`` brings drafts and a plain ``blueprint import``
    unapproved versions (issue 11); test data, like the demo, comes in
    approved by a named system actor, as ``examserver demo`` does.
    """
    from examserver.bank.importing import LOADER_NOTE, import_bank
    from examserver.bank.store import import_blueprints
    from examserver.core.audit import Actor

    with app.app_context():
        import_bank(test_bank_path, Actor.cli(), approver=Actor.system(), note=LOADER_NOTE)
        import_blueprints(test_blueprints_path, Actor.cli(), approver=Actor.system(), note=LOADER_NOTE)
        db.session.commit()
    return app
