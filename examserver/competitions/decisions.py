"""What the authority records: interview votes (municipal rules) and decisions
(a tie that survived the sum, a winner who declined, the runner-up offered the
post, a new competition, a new round of votes). Every one is audited with who
and why, and the rules engine reads them back (``ranking.facts_for``)."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from examserver import clock
from examserver.db import db
from examserver.models import Competition, CompetitionDecision, DecisionKind, InterviewVote, RuleSet
from examserver.core import audit
from examserver.core.errors import Conflict, ServiceError
from examserver.competitions import announce, ranking

# The interview themes of seed 001 (the standard question list).
THEMES = {
    "motivation": _l("Motivation"),
    "achievements": _l("Professional achievements"),
    "qualities": _l("Personal qualities"),
    "problem_solving": _l("Problem solving"),
    "goals": _l("Goals"),
    "success": _l("Striving for success"),
    "colleagues": _l("Relations with colleagues"),
    "planning": _l("Planning"),
    "initiative": _l("Initiative"),
}
MAX_MEMBERS = 15


def _user_id(actor: audit.Actor) -> int | None:
    return actor.id if actor.kind == "user" else None


def record_votes(competition: Competition, votes: list[tuple[str, int | None, dict[str, str]]],
                 actor: audit.Actor) -> int:
    """Record one interview round: ``(member name, participant voted for or None
    to abstain, {theme: note})`` for every commission member present.

    The whole round is recorded at once, so the majority is counted over the
    members present (seed 001: simple majority of the members present).
    Returns the round number.
    """
    if competition.rule_set != RuleSet.MUNICIPAL:
        raise Conflict(_("Only the municipal rules have an interview."), "not_municipal")
    announce.lock(competition)
    people, result = ranking.outcome(competition)
    if result.status != "interview":
        raise Conflict(_("No interview vote is expected now."), "no_interview")
    names = [(name or "").strip() for name, _p, _n in votes]
    if not names or any(not n or len(n) > 200 for n in names):
        raise ServiceError(_("Give the name of every commission member present."), "member_name")
    if len(set(n.casefold() for n in names)) != len(names):
        raise ServiceError(_("Each member votes once."), "member_twice")
    if len(names) > MAX_MEMBERS:
        raise ServiceError(_("At most %(n)s members.", n=MAX_MEMBERS), "too_many")
    invited = set(result.reached)
    round_no = ranking.current_round(competition)
    now = clock.now()
    for name, choice, notes in votes:
        if choice is not None and choice not in invited:
            raise ServiceError(_("%(name)s voted for a candidate not invited to the interview.", name=name.strip()),
                               "bad_vote")
        clean = {k: str(v).strip()[:2000] for k, v in (notes or {}).items() if k in THEMES and str(v).strip()}
        db.session.add(InterviewVote(competition_id=competition.id, round=round_no, member_name=name.strip(),
                                     participant_id=choice, notes=clean, recorded_at=now,
                                     recorded_by_id=_user_id(actor)))
    db.session.flush()
    audit.record("competition.votes", competition, actor=actor, centre_id=competition.centre_id, round=round_no,
                 votes={name.strip(): choice for name, choice, _n in votes})
    return round_no


# Which outcome status each decision answers.
ALLOWED = {
    DecisionKind.TIE_RESOLVED: ("tie_unresolved",),
    DecisionKind.DECLINED: ("winner",),
    DecisionKind.RUNNER_UP_OFFERED: ("declined",),
    DecisionKind.NEW_COMPETITION: ("declined",),
    DecisionKind.NEW_VOTE: ("no_majority",),
}


def decide(competition: Competition, kind: str, reason: str, actor: audit.Actor,
           participant_id: int | None = None) -> CompetitionDecision:
    """Record a decision of the authority; ``reason`` is required (who and why are audited)."""
    try:
        kind = DecisionKind(kind)
    except ValueError:
        raise ServiceError(_("Unknown decision."), "bad_decision")
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError(_("A reason is required."), "reason_required")
    announce.lock(competition)
    _people, result = ranking.outcome(competition)
    if result.status not in ALLOWED[kind]:
        raise Conflict(_("This decision does not fit the competition's current state."), "wrong_state")
    if kind == DecisionKind.TIE_RESOLVED and participant_id not in result.tied_after_sum:
        raise ServiceError(_("Choose one of the candidates still tied after the additional test."), "not_tied")
    if kind == DecisionKind.DECLINED:
        participant_id = result.winner
    if kind == DecisionKind.RUNNER_UP_OFFERED:
        if not [p for p in result.reached if p not in ranking.facts_for(competition).declined]:
            raise Conflict(_("Nobody else reached the threshold; announce a new competition."), "no_runner_up")
        participant_id = None
    decision = CompetitionDecision(competition_id=competition.id, kind=kind, participant_id=participant_id,
                                   reason=reason, decided_at=clock.now(), decided_by_id=_user_id(actor))
    db.session.add(decision)
    db.session.flush()
    audit.record("competition.decision", competition, actor=actor, reason=reason, centre_id=competition.centre_id,
                 kind=kind.value, participant=participant_id)
    return decision
