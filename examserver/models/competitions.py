"""Competitions for a vacant post: the sessions and applicants they use, tie-break
tests, interview votes, decisions, reserve entries and results letters.

A competition's applicants are the participants of its linked main sessions who
applied for its position; per-applicant facts the registration does not hold
(withdrawal, results letter) live in ``competition_applicant``, created on the
first such fact. The ranking itself is computed from the finished attempts
(``examserver.competitions.rules``); what the authority decided is recorded in
``competition_decision`` and fixed in the signed competition protocol.
"""
from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any, Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from examserver.models.base import Base, enum_column
from examserver.models.bank import Position
from examserver.models.org import Centre


class RuleSet(str, enum.Enum):
    EDUCATION = "education"     # seed 003: highest score, tie-break test, reserve (§§29-32, 37)
    MUNICIPAL = "municipal"     # seed 001: 50 % to the interview, majority vote, 75 % internal reserve


class CompetitionState(str, enum.Enum):
    ANNOUNCED = "announced"
    CONCLUDED = "concluded"     # a competition protocol is signed


class DecisionKind(str, enum.Enum):
    TIE_RESOLVED = "tie_resolved"            # a tie that survived the sum, resolved by the authority
    DECLINED = "declined"                    # the winner declined the contract (§29)
    RUNNER_UP_OFFERED = "runner_up_offered"  # §29 b
    NEW_COMPETITION = "new_competition"      # §29 a / §31
    NEW_VOTE = "new_vote"                    # municipal: a split vote, a new round of voting


class Competition(Base):
    """A competition for one vacant post (a position of a group) at one centre."""

    __tablename__ = "competition"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(40), unique=True)   # the label registration lists carry
    title: Mapped[str] = mapped_column(sa.String(200))
    rule_set: Mapped[RuleSet] = mapped_column(enum_column(RuleSet, "rule_set"))
    centre_id: Mapped[int] = mapped_column(sa.ForeignKey("centre.id"), index=True)
    position_id: Mapped[int] = mapped_column(sa.ForeignKey("position.id"))
    applications_until: Mapped[date]
    test_date: Mapped[date]
    interview_percent: Mapped[int] = mapped_column(default=50)
    reserve_percent: Mapped[int] = mapped_column(default=75)
    state: Mapped[CompetitionState] = mapped_column(enum_column(CompetitionState, "state"),
                                                    default=CompetitionState.ANNOUNCED)
    announced_at: Mapped[datetime]
    announced_by_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("user_account.id"))
    # When the outcome (winner or failure) was fixed by a signed protocol; letters are due 5 days later (§37).
    determined_at: Mapped[Optional[datetime]]
    protocol_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("protocol.id"))
    centre: Mapped[Centre] = relationship()
    position: Mapped[Position] = relationship()


class CompetitionSession(Base):
    """An exam session that holds a competition's main test or its tie-break test."""

    __tablename__ = "competition_session"
    __table_args__ = (sa.UniqueConstraint("competition_id", "session_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    competition_id: Mapped[int] = mapped_column(sa.ForeignKey("competition.id"), index=True)
    session_id: Mapped[int] = mapped_column(sa.ForeignKey("exam_session.id"), index=True)
    purpose: Mapped[str] = mapped_column(sa.String(16), default="main")   # main | tiebreak
    linked_at: Mapped[datetime]


class CompetitionApplicant(Base):
    """Facts about one applicant that registration does not hold."""

    __tablename__ = "competition_applicant"
    __table_args__ = (sa.UniqueConstraint("competition_id", "participant_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    competition_id: Mapped[int] = mapped_column(sa.ForeignKey("competition.id"), index=True)
    participant_id: Mapped[int] = mapped_column(sa.ForeignKey("participant.id"), index=True)
    withdrawn_at: Mapped[Optional[datetime]]
    withdraw_reason: Mapped[str] = mapped_column(sa.Text, default="")
    letter_issued_at: Mapped[Optional[datetime]]
    letter_language: Mapped[str] = mapped_column(sa.String(4), default="")
    letter_result: Mapped[str] = mapped_column(sa.String(32), default="")


class TieBreak(Base):
    """An additional test for candidates sharing the highest score (seed 003 §29)."""

    __tablename__ = "competition_tiebreak"
    id: Mapped[int] = mapped_column(primary_key=True)
    competition_id: Mapped[int] = mapped_column(sa.ForeignKey("competition.id"), index=True)
    session_id: Mapped[int] = mapped_column(sa.ForeignKey("exam_session.id"))
    blueprint_id: Mapped[int] = mapped_column(sa.ForeignKey("exam_blueprint.id"))
    main_question_count: Mapped[int]
    question_count: Mapped[int]
    due_on: Mapped[date]
    scheduled_at: Mapped[datetime]
    scheduled_by_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("user_account.id"))
    entries: Mapped[list["TieBreakEntry"]] = relationship(back_populates="tiebreak", order_by="TieBreakEntry.id")


class TieBreakEntry(Base):
    """One tied candidate in a tie-break: their main participant row and the new
    one in the tie-break session, with the items they already saw (never drawn again)."""

    __tablename__ = "competition_tiebreak_entry"
    id: Mapped[int] = mapped_column(primary_key=True)
    tiebreak_id: Mapped[int] = mapped_column(sa.ForeignKey("competition_tiebreak.id"), index=True)
    main_participant_id: Mapped[int] = mapped_column(sa.ForeignKey("participant.id"))
    participant_id: Mapped[int] = mapped_column(sa.ForeignKey("participant.id"), unique=True)
    seen_items: Mapped[list[Any]] = mapped_column(sa.JSON, default=list)
    tiebreak: Mapped[TieBreak] = relationship(back_populates="entries")


class InterviewVote(Base):
    """One present commission member's vote in a municipal interview round
    (``participant_id`` None: abstained), with optional notes per interview theme."""

    __tablename__ = "competition_vote"
    __table_args__ = (sa.UniqueConstraint("competition_id", "round", "member_name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    competition_id: Mapped[int] = mapped_column(sa.ForeignKey("competition.id"), index=True)
    round: Mapped[int] = mapped_column(default=1)
    member_name: Mapped[str] = mapped_column(sa.String(200))
    participant_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("participant.id"))
    notes: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    recorded_at: Mapped[datetime]
    recorded_by_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("user_account.id"))


class CompetitionDecision(Base):
    """A recorded decision of the authority, with who and why."""

    __tablename__ = "competition_decision"
    id: Mapped[int] = mapped_column(primary_key=True)
    competition_id: Mapped[int] = mapped_column(sa.ForeignKey("competition.id"), index=True)
    kind: Mapped[DecisionKind] = mapped_column(enum_column(DecisionKind, "kind"))
    participant_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("participant.id"))
    reason: Mapped[str] = mapped_column(sa.Text)
    decided_at: Mapped[datetime]
    decided_by_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("user_account.id"))


class ReserveEntry(Base):
    """A candidate placed in the reserve by a signed competition protocol
    (``kind``: ``reserve`` seed 003 §32/§37, ``internal`` seed 001 75 %)."""

    __tablename__ = "competition_reserve"
    __table_args__ = (sa.UniqueConstraint("competition_id", "participant_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    competition_id: Mapped[int] = mapped_column(sa.ForeignKey("competition.id"), index=True)
    participant_id: Mapped[int] = mapped_column(sa.ForeignKey("participant.id"))
    kind: Mapped[str] = mapped_column(sa.String(16))
    place: Mapped[int]
    total_points: Mapped[int]
    max_points: Mapped[int]
    protocol_number: Mapped[str] = mapped_column(sa.String(40))
    created_at: Mapped[datetime]
