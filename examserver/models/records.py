"""Signed protocols, technical appeals, commissions, audit log and rate counters."""
from __future__ import annotations

import enum
from datetime import datetime
from typing import Any, Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from examserver.models.base import Base, enum_column
from examserver.models.org import User


class ProtocolKind(str, enum.Enum):
    TESTING = "testing"
    CORRECTION = "correction"   # corrected testing protocol after an upheld appeal
    SESSION = "session"
    APPEAL = "appeal"
    COMPETITION = "competition"   # examserver/competitions (migration 0005)


class Protocol(Base):
    """A signed canonical record. Never updated after it is written."""

    __tablename__ = "protocol"
    __table_args__ = (sa.UniqueConstraint("centre_id", "year", "kind", "serial"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[ProtocolKind] = mapped_column(enum_column(ProtocolKind, "kind"))
    number: Mapped[str] = mapped_column(sa.String(40), unique=True)
    centre_id: Mapped[int] = mapped_column(sa.ForeignKey("centre.id"))
    year: Mapped[int]
    serial: Mapped[int]
    attempt_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("attempt.id"), index=True)
    session_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("exam_session.id"), index=True)
    appeal_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("appeal.id"), index=True)
    supersedes_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("protocol.id"))
    record: Mapped[str] = mapped_column(sa.Text)          # canonical JSON text, exactly as signed
    signature: Mapped[str] = mapped_column(sa.String(128))  # base64 Ed25519 signature
    key_fingerprint: Mapped[str] = mapped_column(sa.String(64))
    pdf: Mapped[Optional[bytes]] = mapped_column(sa.LargeBinary)
    created_at: Mapped[datetime]
    expires_at: Mapped[Optional[datetime]]


class AppealState(str, enum.Enum):
    FILED = "filed"
    DECIDED = "decided"   # decision recorded, waiting for signatures
    SIGNED = "signed"     # appeal protocol signed


class AppealDecision(str, enum.Enum):
    REJECTED = "rejected"
    UPHELD = "upheld"


class Commission(Base):
    """A technical commission of a centre (optionally for one session)."""

    __tablename__ = "commission"
    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(sa.ForeignKey("centre.id"), index=True)
    session_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("exam_session.id"))
    name: Mapped[str] = mapped_column(sa.String(200))
    created_at: Mapped[datetime]
    members: Mapped[list["CommissionMember"]] = relationship(back_populates="commission", cascade="all, delete-orphan")


class CommissionMember(Base):
    __tablename__ = "commission_member"
    __table_args__ = (sa.UniqueConstraint("commission_id", "user_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    commission_id: Mapped[int] = mapped_column(sa.ForeignKey("commission.id"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    is_chair: Mapped[bool] = mapped_column(default=False)
    commission: Mapped[Commission] = relationship(back_populates="members")
    user: Mapped[User] = relationship()


class Appeal(Base):
    """A technical appeal against one attempt's result."""

    __tablename__ = "appeal"
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(sa.String(40), unique=True)
    attempt_id: Mapped[int] = mapped_column(sa.ForeignKey("attempt.id"), unique=True)
    filed_at: Mapped[datetime]
    filed_via: Mapped[str] = mapped_column(sa.String(16))  # kiosk | proctor
    filed_by_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("user_account.id"))
    statement: Mapped[str] = mapped_column(sa.Text, default="")
    state: Mapped[AppealState] = mapped_column(enum_column(AppealState, "state"), default=AppealState.FILED)
    commission_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("commission.id"))
    decision: Mapped[Optional[AppealDecision]] = mapped_column(enum_column(AppealDecision, "decision"))
    grounds: Mapped[str] = mapped_column(sa.Text, default="")
    decision_details: Mapped[Optional[dict[str, Any]]] = mapped_column(sa.JSON)
    decided_at: Mapped[Optional[datetime]]
    expires_at: Mapped[datetime]


class AppealSignature(Base):
    """One commission member's confirmation of an appeal protocol."""

    __tablename__ = "appeal_signature"
    __table_args__ = (sa.UniqueConstraint("appeal_id", "user_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    appeal_id: Mapped[int] = mapped_column(sa.ForeignKey("appeal.id"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    signed_at: Mapped[datetime]
    signature: Mapped[str] = mapped_column(sa.String(128))
    public_key: Mapped[str] = mapped_column(sa.String(128))


class AuditEntry(Base):
    """Who did what, when (UTC), to what, and why (invariant 8)."""

    __tablename__ = "audit_entry"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(index=True)
    actor_kind: Mapped[str] = mapped_column(sa.String(16))   # user | terminal | system | cli
    actor_id: Mapped[Optional[int]]
    actor_name: Mapped[str] = mapped_column(sa.String(200), default="")
    centre_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("centre.id"), index=True)
    action: Mapped[str] = mapped_column(sa.String(64), index=True)
    object_type: Mapped[str] = mapped_column(sa.String(32), default="")
    object_id: Mapped[str] = mapped_column(sa.String(64), default="")
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    details: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)


class RateEvent(Base):
    """A counted event (failed login, wrong access code) for limits that must
    hold across workers and instances (invariant 9)."""

    __tablename__ = "rate_event"
    __table_args__ = (sa.Index("ix_rate_event_scope_key_at", "scope", "key", "at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(sa.String(32))
    key: Mapped[str] = mapped_column(sa.String(128))
    at: Mapped[datetime]


class SweepLock(Base):
    """Row locked (SELECT ... FOR UPDATE) by the deadline sweep so that two
    workers never run it at once on PostgreSQL."""

    __tablename__ = "sweep_lock"
    name: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    last_run_at: Mapped[Optional[datetime]]
