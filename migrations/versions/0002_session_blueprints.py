"""Tests (blueprints) offered per exam session

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""
from alembic import op
import sqlalchemy as sa

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("exam_session") as batch:
        batch.add_column(sa.Column("blueprint_codes", sa.JSON(), server_default=sa.text("'[]'"), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("exam_session") as batch:
        batch.drop_column("blueprint_codes")
