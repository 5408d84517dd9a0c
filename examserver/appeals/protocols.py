"""Finalising an appeal: the corrected testing protocol and the signed appeal protocol.

Called by ``appeal_decisions.sign`` once the chair and every member present
have signed. The record layout and the member-signature rule are described in
``appeal_records``; numbering and the centre signature come from
``protocols.issue_protocol`` (kind 'appeal', number ``<CENTRE>-<YEAR>-A<serial>``),
kept for ``APPEAL_RETENTION_DAYS`` (technical-commission materials, seed 003 §36).
"""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from examserver.db import db
from examserver.models import (Appeal, AppealDecision, AppealSignature, AppealState, Attempt, Protocol, ProtocolKind,
                      User)
from examserver.core import audit
from examserver.protocols import issuing as protocols
from examserver.appeals import replay as replay_service
from examserver.appeals.records import APPEAL_SCHEMA, check_appeal_record, verify_member_signature
from examserver.core.errors import Conflict
from examserver.protocols.records import moment


def appeal_protocol(appeal: Appeal) -> Protocol | None:
    """The signed appeal protocol, once finalised."""
    return db.session.scalar(sa.select(Protocol).where(Protocol.appeal_id == appeal.id,
                                                       Protocol.kind == ProtocolKind.APPEAL).limit(1))


def corrected_protocol(appeal: Appeal) -> Protocol | None:
    """The correction protocol issued because of this appeal, if any."""
    number = (appeal.decision_details or {}).get("corrected_protocol")
    if not number:
        return None
    return db.session.scalar(sa.select(Protocol).where(Protocol.number == number))


def _signature_entries(appeal: Appeal, body_digest: str) -> list[dict[str, Any]]:
    entries = []
    rows = db.session.scalars(sa.select(AppealSignature).where(AppealSignature.appeal_id == appeal.id)
                              .order_by(AppealSignature.signed_at, AppealSignature.id))
    roles = {m["username"]: m["role"] for m in appeal.decision_details["body"]["commission"]["present"]}
    for row in rows:
        user = db.session.get(User, row.user_id)
        # A row that did not come from a member unlocking their key fails here.
        if not verify_member_signature(row.public_key, row.signature, body_digest):
            raise Conflict(_("The signature of %(name)s does not verify; the protocol is not issued.",
                             name=user.full_name), "bad_member_signature")
        entries.append({"username": user.username, "full_name": user.full_name,
                        "role": roles.get(user.username, "member"), "public_key": row.public_key,
                        "signed_at": moment(row.signed_at), "signature": row.signature})
    return entries


def _apply_correction(appeal: Appeal, attempt: Attempt) -> Protocol:
    """Store the corrected score on the attempt and issue the correction protocol."""
    from examserver.appeals.replay import corrected_score

    details = appeal.decision_details
    original = protocols.protocol_for_attempt(attempt) or protocols.create_testing_protocol(attempt)
    report = corrected_score(attempt, replay_service.replay_attempt(attempt), details)
    before = {"total": attempt.total_points, "max": attempt.max_points, "verdict": attempt.verdict}
    attempt.score = report.to_dict()
    attempt.total_points = report.total_points
    attempt.max_points = report.max_points
    attempt.verdict = report.verdict
    db.session.flush()
    correction = {"appeal": appeal.number, "grounds": details["grounds"], "reason": appeal.grounds,
                  "corrections": details["corrections"], "neutralised": details["neutralised"],
                  "original": before}
    return protocols.create_testing_protocol(attempt, supersedes=original, correction=correction)


def finalise(appeal: Appeal, actor: audit.Actor) -> Protocol:
    """Issue the corrected testing protocol (if the decision changes the score)
    and the centre-signed appeal protocol; mark the appeal signed."""
    details = dict(appeal.decision_details)
    body, body_digest = details["body"], details["body_digest"]
    signatures = _signature_entries(appeal, body_digest)
    attempt = db.session.get(Attempt, appeal.attempt_id)
    corrected = None
    if appeal.decision == AppealDecision.UPHELD and (details.get("corrections") or details.get("neutralised")):
        corrected = _apply_correction(appeal, attempt)
        details["corrected_protocol"] = corrected.number
        appeal.decision_details = details
    centre = attempt.session.centre

    def build(number: str, issued_at) -> dict[str, Any]:
        return {"schema": APPEAL_SCHEMA, "kind": ProtocolKind.APPEAL.value, "number": number,
                "issued_at": moment(issued_at), "timezone": current_app.config["TIMEZONE"],
                "centre": {"code": centre.code, "name": {str(k): str(v) for k, v in (centre.name or {}).items()}},
                "appeal_number": appeal.number, "attempt": attempt.id, "language": attempt.language,
                "original_protocol": body["original_protocol"],
                "body": body, "body_digest": body_digest, "member_signatures": signatures,
                "corrected_protocol": corrected.number if corrected else None}

    # Never issue a protocol the verifier would reject.
    problems = check_appeal_record(build("-", None))
    if problems:
        raise Conflict(_("The appeal protocol cannot be issued: %(problems)s", problems="; ".join(problems)),
                       "bad_appeal_record")
    protocol = protocols.issue_protocol(ProtocolKind.APPEAL, centre, build, attempt_id=attempt.id,
                                        session_id=attempt.session_id, appeal_id=appeal.id,
                                        retention_days=current_app.config["APPEAL_RETENTION_DAYS"])
    protocol.expires_at = appeal.expires_at
    appeal.state = AppealState.SIGNED
    db.session.flush()
    audit.record("appeal.protocol", appeal, actor=actor, centre_id=centre.id, protocol=protocol.number,
                 corrected_protocol=corrected.number if corrected else None)
    return protocol
