"""Announcing a competition, linking the sessions that test its applicants,
and recording withdrawals."""
from __future__ import annotations

import re
from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _

from examserver import clock
from examserver.db import db
from examserver.models import (Centre, Competition, CompetitionApplicant, CompetitionSession, CompetitionState,
                               ExamSession, Participant, Position, RuleSet, User)
from examserver.core import audit
from examserver.core.errors import Conflict, NotFound, ServiceError

CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{1,39}$")


def _actor_user_id(actor: audit.Actor) -> int | None:
    return actor.id if actor.kind == "user" else None


def announce(centre: Centre, position: Position, code: str, title: str, rule_set: str, applications_until: date,
             test_date: date, actor: audit.Actor, interview_percent: int = 50,
             reserve_percent: int = 75) -> Competition:
    """Announce a competition for a vacant ``position`` at ``centre``.

    ``rule_set`` is ``education`` (seed 003) or ``municipal`` (seed 001); the
    municipal thresholds default to 50 % (interview) and 75 % (internal reserve).
    """
    code, title = (code or "").strip(), (title or "").strip()
    if not CODE_RE.match(code):
        raise ServiceError(_("The competition code must be 2 to 40 letters, digits, dots, dashes or underscores."),
                           "code")
    if not title or len(title) > 200:
        raise ServiceError(_("Give the competition a title (at most %(n)s characters).", n=200), "title")
    try:
        rules = RuleSet(rule_set)
    except ValueError:
        raise ServiceError(_("Choose the rules of the competition."), "rule_set")
    if test_date < applications_until:
        raise ServiceError(_("The test date cannot be before the end of applications."), "test_date")
    for value in (interview_percent, reserve_percent):
        if not isinstance(value, int) or not 1 <= value <= 100:
            raise ServiceError(_("A threshold share must be between 1 and 100 percent."), "percent")
    if db.session.scalar(sa.select(Competition.id).where(Competition.code == code)):
        raise Conflict(_("A competition with the code %(code)s already exists.", code=code), "code_taken")
    competition = Competition(code=code, title=title, rule_set=rules, centre_id=centre.id, position_id=position.id,
                              applications_until=applications_until, test_date=test_date,
                              interview_percent=interview_percent, reserve_percent=reserve_percent,
                              state=CompetitionState.ANNOUNCED, announced_at=clock.now(),
                              announced_by_id=_actor_user_id(actor))
    db.session.add(competition)
    db.session.flush()
    audit.record("competition.announce", competition, actor=actor, centre_id=centre.id, code=code,
                 rule_set=rules.value, position=position.code, test_date=test_date.isoformat())
    return competition


def lock(competition: Competition) -> None:
    """Take the competition's row lock (PostgreSQL; SQLite serialises writers) and
    re-read it, so two administrators acting at once decide on the same state:
    the second one sees what the first recorded."""
    db.session.flush()  # refresh() drops unflushed changes
    db.session.refresh(competition, with_for_update=True)


def get(competition_id: int) -> Competition:
    competition = db.session.get(Competition, competition_id)
    if competition is None:
        raise NotFound(_("No such competition."), "no_competition")
    return competition


def by_code(code: str) -> Competition:
    competition = db.session.scalar(sa.select(Competition).where(Competition.code == code))
    if competition is None:
        raise NotFound(_("No such competition."), "no_competition")
    return competition


def all_competitions() -> list[Competition]:
    return list(db.session.scalars(sa.select(Competition).order_by(Competition.test_date.desc(),
                                                                    Competition.id.desc())))


def link_session(competition: Competition, session: ExamSession, actor: audit.Actor, reason: str = "") -> None:
    """Make ``session`` one of the competition's main test sessions: its
    participants registered for the competition's position are its applicants."""
    if session.centre_id != competition.centre_id:
        raise ServiceError(_("The session belongs to another testing centre."), "wrong_centre")
    if db.session.scalar(sa.select(CompetitionSession.id).where(
            CompetitionSession.competition_id == competition.id, CompetitionSession.session_id == session.id)):
        raise Conflict(_("This session is already linked to the competition."), "already_linked")
    db.session.add(CompetitionSession(competition_id=competition.id, session_id=session.id, purpose="main",
                                      linked_at=clock.now()))
    db.session.flush()
    audit.record("competition.link_session", competition, actor=actor, reason=reason,
                 centre_id=competition.centre_id, session=session.id)


def linkable_sessions(competition: Competition) -> list[ExamSession]:
    """Sessions of the competition's centre not linked to it yet."""
    linked = sa.select(CompetitionSession.session_id).where(CompetitionSession.competition_id == competition.id)
    return list(db.session.scalars(sa.select(ExamSession).where(
        ExamSession.centre_id == competition.centre_id, ExamSession.id.not_in(linked))
        .order_by(ExamSession.session_date.desc(), ExamSession.id.desc()).limit(50)))


def applicant_row(competition: Competition, participant: Participant) -> CompetitionApplicant:
    """The applicant's own row, created on first use."""
    row = db.session.scalar(sa.select(CompetitionApplicant).where(
        CompetitionApplicant.competition_id == competition.id,
        CompetitionApplicant.participant_id == participant.id))
    if row is None:
        row = CompetitionApplicant(competition_id=competition.id, participant_id=participant.id,
                                   withdraw_reason="", letter_language="", letter_result="")
        db.session.add(row)
        db.session.flush()
    return row


def withdraw(competition: Competition, participant: Participant, reason: str, actor: audit.Actor) -> None:
    """Record that an applicant withdrew their application (seed 003 §30)."""
    from examserver.competitions import ranking

    reason = (reason or "").strip()
    if not reason:
        raise ServiceError(_("A reason is required."), "reason_required")
    if participant.id not in {a.participant.id for a in ranking.applicants(competition)}:
        raise NotFound(_("This person is not an applicant of the competition."), "not_applicant")
    if competition.state == CompetitionState.CONCLUDED:
        raise Conflict(_("The competition is concluded."), "concluded")
    row = applicant_row(competition, participant)
    if row.withdrawn_at is not None:
        raise Conflict(_("The application is already withdrawn."), "already_withdrawn")
    row.withdrawn_at, row.withdraw_reason = clock.now(), reason
    audit.record("competition.withdraw", competition, actor=actor, reason=reason, centre_id=competition.centre_id,
                 participant=participant.id)


def user_name(user_id: int | None) -> str:
    user = db.session.get(User, user_id) if user_id else None
    return user.full_name if user else ""
