"""Central consolidation (trusted centre keys, imported bundles, received protocols) and personal data (consent)

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29
"""
from alembic import op
import sqlalchemy as sa

import examserver.models.base

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("participant") as batch:
        batch.add_column(sa.Column("consent_at", examserver.models.base.UTCDateTime(), nullable=True))
    op.create_table(
        "trusted_centre_key",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("centre_code", sa.String(length=32), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("public_key", sa.Text(), nullable=False),
        sa.Column("added_at", examserver.models.base.UTCDateTime(), nullable=False),
        sa.Column("added_by", sa.String(length=120), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trusted_centre_key")),
        sa.UniqueConstraint("fingerprint", name=op.f("uq_trusted_centre_key_fingerprint")),
    )
    op.create_index(op.f("ix_trusted_centre_key_centre_code"), "trusted_centre_key", ["centre_code"])
    op.create_table(
        "result_bundle",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("centre_code", sa.String(length=32), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("created_at", examserver.models.base.UTCDateTime(), nullable=False),
        sa.Column("imported_at", examserver.models.base.UTCDateTime(), nullable=False),
        sa.Column("protocol_count", sa.Integer(), nullable=False),
        sa.Column("new_count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_result_bundle")),
        sa.UniqueConstraint("digest", name=op.f("uq_result_bundle_digest")),
    )
    op.create_index(op.f("ix_result_bundle_centre_code"), "result_bundle", ["centre_code"])
    op.create_table(
        "consolidated_protocol",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("centre_code", sa.String(length=32), nullable=False),
        sa.Column("number", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("record", sa.Text(), nullable=False),
        sa.Column("signature", sa.String(length=128), nullable=False),
        sa.Column("key_fingerprint", sa.String(length=64), nullable=False),
        sa.Column("record_digest", sa.String(length=64), nullable=False),
        sa.Column("bundle_id", sa.Integer(), nullable=False),
        sa.Column("session_date", sa.Date(), nullable=True),
        sa.Column("position_group", sa.String(length=16), nullable=True),
        sa.Column("position_code", sa.String(length=64), nullable=True),
        sa.Column("candidate", sa.String(length=300), nullable=True),
        sa.Column("verdict", sa.String(length=32), nullable=True),
        sa.Column("total_points", sa.Integer(), nullable=True),
        sa.Column("max_points", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["bundle_id"], ["result_bundle.id"],
                                name=op.f("fk_consolidated_protocol_bundle_id_result_bundle")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consolidated_protocol")),
        sa.UniqueConstraint("centre_code", "number", name=op.f("uq_consolidated_protocol_centre_code_number")),
    )
    for column in ("centre_code", "bundle_id", "session_date", "position_group", "verdict"):
        op.create_index(op.f(f"ix_consolidated_protocol_{column}"), "consolidated_protocol", [column])


def downgrade() -> None:
    op.drop_table("consolidated_protocol")
    op.drop_table("result_bundle")
    op.drop_table("trusted_centre_key")
    with op.batch_alter_table("participant") as batch:
        batch.drop_column("consent_at")
