"""Attempts, their time adjustments and the hash-chained answer journal."""
from __future__ import annotations

import enum
from datetime import datetime
from typing import Any, Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from examserver.models.base import Base, enum_column
from examserver.models.bank import ExamBlueprint
from examserver.models.sessions import ExamSession, Participant, Terminal


class AttemptState(str, enum.Enum):
    IN_PROGRESS = "in_progress"
    PAUSED = "paused"
    FINISHED = "finished"


class FinishReason(str, enum.Enum):
    SUBMITTED = "submitted"   # the candidate submitted
    DEADLINE = "deadline"     # time ran out (next touch or sweep)
    CLOSED = "closed"         # the session was closed by a proctor


class Attempt(Base):
    """One candidate's exam. The form is frozen at start (invariant 4):
    ``form`` holds item refs, option orders and the seed."""

    __tablename__ = "attempt"
    # The live room reads these columns of every attempt of a session at each
    # poll (registration/live_rows). SQLite stores them after the frozen form,
    # on its overflow pages, so this index holds them (10x cheaper polls).
    # PostgreSQL keeps the form out of line (TOAST), and an index on columns
    # every save changes would cost it its HOT updates: SQLite only.
    __table_args__ = (
        sa.Index("ix_attempt_live_room", "session_id", "participant_id", "state", "answered_count", "question_count",
                 "deadline_at", "paused_at", "last_contact_at", "terminal_id", "total_points", "max_points", "verdict",
                 info={"only_on": "sqlite"}).ddl_if(dialect="sqlite"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(sa.ForeignKey("participant.id"), unique=True)
    session_id: Mapped[int] = mapped_column(sa.ForeignKey("exam_session.id"), index=True)
    terminal_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("terminal.id"), index=True)
    blueprint_id: Mapped[int] = mapped_column(sa.ForeignKey("exam_blueprint.id"))
    language: Mapped[str] = mapped_column(sa.String(4))
    seed: Mapped[int] = mapped_column(sa.BigInteger)
    form: Mapped[dict[str, Any]]
    form_digest: Mapped[str] = mapped_column(sa.String(64))
    state: Mapped[AttemptState] = mapped_column(enum_column(AttemptState, "state"), default=AttemptState.IN_PROGRESS, index=True)
    started_at: Mapped[datetime]
    duration_seconds: Mapped[int]
    # Denormalised: started_at + duration + extensions + completed pauses. Kept in
    # step by examserver/exam/timer so the sweep and the live view need no arithmetic in SQL.
    deadline_at: Mapped[datetime] = mapped_column(index=True)
    paused_at: Mapped[Optional[datetime]]
    finished_at: Mapped[Optional[datetime]]
    finish_reason: Mapped[Optional[FinishReason]] = mapped_column(enum_column(FinishReason, "finish_reason"))
    last_seq: Mapped[int] = mapped_column(default=0)
    journal_head: Mapped[str] = mapped_column(sa.String(64), default="")
    answered_count: Mapped[int] = mapped_column(default=0)
    question_count: Mapped[int] = mapped_column(default=0)
    last_contact_at: Mapped[Optional[datetime]]
    score: Mapped[Optional[dict[str, Any]]] = mapped_column(sa.JSON)  # ScoreReport.to_dict()
    total_points: Mapped[Optional[int]]
    max_points: Mapped[Optional[int]]
    verdict: Mapped[Optional[str]] = mapped_column(sa.String(16))
    participant: Mapped[Participant] = relationship()
    session: Mapped[ExamSession] = relationship()
    terminal: Mapped[Optional[Terminal]] = relationship()
    blueprint: Mapped[ExamBlueprint] = relationship()


class AdjustmentKind(str, enum.Enum):
    EXTENSION = "extension"
    PAUSE = "pause"


class TimeAdjustment(Base):
    """Extra time granted by a proctor, or a pause whose length is given back."""

    __tablename__ = "time_adjustment"
    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(sa.ForeignKey("attempt.id"), index=True)
    kind: Mapped[AdjustmentKind] = mapped_column(enum_column(AdjustmentKind, "kind"))
    seconds: Mapped[int] = mapped_column(default=0)   # for a pause: filled when resumed
    reason: Mapped[str] = mapped_column(sa.Text)
    actor_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("user_account.id"))
    created_at: Mapped[datetime]
    ended_at: Mapped[Optional[datetime]]


class JournalEvent(Base):
    """One event of an attempt's answer journal.

    ``hash = SHA-256(prev_hash || canonical(event))`` (invariant 3); seq 0 is
    the start event written by the server.
    """

    __tablename__ = "journal_event"
    __table_args__ = (sa.UniqueConstraint("attempt_id", "seq"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(sa.ForeignKey("attempt.id"), index=True)
    seq: Mapped[int]
    kind: Mapped[str] = mapped_column(sa.String(16))   # start|answer|flag|visit|finish|...
    payload: Mapped[dict[str, Any]]
    client_time: Mapped[str] = mapped_column(sa.String(40), default="")
    server_time: Mapped[datetime]
    prev_hash: Mapped[str] = mapped_column(sa.String(64))
    hash: Mapped[str] = mapped_column(sa.String(64))
