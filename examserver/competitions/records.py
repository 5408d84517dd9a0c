"""The canonical record of a competition protocol (schema
``examserver.competition-protocol/1``), built from what the rules engine saw.

Integers, strings, booleans and nulls only (canonical JSON). Fixed texts are
not translated here: the printed lines come from ``texts`` in the reader's
language, the record keeps codes (``status``, ``failure``, decision kinds).
"""
from __future__ import annotations

from typing import Any

from flask import current_app

from examserver.db import db
from examserver.models import Competition, ExamBlueprint, ExamSession, InterviewVote, Participant
from examserver.protocols import issuing as protocols
from examserver.protocols.records import moment
from examserver.competitions import ranking, rules
from examserver.competitions.announce import user_name

SCHEMA = "examserver.competition-protocol/1"


def _texts(value: Any) -> dict[str, str]:
    return {str(k): str(v) for k, v in (value or {}).items()} if isinstance(value, dict) else {"ru": str(value or "")}


def _person(p: Participant) -> dict[str, str]:
    return {"full_name": p.full_name, "pin": p.pin, "language": p.language}


def _blueprint(competition: Competition) -> dict[str, Any] | None:
    from examserver.bank.drawn import drawn_blueprint

    row: ExamBlueprint | None = drawn_blueprint(competition.position.blueprint_code)  # the newest approved version
    if row is None:
        return None
    return {"code": row.code, "version": row.version, "digest": row.digest,
            "threshold": {str(k): int(v) for k, v in row.payload["threshold"].items()}}


def _ranking(people: list[ranking.Applicant], out: rules.Outcome) -> list[dict[str, Any]]:
    by_id = {a.participant.id: a for a in people}
    rows = []
    for cand in out.ranking:
        a = by_id[cand.participant_id]
        testing = protocols.protocol_for_attempt(a.attempt) if a.attempt is not None else None
        rows.append({"place": out.places[cand.participant_id], **_person(a.participant),
                     "total_points": cand.total, "max_points": cand.max_points, "meets": cand.meets,
                     "reached": cand.participant_id in out.reached, "sections": a.sections,
                     "tiebreak_points": cand.tiebreak, "tiebreak_max": cand.tiebreak_max,
                     "testing_protocol": testing.number if testing is not None else None})
    return rows


def _tiebreak(competition: Competition) -> dict[str, Any] | None:
    tb = ranking.latest_tiebreak(competition)
    if tb is None:
        return None
    row = db.session.get(ExamBlueprint, tb.blueprint_id)
    return {"session_date": db.session.get(ExamSession, tb.session_id).session_date.isoformat(),
            "due_on": tb.due_on.isoformat(), "question_count": tb.question_count,
            "main_question_count": tb.main_question_count,
            "blueprint": {"code": row.code, "version": row.version, "digest": row.digest}}


def _interview(competition: Competition, out: rules.Outcome) -> dict[str, Any] | None:
    if competition.rule_set.value != rules.MUNICIPAL:
        return None
    round_no = ranking.current_round(competition)
    votes: list[InterviewVote] = ranking.round_votes(competition, round_no)
    names = {v.participant_id: db.session.get(Participant, v.participant_id).full_name
             for v in votes if v.participant_id is not None}
    return {"round": round_no, "present": len(votes),
            "votes": [{"member": v.member_name, "for": names.get(v.participant_id),
                       "notes": {str(k): str(t) for k, t in sorted((v.notes or {}).items())}} for v in votes],
            "counts": [{"full_name": names[p], "votes": n} for p, n in sorted(out.vote_counts.items(),
                                                                           key=lambda kv: -kv[1])]}


def build(competition: Competition, number: str, issued_at, supersedes=None) -> dict[str, Any]:
    """The record of ``competition``'s outcome as the rules give it now."""
    people, out = ranking.outcome(competition)
    by_id = {a.participant.id: a.participant for a in people}
    centre, position = competition.centre, competition.position
    return {
        "schema": SCHEMA, "kind": "competition", "number": number, "issued_at": moment(issued_at),
        "timezone": current_app.config["TIMEZONE"], "language": current_app.config["DEFAULT_LOCALE"],
        "centre": {"code": centre.code, "name": _texts(centre.name), "address": centre.address or ""},
        "competition": {"code": competition.code, "title": competition.title, "rule_set": competition.rule_set.value,
                        "announced_at": moment(competition.announced_at),
                        "applications_until": competition.applications_until.isoformat(),
                        "test_date": competition.test_date.isoformat(),
                        "main_test_date": ranking.main_test_date(competition).isoformat(),
                        "interview_percent": competition.interview_percent,
                        "reserve_percent": competition.reserve_percent},
        "position": {"code": position.code, "title": _texts(position.title), "group": position.group_code},
        "blueprint": _blueprint(competition),
        "applicants": [{**_person(a.participant), "status": a.candidate.status, "reason": a.reason or ""}
                       for a in people],
        "ranking": _ranking(people, out),
        "tiebreak": _tiebreak(competition),
        "interview": _interview(competition, out),
        "decisions": [{"kind": d.kind.value, "full_name": by_id[d.participant_id].full_name
                       if d.participant_id in by_id else None, "reason": d.reason, "at": moment(d.decided_at),
                       "by": user_name(d.decided_by_id)} for d in ranking.decisions(competition)],
        "outcome": {"status": out.status, "failure": out.failure,
                    "winner": _person(by_id[out.winner]) if out.winner else None,
                    "tied": [by_id[p].full_name for p in out.tied],
                    "tied_after_sum": [by_id[p].full_name for p in out.tied_after_sum]},
        "reserve": {"kind": out.reserve_kind,
                    "members": [{"place": out.places[p], **_person(by_id[p])} for p in out.reserve]},
        "supersedes": ({"number": supersedes.number, "digest": protocols.record_digest(supersedes)}
                       if supersedes is not None else None),
    }
