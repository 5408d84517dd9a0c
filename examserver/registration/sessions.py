"""Exam sessions: create, open, close; and which sessions a staff member may see.

A session is one sitting in one room of one centre; several sessions may run
in one centre at once. Closing a session stops its access codes at once
(code login and attempt start refuse a closed session, ``exam.gates``); attempts still running
are finished at their own deadline by the sweep, and the session protocol is
issued once every attempt is finished.
"""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import gettext as _

from examserver import clock
from examserver.db import db
from examserver.models import Attempt, AttemptState, ExamBlueprint, ExamSession, Role, Room, SessionState, User
from examserver.core import audit
from examserver.core.errors import Forbidden, NotFound, ServiceError

MAX_TITLE = 200


def create_session(room: Room, title: str, session_date: date, starts_at: datetime, start_window_minutes: int,
                   actor: audit.Actor, proctor: User | None = None,
                   blueprint_codes: list[str] | None = None) -> ExamSession:
    """Plan a session in ``room``. A centre's staff may plan only in their own centre.

    ``blueprint_codes`` are the tests offered (empty: every test); registration
    refuses a participant whose position's test is not among them.
    """
    title = (title or "").strip()
    if not title or len(title) > MAX_TITLE:
        raise ServiceError(_("Give the session a title (at most %(n)s characters).", n=MAX_TITLE), "title")
    if starts_at.tzinfo is None:
        raise ServiceError(_("The start time needs a time zone."), "starts_at")
    if not 5 <= start_window_minutes <= 24 * 60:
        raise ServiceError(_("The start window must be between 5 minutes and 24 hours."), "start_window")
    if actor.centre_id is not None and room.centre_id != actor.centre_id:
        raise Forbidden(_("This room belongs to another testing centre."), "wrong_centre")
    offered = sorted(set(blueprint_codes or ()))
    known = set(db.session.scalars(sa.select(ExamBlueprint.code).where(ExamBlueprint.code.in_(offered))))
    unknown = [code for code in offered if code not in known]
    if unknown:
        raise ServiceError(_("Unknown test (blueprint): %(codes)s.", codes=", ".join(unknown)), "blueprint")
    session = ExamSession(
        centre_id=room.centre_id, room_id=room.id, title=title, session_date=session_date, starts_at=starts_at,
        start_window_minutes=start_window_minutes, state=SessionState.PLANNED, blueprint_codes=offered,
        proctor_id=proctor.id if proctor else actor.id if actor.kind == "user" else None, created_at=clock.now(),
    )
    db.session.add(session)
    db.session.flush()
    audit.record("session.create", session, actor=actor, centre_id=session.centre_id, title=title,
                 room=room.name, date=session_date.isoformat(), blueprints=offered)
    return session


def offered_blueprints() -> list[tuple[str, str]]:
    """``(code, group)`` of every blueprint, for choosing the tests a session offers."""
    rows = db.session.execute(sa.select(ExamBlueprint.code, ExamBlueprint.group_code).distinct()
                              .order_by(ExamBlueprint.code))
    return [(code, group) for code, group in rows]


def open_session(session: ExamSession, actor: audit.Actor) -> None:
    """Open a planned session: its codes start working at the kiosks."""
    if session.state != SessionState.PLANNED:
        raise ServiceError(_("Only a planned session can be opened."), "not_planned")
    session.state = SessionState.OPEN
    session.opened_at = clock.now()
    audit.record("session.open", session, actor=actor, centre_id=session.centre_id)


def close_session(session: ExamSession, actor: audit.Actor, reason: str = ""):
    """Close a session. Codes stop working; running attempts finish at their
    deadline (sweep). Returns the session protocol if every attempt is already
    finished (None otherwise, or when protocols are not installed).

    The session row is locked first: a start in flight (which holds it shared)
    is either counted as running here or sees the session closed and refuses,
    so the session protocol never lists as absent someone who then sits.
    """
    db.session.flush()  # refresh() drops unflushed changes
    db.session.refresh(session, with_for_update=True)
    if session.state == SessionState.CLOSED:
        raise ServiceError(_("The session is already closed."), "already_closed")
    session.state = SessionState.CLOSED
    session.closed_at = clock.now()
    running = running_attempts(session)
    audit.record("session.close", session, actor=actor, reason=reason, centre_id=session.centre_id,
                 running_attempts=running)
    db.session.flush()
    from examserver.protocols import issuing as protocols  # at call time, as in attempts.finish_attempt

    return protocols.create_session_protocol_if_complete(session)


def running_attempts(session: ExamSession) -> int:
    return db.session.scalar(
        sa.select(sa.func.count(Attempt.id)).where(Attempt.session_id == session.id,
                                                   Attempt.state != AttemptState.FINISHED)
    ) or 0


def sessions_for(user: User) -> sa.Select:
    """Sessions ``user`` may see, newest first: administrators all, others their centre's."""
    query = sa.select(ExamSession).order_by(ExamSession.session_date.desc(), ExamSession.starts_at.desc(),
                                            ExamSession.id.desc())
    if user.role != Role.ADMIN:
        query = query.where(ExamSession.centre_id == user.centre_id)
    return query


def get_for(user: User, session_id: int) -> ExamSession:
    """The session if ``user`` may see it; NotFound otherwise (other centres are not revealed)."""
    session = db.session.get(ExamSession, session_id)
    if session is None or (user.role != Role.ADMIN and session.centre_id != user.centre_id):
        raise NotFound(_("No such session."), "no_session")
    return session


def rooms_for(user: User) -> list[Room]:
    """Rooms ``user`` may plan sessions in or enrol terminals into."""
    query = sa.select(Room).order_by(Room.centre_id, Room.name)
    if user.role != Role.ADMIN:
        query = query.where(Room.centre_id == user.centre_id)
    return list(db.session.scalars(query))
