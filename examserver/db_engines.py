"""Engines with the durability settings of design invariant 2, and SQLite's write gate.

SQLite: WAL with ``synchronous=FULL``, writers queued on the write gate
(:class:`WriteGate`) before ``BEGIN IMMEDIATE``, readers on a WAL snapshot.
PostgreSQL: ``synchronous_commit=on``, UTC. ``examserver.db`` holds one
engine per app (and the kiosk fast path's second pool on PostgreSQL).
"""
from __future__ import annotations

import fcntl
import os
import sqlite3
import threading

import sqlalchemy as sa
from flask import g, has_app_context
from sqlalchemy import event


def default_sqlite_url(instance_path: str) -> str:
    return f"sqlite:///{instance_path}/examserver.sqlite"


class WriteGate:
    """Serialises the write transactions on one SQLite file across the threads
    and processes of a server; readers never take it.

    SQLite has one writer at a time. Writers that collide on its file lock
    back off in sleeps of up to 100 ms (SQLite's busy handler), which wastes
    most of the time under a burst. Instead a writer waits here, on a thread
    lock and then an exclusive ``flock`` of ``<database>-writegate`` (the
    kernel wakes the next waiter at once), before ``BEGIN IMMEDIATE``; it
    leaves right after its COMMIT or ROLLBACK returned. Read transactions
    (``BEGIN`` deferred, see :meth:`Database.read_only`) see a WAL snapshot
    and never wait for a writer. Nothing is kept in memory but the lock.
    """

    def __init__(self, path: str | None, timeout: float = 30.0):
        self._thread_lock = threading.Lock()
        self._path = f"{path}-writegate" if path else None
        self._timeout = timeout
        self._fd: int | None = None
        self._pid: int | None = None

    def acquire(self) -> None:
        # A thread that already holds the gate on another connection would
        # wait for itself: give up after the busy timeout, as SQLite did.
        if not self._thread_lock.acquire(timeout=self._timeout):
            raise sa.exc.OperationalError("BEGIN IMMEDIATE", {}, sqlite3.OperationalError("database is locked"))
        try:
            fd = self._file()
            if fd is not None:
                fcntl.flock(fd, fcntl.LOCK_EX)
        except BaseException:
            self._thread_lock.release()
            raise

    def release(self) -> None:
        try:
            if self._fd is not None and self._pid == os.getpid():
                fcntl.flock(self._fd, fcntl.LOCK_UN)
        finally:
            self._thread_lock.release()

    def _file(self) -> int | None:
        if self._path is None:
            return None
        if self._fd is None or self._pid != os.getpid():
            # A forked worker opens its own file description: flock locks
            # belong to the description, which a fork would share.
            self._fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
            self._pid = os.getpid()
        return self._fd


def _gated_connection(gate: WriteGate) -> type:
    """A sqlite3 connection class that leaves ``gate`` once its transaction ended."""

    class GatedConnection(sqlite3.Connection):
        holds_gate = False

        def take_gate(self) -> None:
            gate.acquire()
            self.holds_gate = True

        def drop_gate(self) -> None:
            if self.holds_gate:
                self.holds_gate = False
                gate.release()

        def begin_write(self) -> None:
            """The writer's BEGIN on the driver's connection (exam/driver_sql), as
            the engine's ``begin`` event does it for a Core connection."""
            self.take_gate()
            try:
                self.execute("BEGIN IMMEDIATE")
            except BaseException:
                self.drop_gate()
                raise

        def commit(self):
            try:
                return super().commit()
            finally:
                self.drop_gate()

        def rollback(self):
            try:
                return super().rollback()
            finally:
                self.drop_gate()

        def close(self):
            try:
                return super().close()
            finally:
                self.drop_gate()

    return GatedConnection


def _sqlite_path(url: str) -> str | None:
    database = sa.engine.make_url(url).database
    return None if not database or database == ":memory:" else os.path.abspath(database)


def _make_private(path: str | None) -> None:
    """Create the database file owner-only (0600) before SQLite opens it.

    It holds password hashes, personal numbers and sealed member keys. SQLite
    gives the -wal and -shm files the mode of the database file; existing
    files are narrowed too (when we own them).
    """
    if path is None:
        return
    if not os.path.exists(path) and os.path.isdir(os.path.dirname(path)):
        try:
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        except FileExistsError:  # another worker made it first
            pass
    for name in (path, path + "-wal", path + "-shm"):
        try:
            if os.stat(name).st_mode & 0o077:
                os.chmod(name, 0o600)
        except OSError:  # missing, or not ours: nothing to narrow
            pass


# A Core connection opened with ``execution_options(**{READ_ONLY_OPTION: True})``
# reads in one snapshot like a ``@db.read_only`` request. (The kiosk fast path
# reads on the driver's connection, in SQLite's autocommit: each statement on
# its own snapshot, no BEGIN; exam/driver_sql, exam/saving.)
READ_ONLY_OPTION = "examserver_read_only"


def read_only_requested() -> bool:
    return has_app_context() and bool(g.get("db_read_only"))


def make_engine(url: str, pre_ping: bool = True) -> sa.Engine:
    """Create an engine with the durability settings of design invariant 2.

    ``pre_ping`` (PostgreSQL) tests each pooled connection with a round trip
    before use, so a request after a database restart does not fail."""
    if url.startswith("sqlite"):
        _make_private(_sqlite_path(url))
        gate = WriteGate(_sqlite_path(url))
        engine = sa.create_engine(url, connect_args={"timeout": 30, "check_same_thread": False,
                                                     "factory": _gated_connection(gate)})

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
            reads = conn.get_execution_options().get(READ_ONLY_OPTION)
            if reads or read_only_requested():
                # A reader works on a WAL snapshot and never waits for writers.
                conn.exec_driver_sql("BEGIN")
                return
            # A writer queues on the gate, then takes SQLite's write lock at
            # once (no read-to-write upgrade that could fail half-way).
            raw = conn.connection.dbapi_connection
            raw.take_gate()
            try:
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            except BaseException:
                raw.drop_gate()
                raise

        return engine
    engine = sa.create_engine(url, pool_pre_ping=pre_ping, pool_size=10, max_overflow=20)

    @event.listens_for(engine, "connect")
    def _pg_settings(dbapi_connection, _record):  # pragma: no cover - trivial
        cursor = dbapi_connection.cursor()
        cursor.execute("SET synchronous_commit = on")
        cursor.execute("SET TIME ZONE 'UTC'")
        cursor.close()
        dbapi_connection.commit()

    return engine
