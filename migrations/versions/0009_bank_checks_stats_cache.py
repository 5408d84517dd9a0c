"""Bank workbench, part 2: CHECK constraints on the review states, the statistics cache,
and who made a blueprint version in the console

* ``bank_item.status`` and ``bank_item_review.{action, from_status, to_status}``
  accept only the workflow's values (SQLite: the tables are rebuilt in batch mode).
* ``bank_stats_cache``: computed item/form statistics per query, valid while the
  stamp of the finished attempts it read (count, sum of ids, last finish) holds.
* ``blueprint_author``: the administrator who made a blueprint version (console
  editor or upload), so that another one approves it (four eyes).

No row is rewritten; existing values are all within the new constraints
(files know draft/approved/retired, the workflow adds review).

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30
"""
from alembic import op
import sqlalchemy as sa

import examserver.models.base

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

STATES = "'draft', 'review', 'approved', 'retired'"
ACTIONS = "'created', 'imported', 'submit', 'return', 'approve', 'retire'"


def upgrade() -> None:
    with op.batch_alter_table("bank_item") as batch:
        batch.create_check_constraint(op.f("ck_bank_item_status"), f"status IN ({STATES})")
    with op.batch_alter_table("bank_item_review") as batch:
        batch.create_check_constraint(op.f("ck_bank_item_review_action"), f"action IN ({ACTIONS})")
        batch.create_check_constraint(op.f("ck_bank_item_review_from_status"), f"from_status IN ('', {STATES})")
        batch.create_check_constraint(op.f("ck_bank_item_review_to_status"), f"to_status IN ({STATES})")
    op.create_table(
        "bank_stats_cache",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("stamp", sa.String(length=200), nullable=False),
        sa.Column("computed_at", examserver.models.base.UTCDateTime(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bank_stats_cache")),
        sa.UniqueConstraint("key", name=op.f("uq_bank_stats_cache_key")),
    )
    op.create_table(
        "blueprint_author",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("blueprint_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("author", sa.String(length=120), nullable=False),
        sa.Column("created_at", examserver.models.base.UTCDateTime(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["blueprint_id"], ["exam_blueprint.id"],
                                name=op.f("fk_blueprint_author_blueprint_id_exam_blueprint")),
        sa.ForeignKeyConstraint(["author_id"], ["user_account.id"],
                                name=op.f("fk_blueprint_author_author_id_user_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_blueprint_author")),
        sa.UniqueConstraint("blueprint_id", name=op.f("uq_blueprint_author_blueprint_id")),
    )


def downgrade() -> None:
    op.drop_table("blueprint_author")
    op.drop_table("bank_stats_cache")
    with op.batch_alter_table("bank_item_review") as batch:
        batch.drop_constraint(op.f("ck_bank_item_review_to_status"), type_="check")
        batch.drop_constraint(op.f("ck_bank_item_review_from_status"), type_="check")
        batch.drop_constraint(op.f("ck_bank_item_review_action"), type_="check")
    with op.batch_alter_table("bank_item") as batch:
        batch.drop_constraint(op.f("ck_bank_item_status"), type_="check")
