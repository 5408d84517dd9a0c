"""The migrations build exactly the schema the models declare, on every backend."""
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from examserver.db import db
from examserver.models import Base


def test_migrations_match_models(app):
    with app.app_context():
        with db.engine.connect() as connection:
            dialect = connection.dialect.name

            def on_this_backend(obj, _name, _type, _reflected, _compare_to):
                # An index declared for one backend only (info "only_on", ddl_if) exists on that one.
                return getattr(obj, "info", {}).get("only_on", dialect) == dialect

            context = MigrationContext.configure(connection, opts={"compare_type": False,
                                                                   "include_object": on_this_backend})
            diff = compare_metadata(context, Base.metadata)
    assert diff == [], f"models and migrations differ: {diff}"


def test_sqlite_runs_in_wal_with_full_sync(app):
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            with db.engine.connect() as conn:
                assert conn.exec_driver_sql("SHOW synchronous_commit").scalar() == "on"
            return
        with db.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_naive_datetimes_are_refused(ctx):
    import datetime as dt

    import pytest

    from examserver.models import RateEvent

    ctx.add(RateEvent(scope="x", key="y", at=dt.datetime(2026, 1, 1)))
    with pytest.raises(sa.exc.StatementError, match="naive datetime"):
        ctx.flush()
