"""Kiosk terminals: pairing, enrolment, lookup by the terminal's secret cookie."""
from __future__ import annotations

import hashlib
import secrets

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from examserver import clock
from examserver.db import db
from examserver.models import Attempt, AttemptState, Room, Terminal, TerminalState
from examserver.core import audit
from examserver.core import ratelimit
from examserver.core.errors import NotFound, ServiceError

PAIRING_ALPHABET = "ACDEFGHJKMNPRTUVWXY34679"  # no look-alikes, easy to read aloud
PAIRING_LENGTH = 6


def secret_hash(secret: str) -> str:
    """The stored form of a terminal secret (SHA-256 hex)."""
    return hashlib.sha256(secret.encode()).hexdigest()


def _secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def register_pending(user_agent: str = "") -> tuple[Terminal, str]:
    """A new browser at /kiosk: create a pending terminal with a pairing code.

    Returns the terminal and its secret (to be set as the HttpOnly cookie).
    """
    secret = secrets.token_urlsafe(32)
    pairing = "".join(secrets.choice(PAIRING_ALPHABET) for _ in range(PAIRING_LENGTH))
    terminal = Terminal(secret_hash=_secret_hash(secret), pairing_code=pairing, state=TerminalState.PENDING,
                        created_at=clock.now(), user_agent=user_agent[:300])
    db.session.add(terminal)
    db.session.flush()
    return terminal, secret


def by_secret(secret: str | None) -> Terminal | None:
    """The terminal holding ``secret``, or None (unknown browser)."""
    if not secret:
        return None
    return db.session.scalar(sa.select(Terminal).where(Terminal.secret_hash == _secret_hash(secret)))


def _running_attempt_statements():
    running = sa.and_(Attempt.terminal_id == Terminal.id, Attempt.state != AttemptState.FINISHED)
    base = sa.select(Terminal, Attempt).where(Terminal.secret_hash == sa.bindparam("secret_hash"))
    # Inner join for the lock: PostgreSQL locks no row on the nullable side of an outer join.
    locked = (base.join(Attempt, running).order_by(Attempt.id.desc()).limit(1)
              .with_for_update(of=Attempt).execution_options(populate_existing=True))
    return base.outerjoin(Attempt, running).order_by(Attempt.id.desc()).limit(1), locked


# Built once per process (the hot path's first statement).
_RUNNING, _RUNNING_LOCKED = _running_attempt_statements()


def with_running_attempt(secret: str | None, lock: bool = False) -> tuple[Terminal | None, Attempt | None]:
    """The terminal holding ``secret`` and its unfinished attempt, in one indexed query.

    This is the first statement of every kiosk save and poll (the hot path).
    With ``lock`` the attempt row is locked for the transaction (``FOR UPDATE``
    on PostgreSQL; SQLite writers hold the write gate) and re-read even if the
    session already holds it. A terminal without a running attempt is then
    looked up alone: (terminal or None, None).
    """
    if not secret:
        return None, None
    stmt = _RUNNING_LOCKED if lock else _RUNNING
    row = db.session.execute(stmt, {"secret_hash": secret_hash(secret)}).first()
    if row is None:
        return (by_secret(secret) if lock else None), None
    return row[0], row[1]


def enrol(pairing_code: str, room: Room, seat: str, actor: audit.Actor) -> Terminal:
    """Confirm the pairing code shown on a kiosk and assign it to a room and seat.

    Wrong pairing codes are counted in the database (invariant 9) per account
    and per centre: ``PAIRING_FAILURES_LIMIT`` within
    ``PAIRING_FAILURES_WINDOW_SECONDS`` for the account (three times as many
    for the centre) refuses further enrolments (429) until the window has
    passed, so nobody can walk the pairing codes of waiting browsers. The
    refusal of a wrong code keeps its count and audit entry (``keep=True``).
    """
    limit = current_app.config["PAIRING_FAILURES_LIMIT"]
    window = current_app.config["PAIRING_FAILURES_WINDOW_SECONDS"]
    user_key = f"{actor.kind}:{actor.id if actor.id is not None else actor.name}"
    centre_key = str(room.centre_id)
    if (ratelimit.count("pairing-user", user_key, window) >= limit
            or ratelimit.count("pairing-centre", centre_key, window) >= 3 * limit):
        raise ServiceError(_("Too many wrong pairing codes. Try again in %(minutes)s minutes.",
                             minutes=max(1, window // 60)), "pairing_throttled", status=429)
    code = (pairing_code or "").strip().upper().replace(" ", "")[:32]
    terminal = db.session.scalar(
        sa.select(Terminal).where(Terminal.pairing_code == code, Terminal.state == TerminalState.PENDING)
    )
    if terminal is None:
        ratelimit.hit("pairing-user", user_key)
        ratelimit.hit("pairing-centre", centre_key)
        audit.record("terminal.pairing_failed", room, actor=actor, centre_id=room.centre_id, code=code)
        raise NotFound(_("No terminal is waiting with pairing code %(code)s.", code=code), "pairing_unknown",
                       keep=True)
    if actor.centre_id is not None and room.centre_id != actor.centre_id:
        raise ServiceError(_("This room belongs to another testing centre."), "wrong_centre", status=403)
    # No reset on success: enrolling a browser of one's own must not clear the count of guesses.
    terminal.state = TerminalState.ENROLLED
    terminal.pairing_code = None
    terminal.centre_id = room.centre_id
    terminal.room_id = room.id
    terminal.seat = seat.strip()
    terminal.enrolled_at = clock.now()
    terminal.enrolled_by_id = actor.id
    db.session.flush()
    audit.record("terminal.enrol", terminal, actor=actor, centre_id=room.centre_id, room=room.name, seat=terminal.seat)
    _retire_seat_holders(terminal, actor)
    return terminal


def _retire_seat_holders(terminal: Terminal, actor: audit.Actor) -> None:
    """One terminal per seat: a browser enrolled at a seat retires the one that
    held it (a broken machine replaced), so the room view and the move list
    never show two terminals for one seat. A test still running on the old
    terminal stays there until the proctor moves it to the new one."""
    if not terminal.seat:
        return
    holders = db.session.scalars(sa.select(Terminal).where(
        Terminal.room_id == terminal.room_id, Terminal.seat == terminal.seat, Terminal.id != terminal.id,
        Terminal.state.in_([TerminalState.ENROLLED, TerminalState.LOCKED])))
    for old in holders:
        revoke(old, actor, _("Replaced by terminal %(id)s at seat %(seat)s.", id=terminal.id, seat=terminal.seat))


def revoke(terminal: Terminal, actor: audit.Actor, reason: str) -> None:
    """Take a terminal out of service; its cookie stops working."""
    terminal.state = TerminalState.REVOKED
    audit.record("terminal.revoke", terminal, actor=actor, reason=reason, centre_id=terminal.centre_id)


def lock(terminal: Terminal) -> None:
    """Lock a terminal after too many wrong codes (a proctor unlocks it)."""
    terminal.state = TerminalState.LOCKED
    terminal.locked_at = clock.now()
    audit.record("terminal.lock", terminal, actor=audit.Actor.for_terminal(terminal), centre_id=terminal.centre_id)


def unlock(terminal: Terminal, actor: audit.Actor, reason: str) -> None:
    """Unlock a terminal locked by wrong codes and forget its failures."""
    if terminal.state != TerminalState.LOCKED:
        raise ServiceError(_("The terminal is not locked."), "not_locked")
    terminal.state = TerminalState.ENROLLED
    terminal.locked_at = None
    ratelimit.reset("code-terminal", str(terminal.id))
    audit.record("terminal.unlock", terminal, actor=actor, reason=reason, centre_id=terminal.centre_id)
