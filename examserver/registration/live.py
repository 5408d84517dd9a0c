"""The live room view of an exam session: its JSON, whole or as changes.

``room_snapshot`` is every row with the seconds counted (``/data``);
``room_changes`` is what the proctor's page polls every second: only the rows
that may have changed since its previous poll, the counters, the locked
terminals (``/data?since=VERSION``). Both run a constant number of
statements (``live_rows``), whatever the number of candidates.
"""
from __future__ import annotations

import json
import re

from datetime import datetime, timedelta, timezone

import sqlalchemy as sa
from flask import current_app

from examserver import clock
from examserver.db import db
from examserver.models import Attempt, AttemptState, ExamSession, Terminal, TerminalState
from examserver.registration import live_rows

# How long after its time stamp a change may still be committed and be caught
# by the next poll (a save stamps its time before it waits for the write gate).
OVERLAP = timedelta(seconds=5)


def seat_order(seat: str) -> tuple:
    """Natural order of seat labels: 2 before 10, A-2 before A-10, empty last."""
    parts = re.findall(r"\d+|\D+", (seat or "").strip())
    return (not parts, [(0, int(p), "") if p.isdigit() else (1, 0, p) for p in parts])

def _aware(moment: datetime | None) -> datetime | None:
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment


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
    """Everything the live table shows, as JSON-ready data: every candidate
    with the times already counted (the plain JSON of ``/data``)."""
    now = clock.now()
    now_ms = live_rows.to_ms(now)
    silent_after = current_app.config["SILENT_TERMINAL_SECONDS"]
    candidates = []
    counts: dict[str, int] = {}
    live_rows.begin()
    for (pid, name, seat, state, attempt_id, answered, total, deadline_ms, paused_ms, contact_ms, terminal_id,
         terminal_seat, terminal_state, score, max_points, verdict) in live_rows.rows(session.id):
        counts[state] = counts.get(state, 0) + 1
        row = {"participant_id": pid, "name": name, "seat": seat, "state": state, "attempt_id": None, "answered": 0,
               "total": 0, "seconds_left": None, "last_contact_seconds": None, "silent": False, "terminal_id": None,
               "terminal_seat": "", "terminal_state": None, "score": None, "max_points": None, "verdict": None}
        if attempt_id is not None:
            since = (now_ms - contact_ms) // 1000 if contact_ms is not None else None
            ref = paused_ms if state == AttemptState.PAUSED.value and paused_ms is not None else now_ms
            row.update(
                attempt_id=attempt_id, answered=answered, total=total,
                # a finished test has no time left, its score has its own column
                seconds_left=None if state == AttemptState.FINISHED.value else max(0, (deadline_ms - ref) // 1000),
                last_contact_seconds=since,
                silent=state == AttemptState.IN_PROGRESS.value and (since is None or since > silent_after),
                terminal_id=terminal_id, terminal_seat=terminal_seat or "", terminal_state=terminal_state,
                score=score, max_points=max_points, verdict=verdict,
            )
        if row["silent"]:
            counts["silent"] = counts.get("silent", 0) + 1
        candidates.append(row)
    candidates.sort(key=lambda row: (seat_order(row["seat"]), row["name"], row["participant_id"]))
    terminals = sorted(live_rows.room_terminals(session.room_id), key=lambda t: seat_order(t[1]))
    return {
        "session": _session_json(session),
        "now": now.isoformat(),
        "now_local": clock.to_local(now).strftime("%H:%M:%S"),
        "silent_after_seconds": silent_after,
        "counts": counts,  # per state, plus "silent": running tests whose terminal went quiet
        "candidates": candidates,
        "terminals": [{"id": tid, "seat": seat, "state": state,
                       "last_seen_seconds": (now_ms - seen_ms) // 1000 if seen_ms is not None else None}
                      for tid, seat, state, seen_ms in terminals],
    }


def room_changes(session: ExamSession, since_ms: int) -> dict:
    """What the proctor's page needs to patch its table: the rows that may
    have changed since the ``version`` of its previous poll (every row when
    ``since_ms`` is 0), with the times as epoch milliseconds so the page
    counts seconds itself; the counters; the room's locked terminals. The
    page polls again with ``version``.

    A row a person changed (audited), or whose terminal locked, comes whole
    (``rows``, values in ``columns`` order); a row that only moved (a save or
    a heartbeat: the answered count and the time of contact) comes as three
    numbers (``moves``, in ``move_columns`` order): during an exam that is
    nearly every row of every poll. The database counts the rows and writes
    the JSON of the many (``rows`` of a full poll, ``moves``: ``RawJSON``,
    see ``dumps``). A change committed up to ``OVERLAP``
    after its own time stamp is still caught; the page also asks for every
    row once a minute."""
    now = clock.now()
    now_ms = live_rows.to_ms(now)
    silent_after = current_app.config["SILENT_TERMINAL_SECONDS"]
    silent_before = now - timedelta(seconds=silent_after + 1)
    since = live_rows.from_ms(since_ms) - OVERLAP if since_ms > 0 else None
    live_rows.begin()
    if since is None:
        counts, rows = live_rows.every(session.id, silent_before)
        rows, moves = RawJSON(rows), RawJSON("[]")
    else:
        rows = live_rows.rows(session.id, since)
        counts, moves = live_rows.moved(session.id, since, silent_before)
        moves = RawJSON(moves)
    return {
        "session": _session_json(session),
        "version": now_ms,
        "now_ms": now_ms,
        "now_local": clock.to_local(now).strftime("%H:%M:%S"),
        "silent_after_seconds": silent_after,
        "full": since is None,
        "columns": live_rows.COLUMNS,
        "rows": rows,
        "move_columns": live_rows.MOVE_COLUMNS,
        "moves": moves,
        "counts": counts,
        "terminals": [{"id": tid, "seat": seat, "state": state, "last_seen_ms": seen_ms}
                      for tid, seat, state, seen_ms in live_rows.room_terminals(session.room_id, locked_only=True)],
    }


class RawJSON(str):
    """JSON text made by the database, sent as it is (``dumps``)."""


def dumps(data: dict) -> str:
    """``data`` as compact JSON, its ``RawJSON`` values inserted as they are."""
    return "{" + ",".join(json.dumps(key) + ":" + (value if isinstance(value, RawJSON) else json.dumps(
        value, ensure_ascii=False, separators=(",", ":"))) for key, value in data.items()) + "}"


def _session_json(session: ExamSession) -> dict:
    return {"id": session.id, "state": session.state.value, "title": session.title}
