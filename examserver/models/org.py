"""Testing centres, rooms and staff accounts."""
from __future__ import annotations

import enum
from datetime import datetime
from typing import Any, Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from examserver.models.base import Base, enum_column


class Role(str, enum.Enum):
    ADMIN = "admin"          # testing authority
    PROCTOR = "proctor"      # testing-centre staff
    CHAIR = "chair"          # technical commission chair
    MEMBER = "member"        # technical commission member


class Centre(Base):
    """A testing centre (branch) of the testing authority."""

    __tablename__ = "centre"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(32), unique=True)
    name: Mapped[dict[str, Any]]  # {lang: text}
    address: Mapped[str] = mapped_column(sa.String(300), default="")
    rooms: Mapped[list["Room"]] = relationship(back_populates="centre", order_by="Room.name")


class Room(Base):
    __tablename__ = "room"
    __table_args__ = (sa.UniqueConstraint("centre_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(sa.ForeignKey("centre.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    seats: Mapped[int] = mapped_column(default=30)
    centre: Mapped[Centre] = relationship(back_populates="rooms")


class User(Base):
    """A staff account. ``centre_id`` is None for authority-wide administrators."""

    __tablename__ = "user_account"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(64), unique=True)
    full_name: Mapped[str] = mapped_column(sa.String(200))
    role: Mapped[Role] = mapped_column(enum_column(Role, "role"))
    centre_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("centre.id"), index=True)
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    active: Mapped[bool] = mapped_column(default=True)
    # Bumped on deactivation or password change: every login session carries the
    # version it was made with, so old sessions die everywhere at once.
    session_version: Mapped[int] = mapped_column(default=1)
    # Commission members sign appeal protocols with a personal Ed25519 key whose
    # private half is encrypted under their password (see examserver/appeals/member_keys).
    signing_public_key: Mapped[Optional[str]] = mapped_column(sa.String(128))
    signing_private_key_enc: Mapped[Optional[str]] = mapped_column(sa.Text)
    created_at: Mapped[datetime]
    centre: Mapped[Optional[Centre]] = relationship()


class LoginSession(Base):
    """A console login, kept on the server so that logging out really ends it.

    The browser holds a random token (inside the signed Flask session cookie);
    only its SHA-256 is stored here. A session ends at logout, on deactivation
    of the account, after ``SESSION_IDLE_MINUTES`` without a request, or
    ``SESSION_LIFETIME_HOURS`` after the login, whichever comes first.
    """

    __tablename__ = "login_session"
    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    created_at: Mapped[datetime]
    # Updated at most once a minute (not on every request) to keep requests cheap.
    last_seen_at: Mapped[datetime]
    ended_at: Mapped[Optional[datetime]]
    # logout | deactivated | idle | expired
    end_reason: Mapped[Optional[str]] = mapped_column(sa.String(32))
    remote_addr: Mapped[str] = mapped_column(sa.String(64), default="")
