"""Bank workbench: item review history and blueprint approvals

Existing bank_item rows keep their status: an approved row stays approved
(and drawable), a draft stays a draft. No row is rewritten.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29
"""
from alembic import op
import sqlalchemy as sa

import examserver.models.base

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "bank_item_review",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("from_status", sa.String(length=16), nullable=False),
        sa.Column("to_status", sa.String(length=16), nullable=False),
        sa.Column("actor_kind", sa.String(length=16), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_name", sa.String(length=120), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("at", examserver.models.base.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["actor_id"], ["user_account.id"], name=op.f("fk_bank_item_review_actor_id_user_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bank_item_review")),
    )
    op.create_index(op.f("ix_bank_item_review_item_id"), "bank_item_review", ["item_id"])
    op.create_table(
        "blueprint_approval",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("blueprint_id", sa.Integer(), nullable=False),
        sa.Column("approved_by_id", sa.Integer(), nullable=True),
        sa.Column("approved_by", sa.String(length=120), nullable=False),
        sa.Column("approved_at", examserver.models.base.UTCDateTime(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["blueprint_id"], ["exam_blueprint.id"],
                                name=op.f("fk_blueprint_approval_blueprint_id_exam_blueprint")),
        sa.ForeignKeyConstraint(["approved_by_id"], ["user_account.id"],
                                name=op.f("fk_blueprint_approval_approved_by_id_user_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_blueprint_approval")),
        sa.UniqueConstraint("blueprint_id", name=op.f("uq_blueprint_approval_blueprint_id")),
    )


def downgrade() -> None:
    op.drop_table("blueprint_approval")
    op.drop_index(op.f("ix_bank_item_review_item_id"), table_name="bank_item_review")
    op.drop_table("bank_item_review")
