"""Participant registration: one by one or from a CSV list, document-expertise
admission, no-show marks, and the retake cooldown.

A person is identified by the 14-digit personal number (ПИН): the first digit
is 1 (female) or 2 (male), then the birth date as DDMMYYYY, then 5 digits.
A person whose testing attempt ended with ``does_not_meet`` for a position
group may not register again for that group within the retake period
(seed 003 §28; the calendar is in ``exam.retake``).
"""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _

from examserver import clock
from examserver.db import db
from examserver.models import Admission, Attempt, ExamSession, Participant, Position, SessionState
from examserver.core import audit
from examserver.core.errors import Conflict, ServiceError
from examserver.exam import retake

# Field checks, the ПИН rule and the CSV reader live beside this module; they
# are re-exported here, the registration service's one front door.
from .identity import (FIELD_LABELS, LIMITS, FieldProblem, ImportRefused, check_text_fields,  # noqa: F401
                       field_label, normalise, validate_pin)
from .participant_csv import HEADER_ALIASES, decode_csv, parse_csv  # noqa: F401

LANGUAGES = ("ky", "ru")
FIELDS = ("surname", "name", "patronymic", "pin", "id_document", "position", "language", "competition", "seat")


def retake_allowed_from(pin: str, group_code: str, now: datetime) -> datetime | None:
    """When ``pin`` may retake ``group_code`` if a failed attempt is still within the
    retake period, else None (the rule and its calendar are in ``exam.retake``)."""
    return retake.allowed_from(pin, group_code, now)


def _clean(session: ExamSession, data: dict[str, str], positions: dict[str, Position]) -> tuple[dict, list[FieldProblem]]:
    problems: list[FieldProblem] = []
    values = {key: normalise(data.get(key)) for key in FIELDS}
    for key in ("surname", "name", "id_document", "position"):
        if not values[key]:
            problems.append(FieldProblem(key, _("This field is required.")))
    problems.extend(check_text_fields(values))
    try:
        values["pin"] = validate_pin(values["pin"])
    except ServiceError as exc:
        problems.append(FieldProblem("pin", exc.message))
    values["language"] = (values["language"] or "ky").lower()
    if values["language"] not in LANGUAGES:
        problems.append(FieldProblem("language", _("The language must be ky or ru.")))
    position = positions.get(values["position"])
    if values["position"] and (position is None or not position.active):
        problems.append(FieldProblem("position", _("Unknown position code %(code)s.", code=values["position"][:40])))
    values["position_obj"] = position
    if position is not None and session.blueprint_codes and position.blueprint_code not in session.blueprint_codes:
        problems.append(FieldProblem("position", _(
            "This session does not offer the test %(test)s of position %(code)s (offered: %(offered)s).",
            test=position.blueprint_code, code=position.code, offered=", ".join(session.blueprint_codes))))
    if not any(p.field == "pin" for p in problems) and position is not None:
        allowed = retake_allowed_from(values["pin"], position.group_code, clock.now())
        if allowed is not None:
            problems.append(FieldProblem("pin", retake.refusal_text(position.group_code, allowed)))
    return values, problems


def same_day_elsewhere(session: ExamSession, participants: list[Participant] | None = None
                       ) -> dict[int, list[ExamSession]]:
    """Participants of ``session`` (all, or those given) registered in another session
    on the same day for the same position group: ``{participant id: [other sessions]}``.

    Not refused (a person may be moved to another room, or re-registered after
    a mistake), but shown to the proctor: one person sitting the same group's
    test twice in a day would see the questions twice. Two queries, whatever
    the number of participants.
    """
    query = (sa.select(Participant.id, Participant.pin, Position.group_code)
             .join(Position, Position.id == Participant.position_id)
             .where(Participant.session_id == session.id))
    if participants is not None:
        query = query.where(Participant.id.in_([p.id for p in participants]))
    here = db.session.execute(query).all()
    if not here:
        return {}
    rows = db.session.execute(
        sa.select(Participant.pin, Position.group_code, ExamSession)
        .join(ExamSession, ExamSession.id == Participant.session_id)
        .join(Position, Position.id == Participant.position_id)
        .where(ExamSession.session_date == session.session_date, ExamSession.id != session.id,
               Participant.pin.in_(sorted({pin for _id, pin, _group in here})))
        .order_by(ExamSession.id)).all()
    elsewhere: dict[tuple[str, str], list[ExamSession]] = {}
    for pin, group, other_session in rows:
        elsewhere.setdefault((pin, group), []).append(other_session)
    return {pid: elsewhere[(pin, group)] for pid, pin, group in here if (pin, group) in elsewhere}


def same_day_warning(session: ExamSession, participant: Participant) -> str | None:
    """The warning shown to the proctor for :func:`same_day_elsewhere`, or None."""
    others = same_day_elsewhere(session, [participant]).get(participant.id)
    if not others:
        return None
    return _("%(name)s (PIN %(pin)s) is also registered on this day for group %(group)s: %(sessions)s.",
             name=participant.full_name, pin=participant.pin, group=participant.position.group_code,
             sessions=", ".join(f"«{s.title}» (№{s.id})" for s in others))


def _positions() -> dict[str, Position]:
    return {p.code: p for p in db.session.scalars(sa.select(Position))}


def _check_session(session: ExamSession) -> None:
    if session.state == SessionState.CLOSED:
        raise Conflict(_("The session is closed."), "session_closed")


def _existing_pins(session: ExamSession) -> set[str]:
    return set(db.session.scalars(sa.select(Participant.pin).where(Participant.session_id == session.id)))


def _make(session: ExamSession, values: dict) -> Participant:
    participant = Participant(
        session_id=session.id, surname=values["surname"], name=values["name"], patronymic=values["patronymic"],
        pin=values["pin"], id_document=values["id_document"], position_id=values["position_obj"].id,
        language=values["language"], competition=values["competition"], seat=values["seat"],
        admission=Admission.PENDING, created_at=clock.now(),
    )
    db.session.add(participant)
    return participant


def register_participant(session: ExamSession, data: dict[str, str], actor: audit.Actor,
                         consent: bool = False) -> Participant:
    """Register one person. Raises ImportRefused (with every field problem) on bad data.

    ``consent``: the proctor saw the candidate's signed consent to the
    processing of personal data (seed 003, annex 3); its time is recorded.
    """
    _check_session(session)
    values, problems = _clean(session, data, _positions())
    if not problems and values["pin"] in _existing_pins(session):
        problems.append(FieldProblem("pin", _("This person is already registered in this session.")))
    if problems:
        raise ImportRefused(problems)
    participant = _make(session, values)
    participant.consent_at = clock.now() if consent else None
    db.session.flush()
    audit.record("participant.register", participant, actor=actor, centre_id=session.centre_id, consent=consent)
    return participant


def import_rows(session: ExamSession, rows: list[tuple[int, dict[str, str]]], actor: audit.Actor,
                consent: bool = False) -> list[Participant]:
    """Register every row or none: ``rows`` are ``(line number, fields)``.

    ``consent``: the proctor confirms that every person on the list signed the
    consent to the processing of personal data (annex 3).

    Raises ImportRefused listing every bad row by line and field.
    """
    _check_session(session)
    if not rows:
        raise ImportRefused([FieldProblem("", _("The list has no participants."))])
    positions = _positions()
    taken = _existing_pins(session)
    seen: dict[str, int] = {}
    problems: list[FieldProblem] = []
    cleaned = []
    for line, data in rows:
        values, row_problems = _clean(session, data, positions)
        pin = values["pin"]
        if not any(p.field == "pin" for p in row_problems):
            if pin in taken:
                row_problems.append(FieldProblem("pin", _("This person is already registered in this session.")))
            elif pin in seen:
                row_problems.append(FieldProblem("pin", _("The same person is on line %(line)s too.", line=seen[pin])))
            seen.setdefault(pin, line)
        for problem in row_problems:
            problem.line = line
        problems.extend(row_problems)
        cleaned.append(values)
    if problems:
        raise ImportRefused(problems)
    participants = [_make(session, values) for values in cleaned]
    now = clock.now()
    for participant in participants:
        participant.consent_at = now if consent else None
    db.session.flush()
    audit.record("participant.import", session, actor=actor, centre_id=session.centre_id, count=len(participants),
                 consent=consent)
    return participants


def _lock(participant: Participant) -> None:
    """Lock the participant's row as an attempt start does (``exam.gates``): a start
    in flight is seen as "already started", or sees the new admission."""
    db.session.flush()  # refresh() drops unflushed changes
    db.session.refresh(participant, with_for_update=True)


def set_admission(participant: Participant, admitted: bool, reason: str, actor: audit.Actor) -> None:
    """Record the document-expertise outcome; "not admitted" needs a reason and revokes any code."""
    reason = (reason or "").strip()
    if not admitted and not reason:
        raise ServiceError(_("Give the reason why the participant is not admitted."), "reason_required")
    _lock(participant)
    if db.session.scalar(sa.select(Attempt.id).where(Attempt.participant_id == participant.id)):
        raise Conflict(_("The participant has already started the test."), "started")
    participant.admission = Admission.ADMITTED if admitted else Admission.NOT_ADMITTED
    participant.admission_reason = reason
    if not admitted:
        from examserver.models import AccessCode

        db.session.execute(sa.update(AccessCode).where(AccessCode.participant_id == participant.id,
                                                       AccessCode.revoked_at.is_(None)).values(revoked_at=clock.now()))
    audit.record("participant.admission", participant, actor=actor, reason=reason,
                 centre_id=participant.session.centre_id, admitted=admitted)


def mark_no_show(participant: Participant, reason: str, actor: audit.Actor) -> None:
    """Mark a participant who did not come; their code stops working."""
    from examserver.models import AccessCode

    reason = (reason or "").strip()
    if not reason:
        raise ServiceError(_("A reason is required."), "reason_required")
    _lock(participant)
    if db.session.scalar(sa.select(Attempt.id).where(Attempt.participant_id == participant.id)):
        raise Conflict(_("The participant has already started the test."), "started")
    participant.no_show = True
    db.session.execute(sa.update(AccessCode).where(AccessCode.participant_id == participant.id,
                                                   AccessCode.revoked_at.is_(None)).values(revoked_at=clock.now()))
    audit.record("participant.no_show", participant, actor=actor, reason=reason,
                 centre_id=participant.session.centre_id)


def record_consent(participant: Participant, actor: audit.Actor) -> None:
    """Record that the candidate's signed consent (annex 3) was received after registration."""
    if participant.consent_at is not None:
        return
    participant.consent_at = clock.now()
    db.session.flush()
    audit.record("participant.consent", participant, actor=actor, centre_id=participant.session.centre_id)
