"""Database engine and the per-request session.

No database work happens inside ``create_app``: the engine is created lazily
on first use, and the schema comes from the Alembic migrations
(``examserver db upgrade``).
"""
from __future__ import annotations

import sqlalchemy as sa
from flask import Flask, current_app, g
from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker


def default_sqlite_url(instance_path: str) -> str:
    return f"sqlite:///{instance_path}/examserver.sqlite"


def make_engine(url: str) -> sa.Engine:
    """Create an engine with the durability settings of design invariant 2."""
    if url.startswith("sqlite"):
        engine = sa.create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):  # pragma: no cover - trivial
            # The driver's own transaction handling is disabled so that BEGIN
            # IMMEDIATE below takes the write lock at the start of a transaction.
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=FULL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn):  # pragma: no cover - trivial
            # Writers queue on the busy timeout instead of failing with
            # "database is locked" when they upgrade a read lock.
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    engine = sa.create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)

    @event.listens_for(engine, "connect")
    def _pg_settings(dbapi_connection, _record):  # pragma: no cover - trivial
        cursor = dbapi_connection.cursor()
        cursor.execute("SET synchronous_commit = on")
        cursor.execute("SET TIME ZONE 'UTC'")
        cursor.close()
        dbapi_connection.commit()

    return engine


class Database:
    """Holds one engine per app; ``db.session`` is the current request's session."""

    def init_app(self, app: Flask) -> None:
        app.extensions["examserver.db"] = {"engine": None, "factory": None}
        app.teardown_appcontext(self._remove_session)

    def _state(self, app: Flask | None = None) -> dict:
        return (app or current_app).extensions["examserver.db"]

    def engine_for(self, app: Flask) -> sa.Engine:
        state = self._state(app)
        if state["engine"] is None:
            state["engine"] = make_engine(app.config["DATABASE_URL"])
            state["factory"] = sessionmaker(bind=state["engine"], expire_on_commit=False)
        return state["engine"]

    @property
    def engine(self) -> sa.Engine:
        return self.engine_for(current_app._get_current_object())

    @property
    def session(self) -> Session:
        if "db_session" not in g:
            self.engine_for(current_app._get_current_object())
            g.db_session = self._state()["factory"]()
        return g.db_session

    def remove_session(self, exc: BaseException | None = None) -> None:
        """End the current session (rolling back if ``exc``); also run at app-context teardown."""
        self._remove_session(exc)

    def _remove_session(self, exc: BaseException | None) -> None:
        session = g.pop("db_session", None)
        if session is not None:
            if exc is not None:
                session.rollback()
            session.close()

    def dispose(self, app: Flask) -> None:
        state = self._state(app)
        if state["engine"] is not None:
            state["engine"].dispose()
            state["engine"] = None


db = Database()

