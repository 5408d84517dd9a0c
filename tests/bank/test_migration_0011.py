"""Migration 0011: blueprints drawn from before approvals were required stay drawable.

An earlier release stored blueprints without approvals; after the upgrade the
newest version of each code that has no approval is recorded as approved by
the upgrade (no person named), codes that already have an approved version
are left alone, and the downgrade removes exactly those approvals.
"""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic import command

from examserver.db import db
from examserver.migrate import alembic_config
from examserver.models import ExamBlueprint
from examserver.models.bank_review import BlueprintApproval


def _migrate(app, target: str, direction) -> None:
    config = alembic_config(app.config["DATABASE_URL"])
    with app.app_context():
        with db.engine.begin() as connection:
            config.attributes["connection"] = connection
            direction(config, target)


def test_the_upgrade_approves_the_newest_version_of_each_unapproved_code(loaded_bank, backend):
    if backend != "sqlite":
        pytest.skip("the shared PostgreSQL test database is not downgraded")
    app = loaded_bank
    with app.app_context():
        # A second code, and a newer version of the first: the test data has one blueprint.
        first = db.session.scalars(sa.select(ExamBlueprint).order_by(ExamBlueprint.id)).first()
        for code, version in (("OTHER-U-A", 1), ("OTHER-U-A", 2), (first.code, first.version + 1)):
            db.session.add(ExamBlueprint(code=code, version=version, group_code=first.group_code,
                                         payload=first.payload, digest=first.digest, imported_at=first.imported_at))
        db.session.commit()
        codes = sorted(set(db.session.scalars(sa.select(ExamBlueprint.code))))
        assert len(codes) == 2
        kept = "OTHER-U-A"
        db.session.add(BlueprintApproval(blueprint_id=db.session.scalar(sa.select(ExamBlueprint.id).where(
            ExamBlueprint.code == kept, ExamBlueprint.version == 1)), approved_by="chief", approved_at=first.imported_at,
            comment=""))
        db.session.commit()
        kept_ids = set(db.session.scalars(sa.select(BlueprintApproval.blueprint_id).join(
            ExamBlueprint, ExamBlueprint.id == BlueprintApproval.blueprint_id).where(ExamBlueprint.code == kept)))
        assert kept_ids, "the test data's blueprints are approved"
        # As an earlier release left them: no approval on record, except for one code.
        db.session.execute(sa.delete(BlueprintApproval).where(BlueprintApproval.blueprint_id.not_in(kept_ids)))
        db.session.commit()
        newest = {code: max(db.session.scalars(sa.select(ExamBlueprint.version).where(ExamBlueprint.code == code)))
                  for code in codes}
    db.dispose(app)
    _migrate(app, "0010", command.downgrade)
    _migrate(app, "heads", command.upgrade)
    with app.app_context():
        rows = db.session.execute(sa.select(ExamBlueprint.code, ExamBlueprint.version, BlueprintApproval.approved_by,
                                            BlueprintApproval.approved_by_id, BlueprintApproval.comment)
                                  .join(BlueprintApproval, BlueprintApproval.blueprint_id == ExamBlueprint.id)).all()
    by_upgrade = {(code, version) for code, version, who, who_id, comment in rows
                  if who == "examserver upgrade 0011" and who_id is None and "not reviewed by a person" in comment}
    assert by_upgrade == {(code, newest[code]) for code in codes if code != kept}
    assert not [r for r in rows if r.code == kept and r.approved_by == "examserver upgrade 0011"]
    db.dispose(app)
    _migrate(app, "0010", command.downgrade)
    with app.app_context():
        left = set(db.session.scalars(sa.select(BlueprintApproval.blueprint_id)))
    assert left == kept_ids
    db.dispose(app)
    _migrate(app, "heads", command.upgrade)
