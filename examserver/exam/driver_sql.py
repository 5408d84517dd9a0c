"""The hot path's few Core statements run on the driver's cursor directly.

A kiosk save or heartbeat sends one or two small statements. Through a Core
``Connection`` each of them costs about 0.1-0.15 ms of CPU around the
driver's own work (execution context, result object, row processing set up
per call); on a 2-core server that is a large part of a save
(docs/benchmarks.md, issue 15). Here a statement is compiled ONCE per
dialect, with the bind and result processors of its column types (enum
values, UTC datetimes, JSON), and then run on a DBAPI cursor: the same SQL
text, the same parameters on the wire, the same Python values back.

Only this module knows the driver; callers use :class:`DirectConnection`,
whose ``execute``/``scalar``/``scalars`` read like a Core connection's for the
statements they send (``exam/saving``). Listeners of the engine's
``before_cursor_execute``/``after_cursor_execute`` events (tests that count
statements) are called as the Core would call them, so what they see does
not depend on the path a statement took.
"""
from __future__ import annotations

import threading
from collections import namedtuple
from contextlib import contextmanager
from typing import Any, Iterator

import sqlalchemy as sa


class _Compiled:
    """One statement compiled for one dialect, with its processors."""

    __slots__ = ("sql", "defaults", "binds", "order", "names", "row_type", "results", "returns_rows")

    def __init__(self, statement: sa.ClauseElement, dialect: sa.Dialect):
        compiled = statement.compile(dialect=dialect)
        self.sql = compiled.string
        # psycopg takes the parameters by name (%(name)s), sqlite3 in order (?).
        self.order = tuple(compiled.positiontup) if dialect.positional else None
        # The values written into the statement (a LIMIT, a compared constant); the rest come per call.
        everything = compiled.construct_params(_check=False)
        self.defaults = {name: value for name, value in everything.items() if value is not None}
        self.names = frozenset(everything)
        self.binds = {name: proc for name, proc in compiled._bind_processors.items() if proc is not None}
        columns = getattr(compiled, "_result_columns", None) or []
        self.returns_rows = bool(columns)
        self.row_type = namedtuple("Row", [c[0] for c in columns], rename=True) if columns else None
        self.results = [c[3]._cached_result_processor(dialect, None) for c in columns]

    def params(self, given: dict[str, Any]) -> dict[str, Any] | tuple:
        params = dict(self.defaults)
        params.update(given)
        if not params.keys() >= self.names:  # the Core would leave such columns out of an INSERT: not here
            raise sa.exc.ArgumentError(f"driver_sql: values needed for {sorted(self.names - params.keys())}")
        for name, process in self.binds.items():
            if name in params:
                params[name] = process(params[name])
        return params if self.order is None else tuple(params[name] for name in self.order)

    def row(self, raw: tuple) -> tuple:
        return self.row_type(*[value if process is None else process(value)
                               for process, value in zip(self.results, raw)])


_CACHE: dict[tuple[int, str], _Compiled] = {}
_CACHE_LOCK = threading.Lock()


def compiled(statement: sa.ClauseElement, dialect: sa.Dialect) -> _Compiled:
    """``statement`` compiled for ``dialect`` (module-level statements: once per process)."""
    key = (id(statement), dialect.name)
    found = _CACHE.get(key)
    if found is None:
        found = _Compiled(statement, dialect)
        with _CACHE_LOCK:
            _CACHE[key] = found
            _KEEP.append(statement)  # the id stays this statement's while the process lives
    return found


_KEEP: list[sa.ClauseElement] = []


class Result:
    """The rows of one statement (all fetched), and its rowcount."""

    __slots__ = ("rows", "rowcount")

    def __init__(self, rows: list, rowcount: int):
        self.rows, self.rowcount = rows, rowcount

    def first(self):
        return self.rows[0] if self.rows else None

    def all(self) -> list:
        return self.rows

    def __iter__(self) -> Iterator:
        return iter(self.rows)


class DirectConnection:
    """A DBAPI connection of ``engine``'s pool, used with Core statements (see the module)."""

    __slots__ = ("engine", "dialect", "dbapi_connection")

    def __init__(self, engine: sa.Engine, dbapi_connection: Any):
        self.engine, self.dialect, self.dbapi_connection = engine, engine.dialect, dbapi_connection

    def execute(self, statement: sa.ClauseElement, params: dict[str, Any] | list[dict[str, Any]] | None = None
                ) -> Result:
        """Run ``statement`` (one parameter set, or a list: executemany) and fetch its rows."""
        plan = compiled(statement, self.dialect)
        many = isinstance(params, list)
        bound = [plan.params(p) for p in params] if many else plan.params(params or {})
        cursor = self.dbapi_connection.cursor()
        try:
            return self._run(plan, cursor, bound, many)
        except self.dialect.loaded_dbapi.Error as exc:
            # As the Core raises it: callers catch SQLAlchemyError (an outage, a constraint).
            lost = self.dialect.is_disconnect(exc, self.dbapi_connection, cursor)
            raise sa.exc.DBAPIError.instance(plan.sql, bound, exc, self.dialect.loaded_dbapi.Error,
                                             connection_invalidated=lost, dialect=self.dialect,
                                             ismulti=many) from exc
        finally:
            cursor.close()

    def _run(self, plan: _Compiled, cursor: Any, bound: Any, many: bool) -> Result:
        dispatch = self.engine.dispatch
        for listener in dispatch.before_cursor_execute:  # none in production: tests count statements
            listener(None, cursor, plan.sql, bound, None, many)
        if many:
            cursor.executemany(plan.sql, bound)
        else:
            cursor.execute(plan.sql, bound)
        for listener in dispatch.after_cursor_execute:
            listener(None, cursor, plan.sql, bound, None, many)
        rows = [plan.row(raw) for raw in cursor.fetchall()] if plan.returns_rows and not many else []
        return Result(rows, cursor.rowcount)

    def scalar(self, statement: sa.ClauseElement, params: dict[str, Any] | None = None) -> Any:
        row = self.execute(statement, params).first()
        return None if row is None else row[0]

    def scalars(self, statement: sa.ClauseElement, params: dict[str, Any] | None = None) -> list:
        return [row[0] for row in self.execute(statement, params)]


@contextmanager
def connection(engine: sa.Engine, autocommit: bool = True) -> Iterator[DirectConnection]:
    """A connection of ``engine``'s pool for direct statements, back to the pool after.

    ``autocommit``: each statement is its own transaction, committed (durably:
    ``synchronous_commit=on``) before it returns; on SQLite a read on its own
    WAL snapshot without BEGIN (the pool's connections are in autocommit, see
    db_engines). Without it (PostgreSQL only) the statements share one
    transaction that the caller ends with ``commit()`` or ``rollback()`` on
    ``dbapi_connection``. A connection that failed as lost is dropped from the
    pool, as the Core does.
    """
    fairy = engine.raw_connection()
    raw = fairy.driver_connection
    postgres = engine.dialect.name == "postgresql"
    try:
        if postgres and autocommit:
            raw.autocommit = True
        try:
            yield DirectConnection(engine, raw)
        finally:
            if postgres and autocommit:
                raw.autocommit = False
    except sa.exc.DBAPIError as exc:
        if exc.connection_invalidated:
            fairy.invalidate(exc)
        raise
    except engine.dialect.loaded_dbapi.Error as exc:  # raised by the driver itself (commit, autocommit)
        fairy.invalidate(exc)
        raise sa.exc.DBAPIError.instance(None, None, exc, engine.dialect.loaded_dbapi.Error,
                                         dialect=engine.dialect) from exc
    finally:
        fairy.close()


@contextmanager
def transaction(engine: sa.Engine) -> Iterator[DirectConnection]:
    """A write transaction on a connection of ``engine``'s pool, committed when the
    block ends (rolled back if it raises): on SQLite after the write gate and
    ``BEGIN IMMEDIATE`` (examserver/db_engines), on PostgreSQL as the driver begins
    it. The engine's ``commit`` listeners are called after the commit, as the Core
    calls them."""
    with connection(engine, autocommit=False) as conn:
        raw = conn.dbapi_connection
        if engine.dialect.name == "sqlite":
            raw.begin_write()
        try:
            yield conn
        except BaseException:
            raw.rollback()
            raise
        raw.commit()
    for listener in engine.dispatch.commit:
        listener(None)
