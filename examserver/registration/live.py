"""The live room view of an exam session, computed with a few queries.

One query joins participants, their attempt and its terminal; one finds who
holds a valid code; one lists the room's terminals. No query per candidate,
so the view stays fast with hundreds of candidates.
"""
from __future__ import annotations

import re

from datetime import datetime, timezone

import sqlalchemy as sa
from flask import current_app

from examserver import clock
from examserver.db import db
from examserver.models import AccessCode, Admission, Attempt, AttemptState, ExamSession, Participant, Terminal, TerminalState



def seat_order(seat: str) -> tuple:
    """Natural order of seat labels: 2 before 10, A-2 before A-10, empty last."""
    parts = re.findall(r"\d+|\D+", (seat or "").strip())
    return (not parts, [(0, int(p), "") if p.isdigit() else (1, 0, p) for p in parts])

def _aware(moment: datetime | None) -> datetime | None:
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment


def candidate_state(participant: Participant, attempt: Attempt | None, has_code: bool) -> str:
    """One word for the table: not_admitted, pending, no_show, no_code, waiting, in_progress, paused, finished."""
    if attempt is not None:
        return attempt.state.value
    if participant.no_show:
        return "no_show"
    if participant.admission == Admission.NOT_ADMITTED:
        return "not_admitted"
    if participant.admission != Admission.ADMITTED:
        return "pending"
    return "waiting" if has_code else "no_code"


def live_terminals(session: ExamSession) -> list[dict]:
    """Terminals a test can move to: enrolled in the session's centre, heard
    from within the silence limit, and not running another test; labelled by
    room and seat so two of them never look alike."""
    now = clock.now()
    silent_after = current_app.config["SILENT_TERMINAL_SECONDS"]
    busy = set(db.session.scalars(sa.select(Attempt.terminal_id).where(
        Attempt.state.in_([AttemptState.IN_PROGRESS, AttemptState.PAUSED]), Attempt.terminal_id.is_not(None))))
    rows = db.session.scalars(sa.select(Terminal).where(Terminal.centre_id == session.centre_id,
                                                        Terminal.state == TerminalState.ENROLLED))
    out = []
    for t in rows:
        seen = _aware(t.last_seen_at)
        ago = int((now - seen).total_seconds()) if seen else None
        if t.id in busy or ago is None or ago > silent_after:
            continue
        out.append({"id": t.id, "seat": t.seat, "room": t.room.name if t.room else "", "same_room":
                    t.room_id == session.room_id, "last_seen_seconds": ago})
    out.sort(key=lambda t: (not t["same_room"], t["room"], seat_order(t["seat"]), t["id"]))
    return out


def room_snapshot(session: ExamSession) -> dict:
    """Everything the live table shows, as JSON-ready data."""
    now = clock.now()
    silent_after = current_app.config["SILENT_TERMINAL_SECONDS"]
    rows = db.session.execute(
        sa.select(Participant, Attempt, Terminal)
        .outerjoin(Attempt, Attempt.participant_id == Participant.id)
        .outerjoin(Terminal, Terminal.id == Attempt.terminal_id)
        .where(Participant.session_id == session.id)
        .order_by(Participant.seat, Participant.surname, Participant.name, Participant.id)
    ).all()
    with_code = set(db.session.scalars(
        sa.select(AccessCode.participant_id).where(AccessCode.session_id == session.id, AccessCode.revoked_at.is_(None))
    ))
    terminals = list(db.session.scalars(
        sa.select(Terminal).where(Terminal.room_id == session.room_id, Terminal.state != TerminalState.REVOKED)
        .order_by(Terminal.seat, Terminal.id)
    ))
    candidates = []
    counts: dict[str, int] = {}
    for participant, attempt, terminal in rows:
        state = candidate_state(participant, attempt, participant.id in with_code)
        counts[state] = counts.get(state, 0) + 1
        row = {"participant_id": participant.id, "name": participant.full_name, "seat": participant.seat,
               "state": state, "attempt_id": None, "answered": 0, "total": 0, "seconds_left": None,
               "last_contact_seconds": None, "silent": False, "terminal_id": None, "terminal_seat": "",
               "terminal_state": None, "score": None, "max_points": None, "verdict": None}
        if attempt is not None:
            last = _aware(attempt.last_contact_at) or _aware(terminal.last_seen_at if terminal else None)
            deadline = _aware(attempt.deadline_at)
            ref = _aware(attempt.paused_at) if attempt.state == AttemptState.PAUSED else now
            since = int((now - last).total_seconds()) if last else None
            row.update(
                attempt_id=attempt.id, answered=attempt.answered_count, total=attempt.question_count,
                seconds_left=max(0, int((deadline - ref).total_seconds())) if attempt.state != AttemptState.FINISHED else 0,
                last_contact_seconds=since,
                silent=attempt.state == AttemptState.IN_PROGRESS and (since is None or since > silent_after),
                terminal_id=attempt.terminal_id,
                terminal_seat=terminal.seat if terminal else "",
                terminal_state=terminal.state.value if terminal else None,
                score=attempt.total_points, max_points=attempt.max_points, verdict=attempt.verdict,
            )
            if attempt.state == AttemptState.FINISHED:
                row["seconds_left"] = None  # a finished test has no time left, its score has its own column
        if row["silent"]:
            counts["silent"] = counts.get("silent", 0) + 1
        candidates.append(row)
    candidates.sort(key=lambda row: seat_order(row["seat"]))
    terminals.sort(key=lambda t: seat_order(t.seat))
    return {
        "session": {"id": session.id, "state": session.state.value, "title": session.title},
        "now": now.isoformat(),
        "now_local": clock.to_local(now).strftime("%H:%M:%S"),
        "silent_after_seconds": silent_after,
        "counts": counts,  # per state, plus "silent": running tests whose terminal went quiet
        "candidates": candidates,
        "terminals": [{"id": t.id, "seat": t.seat, "state": t.state.value,
                       "last_seen_seconds": int((now - _aware(t.last_seen_at)).total_seconds()) if t.last_seen_at else None}
                      for t in terminals],
    }
