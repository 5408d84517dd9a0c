"""Issuing the signed competition protocol (kind ``competition``, numbers
``<CENTRE>-<YEAR>-K<serial>``) and fixing the reserve it names.

A protocol is issued once the outcome is concluded (a winner, a failure under
§30, or a new competition after a decline). A later decision (the winner
declines, the runner-up is offered the post) makes a new protocol that
supersedes the previous one, which stays on file. Kept for the competition
documents' 5 years (seed 003 §39, ``PROTOCOL_RETENTION_DAYS``).
"""
from __future__ import annotations

import json

import sqlalchemy as sa
from flask_babel import gettext as _

from examserver import clock
from examserver.db import db
from examserver.models import Competition, CompetitionState, Participant, Protocol, ProtocolKind, ReserveEntry
from examserver.core import audit
from examserver.core.errors import Conflict
from examserver.protocols import issuing as protocols
from examserver.competitions import announce, ranking, records

# Parts of the record that change with every issue and say nothing about the outcome.
_VOLATILE = ("number", "issued_at", "supersedes")


def current_protocol(competition: Competition) -> Protocol | None:
    return db.session.get(Protocol, competition.protocol_id) if competition.protocol_id else None


def _substance(record: dict) -> dict:
    return {k: v for k, v in record.items() if k not in _VOLATILE}


def is_current(competition: Competition) -> bool:
    """True when the latest signed protocol still says what the rules give today."""
    protocol = current_protocol(competition)
    if protocol is None:
        return False
    return _substance(json.loads(protocol.record)) == _substance(records.build(competition, "-", clock.now()))


def open_appeals(competition: Competition, people: list[ranking.Applicant] | None = None) -> list[str]:
    """Names of applicants whose technical appeal could still change a score: the
    1-hour window still open (seed 003 §33), or an appeal not yet signed."""
    from examserver.appeals.filing import appeal_for_attempt, can_file
    from examserver.models import AppealState

    people = ranking.applicants(competition) if people is None else people
    names = {a.participant.id: a.participant.full_name for a in people}
    attempts = [(a.participant.id, a.attempt) for a in people if a.attempt is not None]
    tiebreak = ranking.latest_tiebreak(competition)
    if tiebreak is not None:
        from examserver.competitions.tiebreak import attempts_of

        attempts += list(attempts_of(tiebreak).items())
    open_ = []
    for pid, attempt in attempts:
        appeal = appeal_for_attempt(attempt)
        if can_file(attempt) or (appeal is not None and appeal.state != AppealState.SIGNED):
            if names.get(pid) not in open_:
                open_.append(names.get(pid, ""))
    return open_


def issue(competition: Competition, actor: audit.Actor) -> Protocol:
    """Sign the competition protocol; refused while the outcome is open or while
    a technical appeal could still change a score."""
    announce.lock(competition)
    people, out = ranking.outcome(competition)
    if not out.concluded:
        raise Conflict(_("The outcome is not final yet; the protocol cannot be signed."), "not_concluded")
    waiting = open_appeals(competition, people)
    if waiting:
        raise Conflict(_("A technical appeal may still change a score (%(names)s): sign when the appeal window "
                         "has closed and every appeal is signed.", names=", ".join(waiting)), "appeal_open")
    previous = current_protocol(competition)
    if previous is not None and is_current(competition):
        return previous
    protocol = protocols.issue_protocol(
        ProtocolKind.COMPETITION, competition.centre,
        lambda number, issued_at: records.build(competition, number, issued_at, previous),
        supersedes=previous)
    record = json.loads(protocol.record)
    winner_before = json.loads(previous.record)["outcome"]["winner"] if previous is not None else None
    if previous is None or record["outcome"]["winner"] != winner_before:
        competition.determined_at = protocol.created_at   # the letters are due 5 days after this (§37)
    competition.protocol_id = protocol.id
    competition.state = CompetitionState.CONCLUDED
    _fix_reserve(competition, out, protocol)
    db.session.flush()
    audit.record("competition.protocol", competition, actor=actor, centre_id=competition.centre_id,
                 protocol=protocol.number, status=out.status, failure=out.failure,
                 supersedes=previous.number if previous is not None else None)
    return protocol


def _fix_reserve(competition: Competition, out, protocol: Protocol) -> None:
    db.session.execute(sa.delete(ReserveEntry).where(ReserveEntry.competition_id == competition.id))
    cands = {c.participant_id: c for c in out.ranking}
    for pid in out.reserve:
        c = cands[pid]
        db.session.add(ReserveEntry(competition_id=competition.id, participant_id=pid, kind=out.reserve_kind,
                                    place=out.places[pid], total_points=c.total, max_points=c.max_points,
                                    protocol_number=protocol.number, created_at=protocol.created_at))


def reserve(competition: Competition) -> list[tuple[ReserveEntry, Participant]]:
    """The reserve fixed by the latest protocol, best place first."""
    rows = db.session.scalars(sa.select(ReserveEntry).where(ReserveEntry.competition_id == competition.id)
                              .order_by(ReserveEntry.place, ReserveEntry.id))
    return [(r, db.session.get(Participant, r.participant_id)) for r in rows]
