"""What the authority keeps of the centres' results: the centres' trusted
keys, the bundles imported, and every signed protocol received (one row each,
with the searchable values copied out of the signed record)."""
from __future__ import annotations

from datetime import date, datetime
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from examserver.models.base import Base


class TrustedCentreKey(Base):
    """A centre's public signing key the authority was told to trust."""

    __tablename__ = "trusted_centre_key"

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_code: Mapped[str] = mapped_column(sa.String(32), index=True)
    fingerprint: Mapped[str] = mapped_column(sa.String(64), unique=True)
    public_key: Mapped[str] = mapped_column(sa.Text)  # PEM
    added_at: Mapped[datetime]
    added_by: Mapped[str] = mapped_column(sa.String(120))


class ResultBundle(Base):
    """One imported bundle; its digest makes a second import a no-op."""

    __tablename__ = "result_bundle"

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_code: Mapped[str] = mapped_column(sa.String(32), index=True)
    digest: Mapped[str] = mapped_column(sa.String(64), unique=True)  # SHA-256 of the signed manifest
    created_at: Mapped[datetime]       # when the centre made it (from the signed manifest)
    imported_at: Mapped[datetime]
    protocol_count: Mapped[int]
    new_count: Mapped[int]


class ConsolidatedProtocol(Base):
    """A protocol received from a centre, exactly as signed, plus the values
    the authority searches by (copied from the verified record)."""

    __tablename__ = "consolidated_protocol"
    __table_args__ = (sa.UniqueConstraint("centre_code", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_code: Mapped[str] = mapped_column(sa.String(32), index=True)
    number: Mapped[str] = mapped_column(sa.String(40))
    kind: Mapped[str] = mapped_column(sa.String(32))
    record: Mapped[str] = mapped_column(sa.Text)
    signature: Mapped[str] = mapped_column(sa.String(128))
    key_fingerprint: Mapped[str] = mapped_column(sa.String(64))
    record_digest: Mapped[str] = mapped_column(sa.String(64))
    bundle_id: Mapped[int] = mapped_column(sa.ForeignKey("result_bundle.id"), index=True)
    session_date: Mapped[Optional[date]] = mapped_column(sa.Date, index=True)
    position_group: Mapped[Optional[str]] = mapped_column(sa.String(16), index=True)
    position_code: Mapped[Optional[str]] = mapped_column(sa.String(64))
    candidate: Mapped[Optional[str]] = mapped_column(sa.String(300))
    verdict: Mapped[Optional[str]] = mapped_column(sa.String(32), index=True)
    total_points: Mapped[Optional[int]]
    max_points: Mapped[Optional[int]]
