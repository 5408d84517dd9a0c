"""The canonical records of testing and session protocols, built from DB rows.

A record holds integers, strings, booleans and nulls only (``examserver.canonical``
refuses floats), so its bytes are the same on every platform and database.
Times appear twice: ``utc`` (``YYYY-MM-DDTHH:MM:SSZ``, whole seconds) and
``local`` (ISO 8601 with the centre's offset). See docs/protocols.md for the
schema.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import current_app

from examserver import clock
from examserver.db import db
from examserver.models import (AuditEntry, Attempt, Centre, ExamSession, Participant, Protocol, ProtocolKind,
                               Terminal, TimeAdjustment, User)

TESTING_SCHEMA = "examserver.testing-protocol/1"
# Version 1 records listed every staff audit entry as an "intervention" with
# internal ids; new records list only incidents, as ``{"type": "event", ...}``
# (``_incidents``). The schema name stays: the envelope is unchanged, and the
# texts render both kinds of incident (``incident_texts``).
SESSION_SCHEMA = "examserver.session-protocol/1"

# Fixed texts, not gettext: they are part of the signed bytes and must never
# change when a translation is edited (seed 003 §26).
VERDICT_TEXT = {
    "meets": {
        "ky": "Талапкердин баллы квалификациялык талаптарга жооп берет",
        "ru": "Балл кандидата соответствует квалификационным требованиям",
        "en": "The score meets the qualification requirements",
    },
    "does_not_meet": {
        "ky": "Талапкердин баллы квалификациялык талаптарга жооп бербейт",
        "ru": "Балл кандидата не соответствует квалификационным требованиям",
        "en": "The score does not meet the qualification requirements",
    },
}


def moment(value: datetime | None) -> dict[str, str] | None:
    """A UTC moment as ``{"utc": ..., "local": ...}`` (whole seconds)."""
    if value is None:
        return None
    value = value.replace(microsecond=0)
    return {"utc": value.strftime("%Y-%m-%dT%H:%M:%SZ"), "local": clock.to_local(value).isoformat()}


def _texts(value: Any) -> dict[str, str]:
    """A ``{lang: text}`` mapping reduced to strings (JSON columns may hold anything)."""
    if isinstance(value, dict):
        return {str(k): str(v) for k, v in value.items()}
    return {"ru": str(value or "")}


def _centre(centre: Centre) -> dict[str, Any]:
    return {"code": centre.code, "name": _texts(centre.name), "address": centre.address or ""}


def _user(user_id: int | None) -> dict[str, str] | None:
    user = db.session.get(User, user_id) if user_id else None
    if user is None:
        return None
    return {"username": user.username, "full_name": user.full_name}


def _candidate(p: Participant) -> dict[str, str]:
    return {"surname": p.surname, "name": p.name, "patronymic": p.patronymic or "",
            "full_name": p.full_name, "pin": p.pin, "document": p.id_document}


def _sections(attempt: Attempt) -> list[dict[str, Any]]:
    titles = {s["code"]: _texts(s.get("title", {})) for s in attempt.blueprint.payload.get("sections", [])}
    out = []
    for s in (attempt.score or {}).get("sections", []):
        out.append({"code": str(s["code"]), "title": titles.get(s["code"], {}),
                    "points": int(s["points"]), "max_points": int(s["max_points"]),
                    "correct": int(s["correct"]), "questions": int(s["questions"]),
                    "min_correct": None if s.get("min_correct") is None else int(s["min_correct"]),
                    "meets": bool(s["meets"])})
    return out


def _adjustments(attempt: Attempt) -> list[dict[str, Any]]:
    rows = db.session.scalars(sa.select(TimeAdjustment).where(TimeAdjustment.attempt_id == attempt.id)
                              .order_by(TimeAdjustment.created_at, TimeAdjustment.id))
    return [{"kind": a.kind.value, "seconds": int(a.seconds), "reason": a.reason,
             "at": moment(a.created_at), "ended_at": moment(a.ended_at), "by": _user(a.actor_id)}
            for a in rows]


def result_of(attempt: Attempt) -> dict[str, Any]:
    """Scores, threshold and verdict of a finished attempt."""
    score = attempt.score or {}
    verdict = attempt.verdict or score.get("verdict") or "does_not_meet"
    return {
        "sections": _sections(attempt),
        "total_points": int(attempt.total_points if attempt.total_points is not None else score.get("total_points", 0)),
        "max_points": int(attempt.max_points if attempt.max_points is not None else score.get("max_points", 0)),
        "correct": int(score.get("correct", 0)),
        "questions": int(score.get("questions", attempt.question_count or 0)),
        "answered": int(score.get("answered", attempt.answered_count or 0)),
        "threshold": {"kind": str(score.get("threshold_kind", "")), "value": int(score.get("threshold_value", 0)),
                      "points": int(score.get("threshold_points", 0))},
        "verdict": verdict,
        "verdict_text": dict(VERDICT_TEXT.get(verdict, VERDICT_TEXT["does_not_meet"])),
    }


def testing_record(attempt: Attempt, number: str, issued_at: datetime, kind: ProtocolKind,
                   supersedes: Protocol | None = None, correction: dict | None = None) -> dict[str, Any]:
    """The record of a testing (or correction) protocol for a finished attempt."""
    from examserver.canonical import sha256_hex

    session: ExamSession = attempt.session
    participant: Participant = attempt.participant
    position = participant.position
    terminal = attempt.terminal
    return {
        "schema": TESTING_SCHEMA,
        "kind": kind.value,
        "number": number,
        "issued_at": moment(issued_at),
        "timezone": current_app.config["TIMEZONE"],
        "centre": _centre(session.centre),
        "room": session.room.name,
        "seat": (terminal.seat if terminal is not None and terminal.seat else participant.seat) or "",
        "terminal": str(terminal.id) if terminal is not None else "",
        "session": {"id": session.id, "title": session.title, "date": session.session_date.isoformat()},
        "candidate": _candidate(participant),
        "position": {"code": position.code, "title": _texts(position.title), "group": position.group_code,
                     "department": _texts(position.department)},
        "language": attempt.language,
        "times": {"started": moment(attempt.started_at), "finished": moment(attempt.finished_at),
                  "deadline": moment(attempt.deadline_at), "duration_seconds": int(attempt.duration_seconds)},
        "finish_reason": attempt.finish_reason.value if attempt.finish_reason else "",
        "result": result_of(attempt),
        "blueprint": {"code": attempt.blueprint.code, "version": int(attempt.blueprint.version),
                      "digest": attempt.blueprint.digest},
        "form_digest": attempt.form_digest,
        "journal": {"head": attempt.journal_head or "", "last_seq": int(attempt.last_seq or 0)},
        "adjustments": _adjustments(attempt),
        "proctor": _user(session.proctor_id),
        "supersedes": None if supersedes is None else {
            "number": supersedes.number, "digest": sha256_hex(supersedes.record.encode("utf-8"))},
        "correction": correction,
        **_approval(attempt),
    }


def _approval(attempt: Attempt) -> dict[str, Any]:
    """Who approved the blueprint version and its thresholds, and when (seed 003 §22(б)).

    Only present when recorded: records issued before approvals existed, or
    of an unapproved blueprint, keep exactly their old shape."""
    from examserver.models.bank_review import BlueprintApproval

    entry = db.session.scalar(sa.select(BlueprintApproval).where(BlueprintApproval.blueprint_id == attempt.blueprint_id))
    if entry is None:
        return {}
    return {"blueprint_approval": {"by": entry.approved_by, "at": moment(entry.approved_at)}}


# Audit actions that are incidents of a session (what a session protocol lists
# besides time adjustments, which come from their own table), and the word the
# record uses for each. Registration, code issue, admission and the like are the
# normal course of a session, not incidents; a code counts only when re-issued.
INCIDENT_EVENTS = {
    "attempt.move": "move", "attempt.other_terminal_refused": "other_terminal", "attempt.late_event": "late_answer",
    "code.issue": "code_reissue", "participant.no_show": "no_show", "session.close": "closed_early",
    "terminal.lock": "lock", "terminal.unlock": "unlock", "terminal.revoke": "revoke",
}


def _incident(event: str, at: datetime, by: str = "", reason: str = "", candidate: Participant | None = None,
              seat: str = "", seconds: int = 0, to_seat: str = "", count: int = 0) -> dict[str, Any]:
    """One incident: an event word, who it concerned (name and PIN, never an
    internal id), the seat, and the staff member's full name and reason."""
    return {"type": "event", "event": event, "at": moment(at), "by": by, "reason": reason or "",
            "candidate": None if candidate is None else {"full_name": candidate.full_name, "pin": candidate.pin},
            "seat": seat or "", "to_seat": to_seat or "", "seconds": int(seconds), "count": int(count)}


def _incidents(session: ExamSession, attempts: list[Attempt]) -> list[dict[str, Any]]:
    """The real incidents of a session, in time order: extra time, pauses,
    moves, terminal locks and unlocks, code re-issues, no-shows, late answers,
    closing with tests still running (see INCIDENT_EVENTS)."""
    by_attempt = {str(a.id): a for a in attempts}
    people = {str(p.id): p for p in db.session.scalars(sa.select(Participant).where(
        Participant.session_id == session.id))}
    terminals = {str(t.id): t for t in db.session.scalars(sa.select(Terminal).where(
        Terminal.room_id == session.room_id))}
    names: dict[int, str] = {}

    def staff(user_id: int | None) -> str:
        if user_id and user_id not in names:
            user = db.session.get(User, user_id)
            names[user_id] = user.full_name if user is not None else ""
        return names.get(user_id, "") if user_id else ""

    def seat_of(terminal_id: Any) -> str:
        terminal = terminals.get(str(terminal_id)) or (db.session.get(Terminal, int(terminal_id))
                                                       if str(terminal_id).isdigit() else None)
        return terminal.seat if terminal is not None else ""

    out: list[dict[str, Any]] = []
    for a in attempts:
        for adj in db.session.scalars(sa.select(TimeAdjustment).where(TimeAdjustment.attempt_id == a.id)):
            out.append(_incident("extension" if adj.kind.value == "extension" else "pause", adj.created_at,
                                 staff(adj.actor_id), adj.reason, a.participant, seat_of(a.terminal_id) if
                                 a.terminal_id else a.participant.seat, adj.seconds))
    cond = [sa.and_(AuditEntry.object_type == "attempt", AuditEntry.object_id.in_(list(by_attempt) or ["-"])),
            sa.and_(AuditEntry.object_type == "participant", AuditEntry.object_id.in_(list(people) or ["-"])),
            sa.and_(AuditEntry.object_type == "exam_session", AuditEntry.object_id == str(session.id))]
    if session.opened_at is not None and terminals:
        # A terminal of the room counts while the session was open.
        window = [AuditEntry.at >= session.opened_at]
        if session.closed_at is not None:
            window.append(AuditEntry.at <= session.closed_at)
        cond.append(sa.and_(AuditEntry.object_type == "terminal", AuditEntry.object_id.in_(list(terminals)),
                            *window))
    entries = db.session.scalars(sa.select(AuditEntry).where(
        sa.or_(*cond), AuditEntry.action.in_(list(INCIDENT_EVENTS))).order_by(AuditEntry.at, AuditEntry.id))
    codes_seen: set[str] = set()
    for e in entries:
        event, details = INCIDENT_EVENTS[e.action], e.details or {}
        by = staff(e.actor_id) if e.actor_kind == "user" else ""
        if e.object_type == "attempt":
            a = by_attempt[e.object_id]
            out.append(_incident(event, e.at, by, e.reason, a.participant,
                                 seat_of(details.get("from_terminal") or details.get("attempt_terminal")
                                         or a.terminal_id or ""),
                                 to_seat=seat_of(details["to_terminal"]) if "to_terminal" in details else ""))
        elif e.object_type == "participant":
            if event == "code_reissue" and e.object_id not in codes_seen:
                codes_seen.add(e.object_id)  # the first code is the normal course
                continue
            p = people[e.object_id]
            out.append(_incident(event, e.at, by, e.reason, p, p.seat))
        elif e.object_type == "exam_session":
            if int(details.get("running_attempts") or 0) > 0:
                out.append(_incident(event, e.at, by, e.reason, count=int(details["running_attempts"])))
        else:
            out.append(_incident(event, e.at, by, e.reason, seat=terminals[e.object_id].seat))
    out.sort(key=lambda i: i["at"]["utc"] if i.get("at") else "")
    return out


def session_record(session: ExamSession, number: str, issued_at: datetime) -> dict[str, Any]:
    """The record of a session protocol: every participant, absentees and incidents."""
    participants = list(db.session.scalars(sa.select(Participant).where(Participant.session_id == session.id)
                                           .order_by(Participant.surname, Participant.name, Participant.pin)))
    attempts = {a.participant_id: a for a in db.session.scalars(
        sa.select(Attempt).where(Attempt.session_id == session.id))}
    rows = []
    counts = {"registered": len(participants), "tested": 0, "absent": 0, "not_admitted": 0,
              "meets": 0, "does_not_meet": 0}
    for p in participants:
        attempt = attempts.get(p.id)
        row: dict[str, Any] = {"candidate": _candidate(p), "seat": p.seat or "",
                               "position": {"code": p.position.code, "group": p.position.group_code},
                               "language": p.language}
        if attempt is not None:
            from examserver.protocols.store import protocol_for_attempt

            proto = protocol_for_attempt(attempt)
            result = result_of(attempt)
            row.update(status="tested", protocol=proto.number if proto else "",
                       total_points=result["total_points"], max_points=result["max_points"],
                       verdict=result["verdict"], finish_reason=attempt.finish_reason.value if attempt.finish_reason else "")
            counts["tested"] += 1
            counts[result["verdict"]] = counts.get(result["verdict"], 0) + 1
        elif p.admission.value == "not_admitted":
            row.update(status="not_admitted", reason=p.admission_reason or "")
            counts["not_admitted"] += 1
        else:
            row.update(status="absent")
            counts["absent"] += 1
        rows.append(row)
    return {
        "schema": SESSION_SCHEMA,
        "kind": ProtocolKind.SESSION.value,
        "number": number,
        "issued_at": moment(issued_at),
        "timezone": current_app.config["TIMEZONE"],
        "centre": _centre(session.centre),
        "room": session.room.name,
        "session": {"id": session.id, "title": session.title, "date": session.session_date.isoformat(),
                    "opened_at": moment(session.opened_at), "closed_at": moment(session.closed_at)},
        "proctor": _user(session.proctor_id),
        "participants": rows,
        "counts": counts,
        "incidents": _incidents(session, list(attempts.values())),
        "verdict_text": {k: dict(v) for k, v in VERDICT_TEXT.items()},
    }
