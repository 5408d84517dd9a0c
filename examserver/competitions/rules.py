"""The competition rules engine: from the applicants' facts to the outcome.

Pure functions over plain data (no database, no Flask), so every clause can be
tested directly and the signed protocol is built from exactly what the rules
saw. ``ranking.py`` loads the facts from the database.

Education-leader rules (seed 003):
* §30 the competition has failed when there are no applications, every
  applicant withdrew, nobody came, or nobody reached the threshold (the
  blueprint's threshold, section minimums included: the attempt's verdict);
* §29 the highest score wins; several sharing it sit an additional test and
  the sum of both scores decides; a tie that survives the sum needs a recorded
  decision of the authority; a winner who declines is replaced by the
  runner-up (§29 b) or a new competition is announced (§29 a);
* §32/§37 the reserve: second and later places at or above the threshold,
  never anyone below it.

Municipal rules (seed 001): at least ``interview_percent`` (50 %) of the
attainable score invites to the interview; the winner has the votes of a
simple majority of the commission members present (more than half); a split
vote needs a new round; candidates with at least ``reserve_percent`` (75 %) who
are not appointed are proposed for the internal reserve.
"""
from __future__ import annotations

from dataclasses import dataclass, field

EDUCATION, MUNICIPAL = "education", "municipal"
FAILURES = ("no_applications", "all_withdrew", "none_admitted", "nobody_came", "below_threshold")


@dataclass
class Candidate:
    """What the rules need to know about one applicant."""

    participant_id: int
    full_name: str
    status: str                      # withdrawn | not_admitted | absent | pending | tested
    total: int = 0
    max_points: int = 0
    meets: bool = False              # the blueprint's verdict (threshold and section minimums)
    tiebreak: int | None = None      # additional test score, once known
    tiebreak_max: int | None = None


@dataclass
class Facts:
    """Everything decided or recorded so far about a competition."""

    rule_set: str
    candidates: list[Candidate]
    interview_percent: int = 50
    reserve_percent: int = 75
    tiebreak_scheduled: bool = False
    tiebreak_complete: bool = False      # every tie-break attempt finished (or the session closed)
    votes: dict[str, int | None] = field(default_factory=dict)   # member -> participant (None: abstained)
    tie_resolved_for: int | None = None   # TIE_RESOLVED decision
    declined: list[int] = field(default_factory=list)           # winners who declined, in order
    runner_up_offered: bool = False
    new_competition: bool = False


@dataclass
class Outcome:
    """The result of applying the rules; ``status`` says what happens next."""

    status: str       # testing | failed | winner | tie_break_needed | tie_break_pending | tie_unresolved
                      # | interview | no_majority | declined | new_competition
    failure: str | None = None
    winner: int | None = None
    ranking: list[Candidate] = field(default_factory=list)   # tested, best first
    places: dict[int, int] = field(default_factory=dict)      # participant -> place (ties share it)
    reached: list[int] = field(default_factory=list)          # at or above the threshold, in ranking order
    tied: list[int] = field(default_factory=list)             # sharing the highest score (education)
    tied_after_sum: list[int] = field(default_factory=list)   # still tied after the additional test
    reserve: list[int] = field(default_factory=list)
    reserve_kind: str = "reserve"                             # reserve | internal
    vote_counts: dict[int, int] = field(default_factory=dict)
    present: int = 0

    @property
    def concluded(self) -> bool:
        """True when the outcome can be signed: a winner, a failure or a new competition."""
        return self.status in ("winner", "failed", "new_competition")


def reaches(c: Candidate, facts: Facts) -> bool:
    """At or above the threshold: the blueprint's verdict (education) or the
    interview share of the attainable score (municipal)."""
    if c.status != "tested":
        return False
    if facts.rule_set == MUNICIPAL:
        return c.max_points > 0 and c.total * 100 >= facts.interview_percent * c.max_points
    return c.meets


def _combined(c: Candidate) -> int:
    return c.total + (c.tiebreak or 0)


def _failure(facts: Facts) -> str | None:
    """Which §30 case applies before any score is looked at (None: none does)."""
    cands = facts.candidates
    if not cands:
        return "no_applications"
    active = [c for c in cands if c.status != "withdrawn"]
    if not active:
        return "all_withdrew"
    if all(c.status == "not_admitted" for c in active):
        return "none_admitted"
    if all(c.status in ("not_admitted", "absent") for c in active):
        return "nobody_came"
    return None


def _places(ranking: list[Candidate], key) -> dict[int, int]:
    places, previous, place = {}, None, 0
    for index, c in enumerate(ranking, 1):
        if key(c) != previous:
            place, previous = index, key(c)
        places[c.participant_id] = place
    return places


def decide(facts: Facts) -> Outcome:
    """Apply the rule set to ``facts``."""
    failure = _failure(facts)
    if failure:
        return Outcome("failed", failure=failure)
    if any(c.status == "pending" for c in facts.candidates):
        return Outcome("testing")
    tested = [c for c in facts.candidates if c.status == "tested"]
    ranking = sorted(tested, key=lambda c: (-_combined(c), -c.total, c.full_name, c.participant_id))
    out = Outcome("testing", ranking=ranking, places=_places(ranking, lambda c: (_combined(c), c.total)))
    out.reached = [c.participant_id for c in ranking if reaches(c, facts)]
    if not out.reached:
        out.status, out.failure = "failed", "below_threshold"
        return out
    if facts.rule_set == MUNICIPAL:
        _municipal(facts, out)
    else:
        _education(facts, out)
    return out


def _education(facts: Facts, out: Outcome) -> None:
    by_id = {c.participant_id: c for c in out.ranking}
    reached = [by_id[p] for p in out.reached]
    top = max(c.total for c in reached)
    out.tied = [c.participant_id for c in reached if c.total == top]
    winner = None
    if len(out.tied) == 1:
        winner = out.tied[0]
    elif not facts.tiebreak_scheduled:
        out.status = "tie_break_needed"
    elif not facts.tiebreak_complete:
        out.status = "tie_break_pending"
    else:
        best = max(_combined(by_id[p]) for p in out.tied)
        out.tied_after_sum = [p for p in out.tied if _combined(by_id[p]) == best]
        if len(out.tied_after_sum) == 1:
            winner = out.tied_after_sum[0]
        elif facts.tie_resolved_for in out.tied_after_sum:
            winner = facts.tie_resolved_for
        else:
            out.status = "tie_unresolved"
    if winner is None:
        return
    winner = _after_declines(facts, out, winner, out.reached)
    # Second and later places at or above the threshold (§32, §37); nobody below it.
    out.reserve = [p for p in out.reached if p != winner and p not in facts.declined]


def _after_declines(facts: Facts, out: Outcome, winner: int, order: list[int]) -> int | None:
    """Follow the recorded declines: the runner-up takes the post (§29 b) or a
    new competition is announced (§29 a). Returns the final winner (None if none)."""
    out.winner, out.status = winner, "winner"
    if winner not in facts.declined:
        return winner
    if facts.new_competition:
        out.winner, out.status = None, "new_competition"
        return None
    if facts.runner_up_offered:
        rest = [p for p in order if p not in facts.declined]
        if rest:
            out.winner = rest[0]
            return out.winner
    out.winner, out.status = None, "declined"
    return None


def _municipal(facts: Facts, out: Outcome) -> None:
    out.reserve_kind = "internal"
    out.present = len(facts.votes)
    counts: dict[int, int] = {}
    for choice in facts.votes.values():
        if choice is not None:
            counts[choice] = counts.get(choice, 0) + 1
    out.vote_counts = counts
    winner = None
    if out.present == 0:
        out.status = "interview"
    else:
        # Simple majority of the members present: more than half of them.
        majority = [p for p, n in counts.items() if n * 2 > out.present and p in out.reached]
        if majority:
            winner = majority[0]
        else:
            out.status = "no_majority"
    if winner is not None:
        order = sorted(out.reached, key=lambda p: -counts.get(p, 0))
        winner = _after_declines(facts, out, winner, order)
    by_id = {c.participant_id: c for c in out.ranking}
    out.reserve = [p for p in (c.participant_id for c in out.ranking)
                   if p != winner and p not in facts.declined and by_id[p].max_points > 0
                   and by_id[p].total * 100 >= facts.reserve_percent * by_id[p].max_points]
