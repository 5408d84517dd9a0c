"""Retention purge (seed 003 §36, §39).

Technical-commission materials (appeals, their members' signatures and the
appeal protocols) are kept until their ``expires_at`` (filing +
``APPEAL_RETENTION_DAYS``, default 1 year); testing, correction and session
protocols until theirs (issue + ``PROTOCOL_RETENTION_DAYS``, default 5
years); then the personal data behind them (participants, attempts, journals:
``registration.personal_data``). :func:`purge` deletes what has expired; with
``dry_run`` it only counts. Either way the run is audited.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from examserver import clock
from examserver.db import db
from examserver.models import Appeal, AppealSignature, Competition, Protocol
from examserver.core import audit


@dataclass
class PurgeSummary:
    appeals: int = 0
    signatures: int = 0
    protocols: int = 0
    participants: int = 0
    attempts: int = 0
    events: int = 0
    dry_run: bool = False


def purge(actor: audit.Actor, dry_run: bool = False, now: datetime | None = None) -> PurgeSummary:
    """Delete appeal materials and protocols past their retention date."""
    now = now or clock.now()
    appeal_ids = list(db.session.scalars(sa.select(Appeal.id).where(Appeal.expires_at <= now)))
    protocol_ids = list(db.session.scalars(sa.select(Protocol.id).where(Protocol.expires_at.is_not(None),
                                                                         Protocol.expires_at <= now)))
    summary = PurgeSummary(appeals=len(appeal_ids), protocols=len(protocol_ids), dry_run=dry_run)
    summary.signatures = db.session.scalar(sa.select(sa.func.count(AppealSignature.id)).where(
        AppealSignature.appeal_id.in_(appeal_ids or [-1]))) or 0
    if not dry_run:
        if protocol_ids:
            # A kept correction still names the original by number and digest in its record.
            db.session.execute(sa.update(Protocol).where(Protocol.supersedes_id.in_(protocol_ids))
                               .values(supersedes_id=None))
            # A competition keeps its row (and reserve entries, which name the protocol by number).
            db.session.execute(sa.update(Competition).where(Competition.protocol_id.in_(protocol_ids))
                               .values(protocol_id=None))
            db.session.execute(sa.delete(Protocol).where(Protocol.id.in_(protocol_ids)))
        if appeal_ids:
            db.session.execute(sa.update(Protocol).where(Protocol.appeal_id.in_(appeal_ids)).values(appeal_id=None))
            db.session.execute(sa.delete(AppealSignature).where(AppealSignature.appeal_id.in_(appeal_ids)))
            db.session.execute(sa.delete(Appeal).where(Appeal.id.in_(appeal_ids)))
        db.session.flush()
    # Personal data goes last: it is kept while a protocol or appeal above still refers to it.
    from examserver.registration.personal_data import purge_personal_data

    personal = purge_personal_data(now, dry_run=dry_run, leaving=(protocol_ids, appeal_ids))
    summary.participants, summary.attempts, summary.events = personal.participants, personal.attempts, personal.events
    audit.record("retention.purge", ("retention", now.strftime("%Y-%m-%d")), actor=actor,
                 appeals=summary.appeals, signatures=summary.signatures, protocols=summary.protocols,
                 participants=summary.participants, attempts=summary.attempts, events=summary.events,
                 dry_run=dry_run)
    return summary
