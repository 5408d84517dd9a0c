"""Migration 0009: the database itself refuses a review state the workflow does not know."""
from datetime import datetime, timezone

import pytest
import sqlalchemy as sa
from alembic import command

from examserver.db import db
from examserver.migrate import alembic_config
from examserver.models import BankItem, Topic
from examserver.models.bank_review import ItemReview

NOW = datetime(2026, 11, 30, tzinfo=timezone.utc)


def _item(status: str, version: int = 1) -> dict:
    return dict(item_id="X-1", version=version, topic_code="T", status=status, bank_id="", payload={},
                digest="d", imported_at=NOW)


def _review(**over) -> dict:
    row = dict(item_id="X-1", version=1, action="approve", from_status="review", to_status="approved",
               actor_kind="cli", actor_id=None, actor_name="cli", comment="", at=NOW)
    row.update(over)
    return row


def _refused(statement) -> bool:
    try:
        with db.session.begin_nested():
            db.session.execute(statement)
    except sa.exc.IntegrityError:
        return True
    return False


def test_a_bad_item_status_is_refused_by_the_database(app):
    with app.app_context():
        db.session.add(Topic(code="T", section="basic", title={"ky": "т", "ru": "т"}))
        db.session.flush()
        for version, status in enumerate(("draft", "review", "approved", "retired"), 1):
            assert not _refused(sa.insert(BankItem).values(**_item(status, version))), status
        assert _refused(sa.insert(BankItem).values(**_item("published", 9)))
        assert _refused(sa.update(BankItem).where(BankItem.version == 1).values(status="Approved"))
        assert db.session.scalar(sa.select(BankItem.status).where(BankItem.version == 1)) == "draft"
        db.session.rollback()


def test_a_bad_review_step_is_refused_by_the_database(app):
    with app.app_context():
        assert not _refused(sa.insert(ItemReview).values(**_review()))
        assert not _refused(sa.insert(ItemReview).values(**_review(action="imported", from_status="",
                                                                   to_status="draft")))
        assert _refused(sa.insert(ItemReview).values(**_review(action="publish")))
        assert _refused(sa.insert(ItemReview).values(**_review(from_status="gone")))
        assert _refused(sa.insert(ItemReview).values(**_review(to_status="")))
        db.session.rollback()


def test_0009_downgrades_and_upgrades_on_sqlite(app, backend):
    """Batch mode on SQLite: the constraints go with a downgrade and come back with the upgrade."""
    if backend != "sqlite":
        pytest.skip("the shared PostgreSQL test database is not downgraded")
    config = alembic_config(app.config["DATABASE_URL"])
    with app.app_context():
        with db.engine.begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, "0008")
        with db.engine.connect() as connection:
            assert not sa.inspect(connection).has_table("bank_stats_cache")
            assert sa.inspect(connection).get_check_constraints("bank_item") == []
        with db.engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "heads")
        with db.engine.connect() as connection:
            names = {c["name"] for c in sa.inspect(connection).get_check_constraints("bank_item")}
        assert names == {"ck_bank_item_status"}
