"""Loading a competition's facts from the database and applying the rules.

Applicants are the participants of the competition's main sessions who applied
for its position; their stage comes from registration (admission, no-show),
the attempt (score, verdict) and ``competition_applicant`` (withdrawal).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from examserver.db import db
from examserver.models import (Admission, Attempt, AttemptState, Competition, CompetitionApplicant,
                               CompetitionDecision, CompetitionSession, DecisionKind, ExamSession, InterviewVote,
                               Participant, SessionState, TieBreak, TieBreakEntry)
from examserver.competitions import rules


@dataclass
class Applicant:
    """One applicant as the console and the protocol show them."""

    participant: Participant
    attempt: Attempt | None
    row: CompetitionApplicant | None
    candidate: rules.Candidate
    reason: str = ""

    @property
    def sections(self) -> list[dict]:
        """``[{code, title, points, max_points, correct, questions}]`` of the main test."""
        score = (self.attempt.score or {}) if self.attempt else {}
        titles = {s["code"]: {str(k): str(v) for k, v in (s.get("title") or {}).items()}
                  for s in (self.attempt.blueprint.payload["sections"] if self.attempt else [])}
        return [{"title": titles.get(s["code"], {}), **{k: s[k] for k in ("code", "points", "max_points", "correct",
                                                                          "questions")}}
                for s in score.get("sections", [])]


def main_session_ids(competition: Competition) -> list[int]:
    return list(db.session.scalars(sa.select(CompetitionSession.session_id).where(
        CompetitionSession.competition_id == competition.id, CompetitionSession.purpose == "main")
        .order_by(CompetitionSession.session_id)))


def main_test_date(competition: Competition) -> date:
    """The day of the main test: the latest session holding an applicant, else the announced date."""
    latest = db.session.scalar(sa.select(sa.func.max(ExamSession.session_date)).where(
        ExamSession.id.in_(main_session_ids(competition)
                           + sorted({a.participant.session_id for a in applicants(competition)}))))
    return latest or competition.test_date


def _status(p: Participant, attempt: Attempt | None, row: CompetitionApplicant | None) -> tuple[str, str]:
    if row is not None and row.withdrawn_at is not None:
        return "withdrawn", row.withdraw_reason
    if p.admission == Admission.NOT_ADMITTED:
        return "not_admitted", p.admission_reason
    if attempt is not None:
        return ("tested", "") if attempt.state == AttemptState.FINISHED else ("pending", "")
    if p.no_show or p.session.state == SessionState.CLOSED:
        return "absent", ""
    return "pending", ""


def applicants(competition: Competition) -> list[Applicant]:
    """Every applicant of ``competition`` with their stage, in registration order."""
    sessions = main_session_ids(competition)
    # Registration lists carry a free-text competition label (CSV column "конкурс"):
    # a participant of the centre labelled with the competition's code applied to it too.
    labelled = sa.select(ExamSession.id).where(ExamSession.centre_id == competition.centre_id)
    people = list(db.session.scalars(sa.select(Participant).where(
        Participant.position_id == competition.position_id,
        sa.or_(Participant.session_id.in_(sessions),
               sa.and_(Participant.competition == competition.code, Participant.session_id.in_(labelled))))
        .order_by(Participant.surname, Participant.name, Participant.id)))
    ids = [p.id for p in people]
    attempts = {a.participant_id: a for a in db.session.scalars(sa.select(Attempt).where(
        Attempt.participant_id.in_(ids)))} if ids else {}
    rows = {r.participant_id: r for r in db.session.scalars(sa.select(CompetitionApplicant).where(
        CompetitionApplicant.competition_id == competition.id))}
    out = []
    for p in people:
        attempt, row = attempts.get(p.id), rows.get(p.id)
        status, reason = _status(p, attempt, row)
        cand = rules.Candidate(p.id, p.full_name, status)
        if status == "tested":
            cand.total, cand.max_points = attempt.total_points or 0, attempt.max_points or 0
            cand.meets = attempt.verdict == "meets"
        out.append(Applicant(p, attempt, row, cand, reason))
    return out


def latest_tiebreak(competition: Competition) -> TieBreak | None:
    return db.session.scalar(sa.select(TieBreak).where(TieBreak.competition_id == competition.id)
                             .order_by(TieBreak.id.desc()).limit(1))


def _tiebreak_scores(tiebreak: TieBreak) -> tuple[dict[int, tuple[int, int]], bool]:
    """Scores of the additional test by main participant id, and whether it is complete
    (every entry finished, or absent once the session is closed)."""
    scores, complete = {}, True
    for entry in tiebreak.entries:
        p = db.session.get(Participant, entry.participant_id)
        attempt = db.session.scalar(sa.select(Attempt).where(Attempt.participant_id == p.id))
        if attempt is not None and attempt.state == AttemptState.FINISHED:
            scores[entry.main_participant_id] = (attempt.total_points or 0, attempt.max_points or 0)
        elif attempt is None and (p.no_show or p.session.state == SessionState.CLOSED):
            scores[entry.main_participant_id] = (0, 0)   # did not sit the additional test
        else:
            complete = False
    return scores, complete


def current_round(competition: Competition) -> int:
    """The interview voting round: 1, plus one for every recorded new vote."""
    return 1 + (db.session.scalar(sa.select(sa.func.count(CompetitionDecision.id)).where(
        CompetitionDecision.competition_id == competition.id,
        CompetitionDecision.kind == DecisionKind.NEW_VOTE)) or 0)


def round_votes(competition: Competition, round_no: int) -> list[InterviewVote]:
    return list(db.session.scalars(sa.select(InterviewVote).where(
        InterviewVote.competition_id == competition.id, InterviewVote.round == round_no)
        .order_by(InterviewVote.id)))


def decisions(competition: Competition) -> list[CompetitionDecision]:
    return list(db.session.scalars(sa.select(CompetitionDecision).where(
        CompetitionDecision.competition_id == competition.id).order_by(CompetitionDecision.id)))


def facts_for(competition: Competition, people: list[Applicant] | None = None) -> rules.Facts:
    """The rules' input, read from the database."""
    people = applicants(competition) if people is None else people
    facts = rules.Facts(competition.rule_set.value, [a.candidate for a in people],
                        competition.interview_percent, competition.reserve_percent)
    tiebreak = latest_tiebreak(competition)
    if tiebreak is not None:
        facts.tiebreak_scheduled = True
        scores, facts.tiebreak_complete = _tiebreak_scores(tiebreak)
        for cand in facts.candidates:
            if cand.participant_id in scores:
                cand.tiebreak, cand.tiebreak_max = scores[cand.participant_id]
    facts.votes = {v.member_name: v.participant_id for v in round_votes(competition, current_round(competition))}
    for d in decisions(competition):
        if d.kind == DecisionKind.TIE_RESOLVED:
            facts.tie_resolved_for = d.participant_id
        elif d.kind == DecisionKind.DECLINED:
            facts.declined.append(d.participant_id)
            # A decline after a runner-up offer starts the choice again.
            facts.runner_up_offered = facts.new_competition = False
        elif d.kind == DecisionKind.RUNNER_UP_OFFERED:
            facts.runner_up_offered = True
        elif d.kind == DecisionKind.NEW_COMPETITION:
            facts.new_competition = True
    return facts


def outcome(competition: Competition) -> tuple[list[Applicant], rules.Outcome]:
    """The applicants and the outcome the rules give today."""
    people = applicants(competition)
    return people, rules.decide(facts_for(competition, people))


def tiebreak_entry_for(participant_id: int) -> TieBreakEntry | None:
    return db.session.scalar(sa.select(TieBreakEntry).where(TieBreakEntry.participant_id == participant_id))
