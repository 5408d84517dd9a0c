"""Exam sessions, participants, access codes and enrolled terminals."""
from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any, Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from examserver.models.base import Base, enum_column
from examserver.models.bank import Position
from examserver.models.org import Centre, Room


class SessionState(str, enum.Enum):
    PLANNED = "planned"
    OPEN = "open"
    CLOSED = "closed"


class Admission(str, enum.Enum):
    PENDING = "pending"
    ADMITTED = "admitted"
    NOT_ADMITTED = "not_admitted"


class TerminalState(str, enum.Enum):
    PENDING = "pending"      # showing a pairing code, not yet confirmed
    ENROLLED = "enrolled"
    LOCKED = "locked"        # too many wrong codes; a proctor unlocks
    REVOKED = "revoked"


class ExamSession(Base):
    """One sitting in one room of one centre on one day."""

    __tablename__ = "exam_session"
    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(sa.ForeignKey("centre.id"), index=True)
    room_id: Mapped[int] = mapped_column(sa.ForeignKey("room.id"), index=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    session_date: Mapped[date]
    starts_at: Mapped[datetime]          # start window opens
    start_window_minutes: Mapped[int] = mapped_column(default=60)
    state: Mapped[SessionState] = mapped_column(enum_column(SessionState, "state"), default=SessionState.PLANNED)
    proctor_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("user_account.id"))
    # Blueprint codes (tests) offered in this sitting; empty means every test.
    blueprint_codes: Mapped[list[Any]] = mapped_column(sa.JSON, default=list, server_default=sa.text("'[]'"))
    created_at: Mapped[datetime]
    opened_at: Mapped[Optional[datetime]]
    closed_at: Mapped[Optional[datetime]]
    centre: Mapped[Centre] = relationship()
    room: Mapped[Room] = relationship()


class Participant(Base):
    """A registered person in a session (one attempt at most)."""

    __tablename__ = "participant"
    __table_args__ = (sa.UniqueConstraint("session_id", "pin"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(sa.ForeignKey("exam_session.id"), index=True)
    surname: Mapped[str] = mapped_column(sa.String(100))
    name: Mapped[str] = mapped_column(sa.String(100))
    patronymic: Mapped[str] = mapped_column(sa.String(100), default="")
    pin: Mapped[str] = mapped_column(sa.String(14), index=True)
    id_document: Mapped[str] = mapped_column(sa.String(64))
    position_id: Mapped[int] = mapped_column(sa.ForeignKey("position.id"))
    language: Mapped[str] = mapped_column(sa.String(4), default="ky")
    competition: Mapped[str] = mapped_column(sa.String(200), default="")
    admission: Mapped[Admission] = mapped_column(enum_column(Admission, "admission"), default=Admission.PENDING)
    admission_reason: Mapped[str] = mapped_column(sa.Text, default="")
    seat: Mapped[str] = mapped_column(sa.String(16), default="")
    no_show: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime]
    # When the proctor recorded the candidate's signed consent to the processing of
    # personal data (seed 003, annex 3); None: not recorded.
    consent_at: Mapped[Optional[datetime]]
    session: Mapped[ExamSession] = relationship()
    position: Mapped[Position] = relationship()

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.surname, self.name, self.patronymic) if p)


class AccessCode(Base):
    """An access code (cipher). Only its keyed hash is stored; the code itself is
    shown once when issued."""

    __tablename__ = "access_code"
    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(sa.ForeignKey("participant.id"), index=True)
    session_id: Mapped[int] = mapped_column(sa.ForeignKey("exam_session.id"), index=True)
    code_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    issued_at: Mapped[datetime]
    issued_by_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("user_account.id"))
    revoked_at: Mapped[Optional[datetime]]
    participant: Mapped[Participant] = relationship()


class Terminal(Base):
    """A kiosk browser. Identified by a long random secret in an HttpOnly cookie;
    only its hash is stored."""

    __tablename__ = "terminal"
    id: Mapped[int] = mapped_column(primary_key=True)
    secret_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    pairing_code: Mapped[Optional[str]] = mapped_column(sa.String(12), index=True)
    state: Mapped[TerminalState] = mapped_column(enum_column(TerminalState, "state"), default=TerminalState.PENDING)
    centre_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("centre.id"), index=True)
    room_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("room.id"), index=True)
    seat: Mapped[str] = mapped_column(sa.String(16), default="")
    created_at: Mapped[datetime]
    enrolled_at: Mapped[Optional[datetime]]
    enrolled_by_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("user_account.id"))
    locked_at: Mapped[Optional[datetime]]
    last_seen_at: Mapped[Optional[datetime]]
    user_agent: Mapped[str] = mapped_column(sa.String(300), default="")
    room: Mapped[Optional[Room]] = relationship()
