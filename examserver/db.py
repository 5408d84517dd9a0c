"""Database engine and the per-request session.

No database work happens inside ``create_app``: the engine is created lazily
on first use, and the schema comes from the Alembic migrations
(``examserver db upgrade``). The engines themselves (durability settings,
SQLite's write gate) are made in ``examserver.db_engines``.
"""
from __future__ import annotations

import functools

import sqlalchemy as sa
from flask import Flask, current_app, g
from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

from examserver.db_engines import READ_ONLY_OPTION, read_only_requested, default_sqlite_url, make_engine

__all__ = ["READ_ONLY_OPTION", "Database", "db", "default_sqlite_url", "make_engine"]


class Database:
    """Holds one engine per app; ``db.session`` is the current request's session."""

    def init_app(self, app: Flask) -> None:
        app.extensions["examserver.db"] = {"engine": None, "factory": None, "hot_engine": None}
        app.teardown_appcontext(self._remove_session)

    def _state(self, app: Flask | None = None) -> dict:
        return (app or current_app).extensions["examserver.db"]

    def engine_for(self, app: Flask) -> sa.Engine:
        state = self._state(app)
        if state["engine"] is None:
            state["engine"] = make_engine(app.config["DATABASE_URL"])
            state["factory"] = sessionmaker(bind=state["engine"], expire_on_commit=False)
            event.listen(state["factory"], "before_flush", _refuse_writes_when_read_only)
        return state["engine"]

    @property
    def engine(self) -> sa.Engine:
        return self.engine_for(current_app._get_current_object())

    def hot_engine_for(self, app: Flask) -> sa.Engine:
        """The engine of the kiosk fast path and its group commit (kiosk/fastpath.py).

        On SQLite it is :meth:`engine_for`'s (one write gate). On PostgreSQL it
        is a second pool without the pre-ping round trip per checkout (a third
        of a save's time): the fast path hands any failure, a stale connection
        after a database restart included, to the framework's path, whose pool
        pings."""
        state = self._state(app)
        engine = self.engine_for(app)
        if engine.dialect.name == "sqlite":
            return engine
        if state["hot_engine"] is None:
            state["hot_engine"] = make_engine(app.config["DATABASE_URL"], pre_ping=False)
        return state["hot_engine"]

    @property
    def hot_engine(self) -> sa.Engine:
        return self.hot_engine_for(current_app._get_current_object())

    @property
    def session(self) -> Session:
        if "db_session" not in g:
            self.engine_for(current_app._get_current_object())
            g.db_session = self._state()["factory"]()
        return g.db_session

    @staticmethod
    def read_only(view):
        """Mark a view as a reader: its transaction is a snapshot that never
        waits for writers (SQLite ``BEGIN`` deferred instead of the write gate).

        Put it right under ``@bp.route`` so it applies before the first query.
        A reader that finds it must write calls :meth:`begin_write` first.
        """

        @functools.wraps(view)
        def reader(*args, **kwargs):
            if "db_session" not in g or not g.db_session.in_transaction():
                g.db_read_only = True
            return view(*args, **kwargs)

        return reader

    def begin_write(self) -> None:
        """Leave the read-only snapshot of this request: the next query starts a
        write transaction. Objects already loaded are expired and reload there."""
        if g.pop("db_read_only", False):
            session = g.get("db_session")
            if session is not None:
                session.rollback()

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
        for name in ("hot_engine", "engine"):
            if state.get(name) is not None:
                state[name].dispose()
                state[name] = None


def _refuse_writes_when_read_only(session: Session, _context, _instances) -> None:
    # On SQLite a write inside a deferred read transaction fails at random
    # under load (the snapshot is stale): refuse it always, loudly.
    if read_only_requested() and (session.new or session.deleted or any(
            session.is_modified(obj) for obj in session.dirty)):
        raise RuntimeError("write in a read-only request: call db.begin_write() first")


db = Database()

