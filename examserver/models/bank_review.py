"""The bank workbench: who did what to an item version, and who approved a blueprint."""
from __future__ import annotations

from datetime import datetime
from typing import Any, Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from examserver.models.base import Base

# Review states of a bank item version (bank_item.status). Files know only
# draft/approved/retired; 'review' lives in the database and is stored as
# 'draft' in the payload, so an exported bank always reads back.
REVIEW_STATES = ("draft", "review", "approved", "retired")
REVIEW_ACTIONS = ("created", "imported", "submit", "return", "approve", "retire")
_STATES = ", ".join(f"'{s}'" for s in REVIEW_STATES)


class ItemReview(Base):
    """One step of an item version's life: created, submitted, returned, approved, retired, imported."""

    __tablename__ = "bank_item_review"
    __table_args__ = (
        sa.CheckConstraint("action IN (%s)" % ", ".join(f"'{a}'" for a in REVIEW_ACTIONS), name="action"),
        sa.CheckConstraint(f"from_status IN ('', {_STATES})", name="from_status"),
        sa.CheckConstraint(f"to_status IN ({_STATES})", name="to_status"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[str] = mapped_column(sa.String(64), index=True)
    version: Mapped[int]
    action: Mapped[str] = mapped_column(sa.String(16))
    from_status: Mapped[str] = mapped_column(sa.String(16), default="")
    to_status: Mapped[str] = mapped_column(sa.String(16))
    actor_kind: Mapped[str] = mapped_column(sa.String(16))
    actor_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("user_account.id"))
    actor_name: Mapped[str] = mapped_column(sa.String(120))
    comment: Mapped[str] = mapped_column(sa.Text, default="")
    at: Mapped[datetime]


class BlueprintApproval(Base):
    """The authority's approval of one blueprint version and its thresholds (seed 003 §22(б))."""

    __tablename__ = "blueprint_approval"
    id: Mapped[int] = mapped_column(primary_key=True)
    blueprint_id: Mapped[int] = mapped_column(sa.ForeignKey("exam_blueprint.id"), unique=True)
    approved_by_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("user_account.id"))
    approved_by: Mapped[str] = mapped_column(sa.String(120))
    approved_at: Mapped[datetime]
    comment: Mapped[str] = mapped_column(sa.Text, default="")


class BlueprintAuthor(Base):
    """Who made a blueprint version in the console (editor or upload): another administrator approves it."""

    __tablename__ = "blueprint_author"
    id: Mapped[int] = mapped_column(primary_key=True)
    blueprint_id: Mapped[int] = mapped_column(sa.ForeignKey("exam_blueprint.id"), unique=True)
    author_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("user_account.id"))
    author: Mapped[str] = mapped_column(sa.String(120))
    created_at: Mapped[datetime]
    comment: Mapped[str] = mapped_column(sa.Text, default="")


class StatsCache(Base):
    """Computed item/form statistics of one query (``key``), valid while ``stamp`` (what the
    finished attempts of the query looked like when they were read) still holds."""

    __tablename__ = "bank_stats_cache"
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(200), unique=True)
    stamp: Mapped[str] = mapped_column(sa.String(200))
    computed_at: Mapped[datetime]
    payload: Mapped[dict[str, Any]]
