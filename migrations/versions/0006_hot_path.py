"""Hot path: pre-drawn forms (a start takes a form drawn ahead instead of drawing)

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29
"""
from alembic import op
import sqlalchemy as sa

import examserver.models.base

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "predrawn_form",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("blueprint_id", sa.Integer(), nullable=False),
        sa.Column("seed", sa.BigInteger(), nullable=False),
        sa.Column("form", sa.JSON(), nullable=False),
        sa.Column("form_digest", sa.String(length=64), nullable=False),
        sa.Column("drawn_at", examserver.models.base.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["participant_id"], ["participant.id"],
                                name=op.f("fk_predrawn_form_participant_id_participant"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["blueprint_id"], ["exam_blueprint.id"],
                                name=op.f("fk_predrawn_form_blueprint_id_exam_blueprint")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_predrawn_form")),
        sa.UniqueConstraint("participant_id", name=op.f("uq_predrawn_form_participant_id")),
    )


def downgrade() -> None:
    op.drop_table("predrawn_form")
