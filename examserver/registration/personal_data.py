"""A candidate's personal data: kept as long as the protocols it stands behind
(seed 003 §39: testing protocols and competition documents, 5 years), then
purged; exported whole on the person's request.

A participant's data is its row, its access codes, its attempt with the time
adjustments and the answer journal. It is purged once its session is older
than ``PROTOCOL_RETENTION_DAYS`` and nothing that is still kept refers to it:
no protocol of its attempt (they expire at the same time), no appeal (1 year),
no competition row (competitions keep their documents 5 years from their own
dates). The purge is part of ``examserver purge`` and is audited there.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app

from examserver.core import audit
from examserver.db import db
from examserver.models import (AccessCode, Appeal, Attempt, ExamSession, JournalEvent, Participant, Protocol,
                               TimeAdjustment)
from examserver.models.base import Base
from examserver.registration.identity import normalise


@dataclass
class PersonalPurge:
    participants: int = 0
    attempts: int = 0
    events: int = 0


def _competition_references() -> list[sa.Column]:
    """Every column of the competition tables that names a participant."""
    columns = []
    for table in Base.metadata.sorted_tables:
        if table.name.startswith("competition"):
            columns += [c for c in table.columns if any(fk.column.table.name == "participant" for fk in c.foreign_keys)]
    return columns


def expired_participants(now: datetime, leaving: tuple[list[int], list[int]] = ([], [])) -> list[int]:
    """Ids of participants whose personal data is past retention and referenced by nothing kept.

    ``leaving``: ids of protocols and appeals being purged in the same run
    (a dry run has not deleted them yet, and must count as the real run would).
    """
    cutoff = (now - timedelta(days=current_app.config["PROTOCOL_RETENTION_DAYS"])).date()
    protocols, appeals = leaving
    kept_attempts = sa.union(sa.select(Protocol.attempt_id).where(Protocol.attempt_id.is_not(None),
                                                                  Protocol.id.not_in(protocols or [-1])),
                             sa.select(Appeal.attempt_id).where(Appeal.id.not_in(appeals or [-1])))
    query = (sa.select(Participant.id).join(ExamSession, ExamSession.id == Participant.session_id)
             .where(ExamSession.session_date < cutoff)
             .where(~sa.select(Attempt.id).where(Attempt.participant_id == Participant.id,
                                                 Attempt.id.in_(kept_attempts)).exists()))
    for column in _competition_references():
        query = query.where(~sa.select(column).where(column == Participant.id).exists())
    return list(db.session.scalars(query))


def purge_personal_data(now: datetime, dry_run: bool = False,
                        leaving: tuple[list[int], list[int]] = ([], [])) -> PersonalPurge:
    """Delete (or with ``dry_run`` count) the expired participants' data."""
    ids = expired_participants(now, leaving)
    attempt_ids = list(db.session.scalars(sa.select(Attempt.id).where(Attempt.participant_id.in_(ids or [-1]))))
    summary = PersonalPurge(participants=len(ids), attempts=len(attempt_ids))
    summary.events = db.session.scalar(sa.select(sa.func.count(JournalEvent.id)).where(
        JournalEvent.attempt_id.in_(attempt_ids or [-1]))) or 0
    if not dry_run and ids:
        if attempt_ids:
            db.session.execute(sa.delete(JournalEvent).where(JournalEvent.attempt_id.in_(attempt_ids)))
            db.session.execute(sa.delete(TimeAdjustment).where(TimeAdjustment.attempt_id.in_(attempt_ids)))
            db.session.execute(sa.delete(Attempt).where(Attempt.id.in_(attempt_ids)))
        db.session.execute(sa.delete(AccessCode).where(AccessCode.participant_id.in_(ids)))
        db.session.execute(sa.delete(Participant).where(Participant.id.in_(ids)))
        db.session.flush()
    return summary


def _moment(value: datetime | None) -> str | None:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ") if value else None


def export_person(pin: str, actor: audit.Actor) -> dict[str, Any]:
    """Everything stored about the person with this personal number (audited).

    Registrations with their session and position, the consent, the attempt
    with its scores and every journal event, and the signed protocols.
    """
    pin = normalise(pin)
    participants = list(db.session.scalars(sa.select(Participant).where(Participant.pin == pin)
                                           .order_by(Participant.id)))
    registrations = []
    for p in participants:
        attempt = db.session.scalar(sa.select(Attempt).where(Attempt.participant_id == p.id))
        entry: dict[str, Any] = {
            "session": {"title": p.session.title, "date": p.session.session_date.isoformat(),
                        "centre": p.session.centre.code},
            "surname": p.surname, "name": p.name, "patronymic": p.patronymic, "pin": p.pin,
            "id_document": p.id_document, "position": p.position.code, "language": p.language,
            "competition": p.competition, "seat": p.seat, "admission": p.admission.value,
            "admission_reason": p.admission_reason, "no_show": p.no_show,
            "registered_at": _moment(p.created_at), "consent_at": _moment(p.consent_at), "attempt": None,
        }
        if attempt is not None:
            events = db.session.scalars(sa.select(JournalEvent).where(JournalEvent.attempt_id == attempt.id)
                                        .order_by(JournalEvent.seq))
            protocols = db.session.scalars(sa.select(Protocol).where(Protocol.attempt_id == attempt.id)
                                           .order_by(Protocol.id))
            entry["attempt"] = {
                "started_at": _moment(attempt.started_at), "finished_at": _moment(attempt.finished_at),
                "deadline_at": _moment(attempt.deadline_at), "language": attempt.language,
                "state": attempt.state.value, "total_points": attempt.total_points,
                "max_points": attempt.max_points, "verdict": attempt.verdict, "form_digest": attempt.form_digest,
                "journal": [{"seq": e.seq, "kind": e.kind, "payload": e.payload, "server_time": _moment(e.server_time),
                             "hash": e.hash} for e in events],
                "protocols": [{"number": pr.number, "kind": pr.kind.value, "record": pr.record,
                               "signature": pr.signature} for pr in protocols],
            }
        registrations.append(entry)
    audit.record("person.exported", ("person", pin[-4:]), actor=actor, registrations=len(registrations))
    return {"format": "examserver.person-data/1", "pin": pin, "registrations": registrations}
