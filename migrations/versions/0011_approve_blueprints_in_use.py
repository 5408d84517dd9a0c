"""Blueprints in use before approvals were required stay in use

From this release a test is drawn only from an approved blueprint version
(``examserver/bank/drawn.py``). A database made by an earlier release has
blueprints that were drawn from without any approval on record; without this
step every code issue and start for them would be refused after the upgrade.
For each blueprint code that has no approved version, its newest version
(the one that was being drawn) is recorded as approved by this upgrade, with
a comment saying that no person reviewed it, so the authority can see which
approvals to confirm. Versions made afterwards wait for an administrator's
approval as usual. The downgrade removes exactly these approvals.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30
"""
from datetime import datetime, timezone

import sqlalchemy as sa
from alembic import op

import examserver.models.base

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

APPROVER = "examserver upgrade 0011"
COMMENT = ("in use before approvals were required: kept in use by the upgrade, "
           "not reviewed by a person")

_blueprint = sa.table("exam_blueprint", sa.column("id", sa.Integer), sa.column("code", sa.String),
                      sa.column("version", sa.Integer))
_approval = sa.table("blueprint_approval", sa.column("id", sa.Integer), sa.column("blueprint_id", sa.Integer),
                     sa.column("approved_by_id", sa.Integer), sa.column("approved_by", sa.String),
                     sa.column("approved_at", examserver.models.base.UTCDateTime()),
                     sa.column("comment", sa.Text))


def upgrade() -> None:
    bind = op.get_bind()
    approved_codes = set(bind.execute(
        sa.select(_blueprint.c.code).join(_approval, _approval.c.blueprint_id == _blueprint.c.id)).scalars())
    newest: dict[str, tuple[int, int]] = {}
    for blueprint_id, code, version in bind.execute(sa.select(_blueprint.c.id, _blueprint.c.code,
                                                              _blueprint.c.version)):
        if code not in approved_codes and (code not in newest or version > newest[code][1]):
            newest[code] = (blueprint_id, version)
    now = datetime.now(timezone.utc)
    rows = [{"blueprint_id": blueprint_id, "approved_by_id": None, "approved_by": APPROVER, "approved_at": now,
             "comment": COMMENT} for blueprint_id, _version in sorted(newest.values())]
    if rows:
        bind.execute(_approval.insert(), rows)


def downgrade() -> None:
    op.get_bind().execute(_approval.delete().where(_approval.c.approved_by == APPROVER,
                                                   _approval.c.comment == COMMENT))
