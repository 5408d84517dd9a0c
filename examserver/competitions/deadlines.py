"""The deadlines of seed 003: the additional test within 2 days of the main test
(§29) and the results letters within 5 days of the winner's determination
(§37). Days are counted in the centre's zone."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from examserver import clock
from examserver.models import Competition
from examserver.competitions import ranking, tiebreak

LETTER_DAYS = 5


@dataclass
class Deadline:
    what: str        # tiebreak | letters
    due_on: date
    done: bool
    late: bool


def deadlines(competition: Competition, today: date | None = None) -> list[Deadline]:
    """The deadlines that apply to ``competition`` now, with whether each is met or late."""
    today = today or clock.to_local(clock.now()).date()
    out = []
    people, result = ranking.outcome(competition)
    if result.tied and len(result.tied) > 1 or result.status == "tie_break_needed":
        tb = ranking.latest_tiebreak(competition)
        due = tiebreak.due_on(competition)
        done = tb is not None and result.status != "tie_break_pending"
        out.append(Deadline("tiebreak", due, done, not done and today > due))
    if competition.determined_at is not None:
        due = clock.to_local(competition.determined_at).date() + timedelta(days=LETTER_DAYS)
        issued = [a.row.letter_issued_at for a in people if a.row is not None and a.row.letter_issued_at]
        done = bool(people) and len(issued) == len(people)
        late_done = done and max(clock.to_local(t).date() for t in issued) > due
        out.append(Deadline("letters", due, done, (not done and today > due) or late_done))
    return out
