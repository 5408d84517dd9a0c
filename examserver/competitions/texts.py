"""The printed lines of a competition protocol and the wording of outcomes.

Used by the protocol PDF renderer and the verifier (through
``examserver.protocols.texts``), by the results letters and by the console.
Imports only ``protocols.wording`` so the protocols package can load it.
"""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from examserver.protocols.wording import pick, when

RULE_SETS = {"education": _l("Education-leader rules (seed 003 §§29-32, 37)"),
             "municipal": _l("Municipal rules (seed 001: interview from 50 percent, majority vote, "
                             "reserve from 75 percent)")}
FAILURES = {
    "no_applications": _l("there were no applications (§30)"),
    "all_withdrew": _l("all applicants withdrew their applications (§30)"),
    "none_admitted": _l("no applicant was admitted to testing (stage 1, §19)"),
    "nobody_came": _l("none of the applicants came to the test (§30)"),
    "below_threshold": _l("no applicant reached the threshold score (§30)"),
}
STATUSES = {
    "testing": _l("testing is not finished"),
    "failed": _l("the competition has failed"),
    "winner": _l("the winner is determined"),
    "tie_break_needed": _l("several candidates share the highest score: an additional test is needed"),
    "tie_break_pending": _l("waiting for the additional test"),
    "tie_unresolved": _l("the tie survives the sum of both tests: a decision is needed"),
    "interview": _l("waiting for the interview vote"),
    "no_majority": _l("no candidate has the majority of the members present: a new vote is needed"),
    "declined": _l("the winner declined: offer the post to the runner-up or announce a new competition"),
    "new_competition": _l("a new competition is to be announced"),
}
APPLICANT_STATUSES = {"withdrawn": _l("withdrew"), "not_admitted": _l("not admitted"), "absent": _l("absent"),
                      "pending": _l("testing"), "tested": _l("tested")}
DECISIONS = {"tie_resolved": _l("Tie resolved in favour of %(name)s"), "declined": _l("%(name)s declined the post"),
             "runner_up_offered": _l("The post is offered to the runner-up"),
             "new_competition": _l("A new competition is to be announced"),
             "new_vote": _l("A new round of the interview vote")}
RESERVE_KINDS = {"reserve": _l("Reserve (second and later places at or above the threshold, §32, §37)"),
                 "internal": _l("Proposed for the internal reserve (at least %(p)s %% of the score, not appointed)")}


def score_text(points: int, max_points: int) -> str:
    return _("%(points)s of %(max)s points", points=points, max=max_points)


def outcome_line(record: dict) -> str:
    """The one line that says how the competition ended."""
    outcome = record["outcome"]
    if outcome["status"] == "failed":
        return _("The competition has failed: %(reason)s.", reason=str(FAILURES[outcome["failure"]]))
    if outcome["status"] == "winner":
        return _("Winner: %(name)s", name=outcome["winner"]["full_name"])
    return str(STATUSES.get(outcome["status"], outcome["status"]))


def title(record: dict) -> str:
    return _("COMPETITION PROTOCOL No. %(number)s", number=record["number"])


def ranking_line(row: dict) -> str:
    line = _("%(place)s. %(name)s (%(pin)s): %(score)s", place=row["place"], name=row["full_name"], pin=row["pin"],
             score=score_text(row["total_points"], row["max_points"]))
    if row.get("tiebreak_points") is not None:
        line += "; " + _("additional test: %(points)s, sum %(sum)s", points=row["tiebreak_points"],
                         sum=row["total_points"] + row["tiebreak_points"])
    return line


def competition_lines(record: dict, lang: str):
    """``(title, blocks, signature lines)`` of a competition protocol."""
    comp, pos = record["competition"], record["position"]
    head = [pick(record["centre"]["name"], lang), record["centre"].get("address", ""),
            _("Competition %(code)s: %(title)s", code=comp["code"], title=comp["title"]),
            _("Position: %(title)s (%(code)s), group %(group)s", title=pick(pos["title"], lang), code=pos["code"],
              group=pos["group"]),
            str(RULE_SETS[comp["rule_set"]]),
            _("Main test: %(date)s", date=comp["main_test_date"])]
    applicants = [("head", _("Applicants (%(n)s)", n=len(record["applicants"])))]
    for a in record["applicants"]:
        status = str(APPLICANT_STATUSES.get(a["status"], a["status"]))
        applicants.append(("item", f"{a['full_name']} ({a['pin']}): {status}"
                                   + (f" — {a['reason']}" if a.get("reason") else "")))
    ranked = [("head", _("Ranking"))]
    for row in record["ranking"]:
        ranked.append(ranking_line(row))
        parts = ", ".join(f"{pick(s.get('title') or {}, lang) or s['code']} {s['points']}/{s['max_points']}"
                          for s in row["sections"])
        mark = _("at or above the threshold") if row["reached"] else _("below the threshold")
        ranked.append(("item", f"{parts}; {mark}; № {row['testing_protocol'] or '—'}"))
    if record.get("tiebreak"):
        tb = record["tiebreak"]
        ranked.append(_("Additional test on %(date)s: %(n)s questions (main test: %(total)s)",
                        date=tb["session_date"], n=tb["question_count"], total=tb["main_question_count"]))
    if record.get("interview"):
        iv = record["interview"]
        ranked.append(("head", _("Interview: round %(round)s, members present: %(n)s", round=iv["round"],
                                 n=iv["present"])))
        for v in iv["votes"]:
            ranked.append(("item", _("%(member)s voted for %(name)s", member=v["member"], name=v["for"] or "—")))
    decided = [("head", _("Decisions"))]
    for d in record["decisions"]:
        decided.append(("item", f"{when(d['at'])} · {DECISIONS[d['kind']] % {'name': d['full_name'] or '—'}}"
                                f" · {d['by'] or '—'}: {d['reason']}"))
    decided.append(("strong", outcome_line(record)))
    reserve = record["reserve"]
    if reserve["members"]:
        decided.append(("head", str(RESERVE_KINDS[reserve["kind"]]) % {"p": comp["reserve_percent"]}))
        for m in reserve["members"]:
            decided.append(("item", f"{m['place']}. {m['full_name']} ({m['pin']})"))
    tail = [_("Issued: %(when)s", when=when(record["issued_at"]))]
    if record.get("supersedes"):
        tail.append(("strong", _("This protocol replaces protocol No. %(number)s, which stays on file.",
                                 number=record["supersedes"]["number"])))
    signs = [_("Head of the testing authority"), _("Secretary of the competition commission")]
    return title(record), [head, applicants, ranked, decided, tail], signs


def printed_values(record: dict, lang: str) -> dict[str, str]:
    """The values the verifier must find printed: number, outcome, every ranked score."""
    values = {"number": record["number"], "outcome": outcome_line(record)}
    for i, row in enumerate(record["ranking"], 1):
        values[f"rank {i}"] = ranking_line(row)
    return values
