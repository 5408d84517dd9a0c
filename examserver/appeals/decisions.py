"""The commission's decision on an appeal, the members' signatures and the
signed appeal protocol (seed 003 §35).

Flow: the chair records the decision (:func:`decide`) with the members
present; that freezes the *body* of the appeal protocol (what was shown, the
recomputation, the decision and grounds). Each member present then confirms
with their own password (:func:`sign`): their personal key, sealed under that
password, signs the body digest. When the chair and every member present
have signed, :func:`sign` finalises: an upheld appeal with a rescore or a
neutralised item gets a corrected testing protocol that supersedes the
original (which stays as it was), and the appeal protocol is signed by the
centre key and stored (Protocol kind 'appeal').

Decisions:
* ``rejected`` — grounds ``score_confirmed``;
* ``upheld`` + ``technical_fault`` — remedy ``rescore`` (explicit per-slot
  answer corrections, each with a reason) or ``retest`` (a re-test grant);
* ``upheld`` + ``defective_item`` — the listed slots are neutralised with the
  ``NEUTRALISE_POLICY`` (credit: scored correct; remove: out of the maximum).
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from question_bank.scoring import ScoreReport

from examserver import clock
from examserver.canonical import digest
from examserver.db import db
from examserver.models import (Appeal, AppealDecision, AppealSignature, AppealState, Attempt, Commission,
                      CommissionMember, User)
from examserver.core import audit
from examserver.appeals import commissions
from examserver.core import ratelimit
from examserver.appeals import replay as replay_service
from examserver.appeals.replay import corrected_score  # noqa: F401  (used here and by callers)
from examserver.appeals.records import member_message
from examserver.core.errors import Conflict, Forbidden, ServiceError

GROUNDS = {"rejected": ("score_confirmed",), "upheld": ("technical_fault", "defective_item")}
REMEDIES = {"technical_fault": ("rescore", "retest"), "defective_item": ("neutralise",)}


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else clock.to_local(moment.replace(microsecond=0)).isoformat()


def _score_summary(report: ScoreReport) -> dict[str, Any]:
    return {"total": report.total_points, "max": report.max_points, "correct": report.correct,
            "verdict": report.verdict}


def _parse_corrections(raw: Any, rp: replay_service.Replay) -> list[dict[str, Any]]:
    if not isinstance(raw, list) or not raw:
        raise ServiceError(_("A rescore needs at least one answer correction."), "corrections_required")
    out, seen = [], set()
    for entry in raw:
        if not isinstance(entry, dict):
            raise ServiceError(_("Each correction names a question, the answer and a reason."), "bad_correction")
        try:
            slot = int(entry.get("slot"))
        except (TypeError, ValueError):
            raise ServiceError(_("Each correction names a question, the answer and a reason."), "bad_correction")
        if slot in seen or not any(s.index == slot for s in rp.form.slots):
            raise ServiceError(_("Question %(n)s is not on this form (or is corrected twice).", n=slot), "bad_slot")
        seen.add(slot)
        item = rp.items[rp.form.slot(slot).item_ref]
        selected = sorted({str(o) for o in entry.get("selected") or ()})
        if any(o not in item.option_ids for o in selected):
            raise ServiceError(_("Question %(n)s has no such option.", n=slot), "bad_option")
        reason = str(entry.get("reason") or "").strip()
        if not reason:
            raise ServiceError(_("Question %(n)s: the reason for the correction is required.", n=slot), "reason_required")
        was = sorted(rp.answers.get(slot, frozenset()))
        out.append({"slot": slot, "selected": selected, "reason": reason[:1000], "was": was,
                    # The letters the candidate saw (А Б В Г in a ky/ru test), for the protocol.
                    "letters": _letters(rp, slot, selected), "was_letters": _letters(rp, slot, was)})
    return out


def _letters(rp: replay_service.Replay, slot: int, option_ids: list[str]) -> str:
    """Option ids as the kiosk's letters, in the order shown on the frozen form."""
    order = list(rp.form.slot(slot).option_order)
    labels = replay_service.option_labels(rp.language)
    return "".join(labels[order.index(o)] for o in sorted(option_ids, key=order.index))


def _parse_slots(raw: Any, rp: replay_service.Replay) -> list[int]:
    try:
        slots = sorted({int(s) for s in raw or ()})
    except (TypeError, ValueError):
        raise ServiceError(_("Name the defective questions by number."), "bad_slot")
    if not slots:
        raise ServiceError(_("Name the defective questions by number."), "slots_required")
    indexes = {s.index for s in rp.form.slots}
    for s in slots:
        if s not in indexes:
            raise ServiceError(_("Question %(n)s is not on this form (or is corrected twice).", n=s), "bad_slot")
    return slots


def _member_entry(member: CommissionMember) -> dict[str, Any]:
    return {"username": member.user.username, "full_name": member.user.full_name,
            "role": "chair" if member.is_chair else "member", "public_key": member.user.signing_public_key or ""}


def _require_chair(commission: Commission, user: User) -> None:
    if not any(m.user_id == user.id and m.is_chair for m in commission.members):
        raise Forbidden(_("Only the chair of the commission can record the decision."), "not_chair")


def decide(appeal: Appeal, decision: str, grounds: str, text: str, present_ids: list[int], chair: User,
           actor: audit.Actor, remedy: str | None = None, corrections: Any = None, slots: Any = None) -> Appeal:
    """Record the commission's decision and freeze the protocol body.

    Refused once any member has signed (the body they signed must not change).
    """
    if appeal.state == AppealState.SIGNED:
        raise Conflict(_("The appeal protocol is already signed."), "signed")
    if db.session.scalar(sa.select(sa.func.count(AppealSignature.id)).where(AppealSignature.appeal_id == appeal.id)):
        raise Conflict(_("Members have already signed this decision; it cannot be changed."), "has_signatures")
    attempt = db.session.get(Attempt, appeal.attempt_id)
    commission = db.session.get(Commission, appeal.commission_id) if appeal.commission_id else \
        commissions.commission_for_session(attempt.session)
    if commission is None:
        raise ServiceError(_("No technical commission is set up for this centre."), "no_commission")
    _require_chair(commission, chair)
    if decision not in GROUNDS:
        raise ServiceError(_("Choose whether the appeal is rejected or upheld."), "bad_decision")
    if grounds not in GROUNDS[decision]:
        raise ServiceError(_("These grounds do not fit the decision."), "bad_grounds")
    text = (text or "").strip()
    if not text:
        raise ServiceError(_("Please state the grounds of the decision."), "grounds_required")
    members = {m.user_id: m for m in commission.members}
    present = set(int(i) for i in present_ids or ())
    present.add(chair.id)
    if not present <= set(members):
        raise ServiceError(_("Only members of the commission can be marked present."), "not_member")

    rp = replay_service.replay_attempt(attempt)
    details: dict[str, Any] = {"grounds": grounds, "remedy": None, "corrections": [], "neutralised": {},
                               "retest": False}
    if decision == "upheld":
        if remedy not in REMEDIES[grounds]:
            raise ServiceError(_("Choose what the commission grants."), "bad_remedy")
        details["remedy"] = remedy
        if remedy == "rescore":
            details["corrections"] = _parse_corrections(corrections, rp)
        elif remedy == "retest":
            details["retest"] = True
        else:
            policy = current_app.config["NEUTRALISE_POLICY"]
            details["neutralised"] = {str(s): policy for s in _parse_slots(slots, rp)}
    corrected = None
    if details["corrections"] or details["neutralised"]:
        corrected = _score_summary(corrected_score(attempt, rp, details))

    now = clock.now()
    body = _body(appeal, attempt, commission, rp, decision, text, details, corrected,
                 [members[i] for i in sorted(present, key=lambda i: (not members[i].is_chair, members[i].user.full_name))],
                 now)
    appeal.commission_id = commission.id
    appeal.decision = AppealDecision(decision)
    appeal.grounds = text
    appeal.decision_details = dict(details, present=sorted(present), corrected=corrected, body=body,
                                   body_digest=digest(body))
    appeal.decided_at = now
    appeal.state = AppealState.DECIDED
    db.session.flush()
    audit.record("appeal.decide", appeal, actor=actor, centre_id=commission.centre_id, decision=decision,
                 grounds=grounds, remedy=details["remedy"], reason=text)
    return appeal


def _body(appeal: Appeal, attempt: Attempt, commission: Commission, rp: replay_service.Replay, decision: str,
          text: str, details: dict[str, Any], corrected: dict | None, present: list[CommissionMember],
          now: datetime) -> dict[str, Any]:
    from examserver.protocols import issuing as protocols

    original = protocols.protocol_for_attempt(attempt)
    session = attempt.session
    conflicts = commissions.proctor_conflicts(commission, session)
    return {
        "appeal": {"number": appeal.number, "filed_at": _iso(appeal.filed_at), "via": appeal.filed_via,
                   "statement": appeal.statement},
        "centre": session.centre.code,
        "attempt": {"id": attempt.id, "candidate": attempt.participant.full_name, "pin": attempt.participant.pin,
                    "session": session.title, "language": attempt.language,
                    "finished_at": _iso(attempt.finished_at)},
        "original_protocol": original.number if original is not None else None,
        "shown": rp.summary(),
        "decision": {"decision": decision, "grounds": details["grounds"], "text": text,
                     "remedy": details["remedy"], "corrections": details["corrections"],
                     "neutralised": details["neutralised"], "retest": details["retest"],
                     "corrected": corrected},
        "commission": {"name": commission.name,
                       "present": [dict(_member_entry(m), session_proctor=m.user_id in conflicts) for m in present]},
        "decided_at": _iso(now),
    }


def sign(appeal: Appeal, user: User, password: str, actor: audit.Actor):
    """A member present confirms the decision with their own password.

    Their personal key is unlocked with ``password`` and signs the body
    digest; a wrong password, a member not marked present or a person not on
    the commission is refused. Returns the appeal protocol once the last
    signature is in, else None.
    """
    if appeal.state != AppealState.DECIDED:
        raise Conflict(_("There is no decision to sign yet.") if appeal.state == AppealState.FILED
                       else _("The appeal protocol is already signed."), "not_decided")
    details = appeal.decision_details or {}
    commission = db.session.get(Commission, appeal.commission_id)
    if not commissions.is_member(commission, user):
        raise Forbidden(_("%(name)s is not on this commission.", name=user.full_name), "not_member")
    if user.id not in details.get("present", []):
        raise Forbidden(_("%(name)s was not marked present.", name=user.full_name), "not_present")
    if db.session.scalar(sa.select(AppealSignature.id).where(AppealSignature.appeal_id == appeal.id,
                                                             AppealSignature.user_id == user.id)):
        raise Conflict(_("%(name)s has already signed.", name=user.full_name), "already_signed")
    limit = current_app.config["LOGIN_FAILURES_LIMIT"]
    if ratelimit.count("member-sign", user.username, current_app.config["LOGIN_FAILURES_WINDOW_SECONDS"]) >= limit:
        raise ServiceError(_("Too many wrong passwords. Try again later."), "rate_limited", status=429)
    from examserver.appeals.member_keys import unlock_member_key

    key = unlock_member_key(user, password or "")
    if key is None:
        ratelimit.hit("member-sign", user.username)
        audit.record("appeal.sign_refused", appeal, actor=actor, centre_id=commission.centre_id, member=user.username)
        raise Forbidden(_("Wrong password for %(name)s: not signed.", name=user.full_name), "wrong_password",
                        keep=True)
    import base64

    from cryptography.hazmat.primitives import serialization

    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    public = base64.b64encode(raw).decode()
    listed = next((m["public_key"] for m in details["body"]["commission"]["present"]
                   if m["username"] == user.username), None)
    if public != user.signing_public_key or public != listed:
        raise Forbidden(_("The personal key of %(name)s has changed since the decision.", name=user.full_name), "key_changed")
    ratelimit.reset("member-sign", user.username)
    signature = AppealSignature(appeal_id=appeal.id, user_id=user.id, signed_at=clock.now(), public_key=public,
                                signature=base64.b64encode(key.sign(member_message(details["body_digest"]))).decode())
    db.session.add(signature)
    db.session.flush()
    audit.record("appeal.sign", appeal, actor=actor, centre_id=commission.centre_id, member=user.username)
    signed = set(db.session.scalars(sa.select(AppealSignature.user_id).where(AppealSignature.appeal_id == appeal.id)))
    if set(details["present"]) <= signed:
        from examserver.appeals.protocols import finalise

        return finalise(appeal, actor)
    return None


def signatures_of(appeal: Appeal) -> list[AppealSignature]:
    """Signatures so far, in signing order."""
    return list(db.session.scalars(sa.select(AppealSignature).where(AppealSignature.appeal_id == appeal.id)
                                   .order_by(AppealSignature.signed_at, AppealSignature.id)))
