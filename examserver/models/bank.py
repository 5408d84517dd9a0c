"""Question-bank content as stored: topics, immutable item versions, blueprints, positions."""
from __future__ import annotations

from datetime import datetime
from typing import Any, Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from examserver.models.base import Base


class Topic(Base):
    """A law or area that items belong to (e.g. CONST)."""

    __tablename__ = "topic"
    code: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    section: Mapped[str] = mapped_column(sa.String(20))
    title: Mapped[dict[str, Any]]


class BankItem(Base):
    """One version of one item. Rows are never updated once an attempt uses them;
    editing an item means importing a new version."""

    __tablename__ = "bank_item"
    __table_args__ = (sa.UniqueConstraint("item_id", "version"),
                      # bank_review.REVIEW_STATES (migration 0009)
                      sa.CheckConstraint("status IN ('draft', 'review', 'approved', 'retired')", name="status"))
    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[str] = mapped_column(sa.String(64), index=True)
    version: Mapped[int]
    topic_code: Mapped[str] = mapped_column(sa.ForeignKey("topic.code"), index=True)
    status: Mapped[str] = mapped_column(sa.String(16))
    bank_id: Mapped[str] = mapped_column(sa.String(64), default="")
    payload: Mapped[dict[str, Any]]  # question_bank.Item.to_dict()
    digest: Mapped[str] = mapped_column(sa.String(64))
    imported_at: Mapped[datetime]


class ExamBlueprint(Base):
    """One version of an exam blueprint for a position group."""

    __tablename__ = "exam_blueprint"
    __table_args__ = (sa.UniqueConstraint("code", "version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(40), index=True)
    version: Mapped[int]
    group_code: Mapped[str] = mapped_column(sa.String(8), index=True)
    payload: Mapped[dict[str, Any]]  # question_bank.Blueprint.to_dict()
    digest: Mapped[str] = mapped_column(sa.String(64))
    imported_at: Mapped[datetime]


class Position(Base):
    """A position a candidate applies for; decides the group and the blueprint."""

    __tablename__ = "position"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(40), unique=True)
    title: Mapped[dict[str, Any]]
    department: Mapped[dict[str, Any]]
    group_code: Mapped[str] = mapped_column(sa.String(8))
    blueprint_code: Mapped[str] = mapped_column(sa.String(40))
    active: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[Optional[datetime]]
