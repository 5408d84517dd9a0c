"""Filing technical appeals (seed 003 §33).

A candidate who disagrees with the result files an appeal in person, at the
test site, within ``APPEAL_WINDOW_MINUTES`` (default 60) after the attempt was
finished: at the kiosk from the result screen, or through a proctor who types
in the candidate's written statement. One appeal per attempt.

The window is inclusive: filing exactly at ``finished_at + window`` is
accepted, one second later is refused.
"""
from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from examserver import clock
from examserver.db import db
from examserver.models import Appeal, AppealState, Attempt, AttemptState, Role, User
from examserver.core import audit, locks
from examserver.core.errors import Conflict, Forbidden, NotFound, ServiceError
from examserver.exam.timer import lock as lock_attempt

FILING_CHANNELS = ("kiosk", "proctor")
MAX_STATEMENT_LENGTH = 5000


def appeal_deadline(attempt: Attempt) -> datetime:
    """The last moment (inclusive) an appeal against ``attempt`` may be filed."""
    if attempt.finished_at is None:
        raise Conflict(_("The test is not finished yet."), "not_finished")
    return attempt.finished_at + timedelta(minutes=current_app.config["APPEAL_WINDOW_MINUTES"])


def appeal_for_attempt(attempt: Attempt) -> Appeal | None:
    """The appeal filed against ``attempt``, if any."""
    return db.session.scalar(sa.select(Appeal).where(Appeal.attempt_id == attempt.id))


def can_file(attempt: Attempt, now: datetime | None = None) -> bool:
    """True while an appeal could still be filed (finished, in the window, none filed)."""
    if attempt.state != AttemptState.FINISHED or attempt.finished_at is None:
        return False
    now = now or clock.now()
    return now <= appeal_deadline(attempt) and appeal_for_attempt(attempt) is None


def _check_actor(attempt: Attempt, via: str, actor: audit.Actor) -> None:
    """Only the candidate's own attempt: the kiosk files for the attempt on its
    own terminal; a proctor for an attempt of their own centre."""
    if via == "kiosk":
        if actor.kind != "terminal" or attempt.terminal_id != actor.id:
            raise Forbidden(_("An appeal can only be filed for the test taken at this terminal."), "not_own_attempt")
        return
    if actor.kind == "user":
        user = db.session.get(User, actor.id)
        if user is None or user.role not in (Role.PROCTOR, Role.ADMIN):
            raise Forbidden(_("Only a proctor can file an appeal on a candidate's behalf."), "not_proctor")
        if user.role != Role.ADMIN and user.centre_id != attempt.session.centre_id:
            raise NotFound(_("No such test."), "not_found")
    elif actor.kind not in ("cli", "system"):
        raise Forbidden(_("Only a proctor can file an appeal on a candidate's behalf."), "not_proctor")


def _next_number(centre_code: str, year: int) -> str:
    """The next appeal number of the centre and year; concurrent filings for
    different tests queue on a named lock instead of colliding on the number."""
    locks.serialise(f"appeal-number:{centre_code}:{year}")
    prefix = f"AP-{centre_code}-{year}-"
    numbers = db.session.scalars(sa.select(Appeal.number).where(Appeal.number.like(prefix + "%")))
    serial = max((int(n[len(prefix):]) for n in numbers if n[len(prefix):].isdigit()), default=0) + 1
    return f"{prefix}{serial:05d}"


def file_appeal(attempt: Attempt, statement: str, via: str, actor: audit.Actor) -> Appeal:
    """File a technical appeal against a finished attempt.

    Refuses (with a message for the person) an unfinished attempt, a filing
    after the window, a second appeal, an empty statement, and anyone other
    than the candidate's own terminal or a proctor of the centre. The filing
    is audited and appended to the attempt's journal as kind 'appeal'.
    """
    if via not in FILING_CHANNELS:
        raise ServiceError(_("Unknown filing channel."), "bad_channel")
    _check_actor(attempt, via, actor)
    # A journal writer holds the attempt's row lock: the kiosk and a proctor filing at once queue here.
    lock_attempt(attempt)
    if attempt.state != AttemptState.FINISHED or attempt.finished_at is None:
        raise Conflict(_("An appeal can be filed only after the test is finished."), "not_finished")
    statement = (statement or "").strip()
    if not statement:
        raise ServiceError(_("Please write what you disagree with."), "statement_required")
    if len(statement) > MAX_STATEMENT_LENGTH:
        raise ServiceError(_("The statement is too long (at most %(n)s characters).", n=MAX_STATEMENT_LENGTH),
                           "statement_too_long")
    now = clock.now()
    deadline = appeal_deadline(attempt)
    if now > deadline:
        raise Conflict(
            _("The appeal window closed at %(time)s: an appeal must be filed within %(minutes)s minutes after the test.",
              time=clock.to_local(deadline).strftime("%H:%M:%S"),
              minutes=current_app.config["APPEAL_WINDOW_MINUTES"]),
            "window_closed",
        )
    if appeal_for_attempt(attempt) is not None:
        raise Conflict(_("An appeal against this test has already been filed."), "duplicate")
    centre = attempt.session.centre
    appeal = Appeal(
        number=_next_number(centre.code, clock.to_local(now).year),
        attempt_id=attempt.id,
        filed_at=now,
        filed_via=via,
        filed_by_id=actor.id if actor.kind == "user" else None,
        statement=statement,
        expires_at=now + timedelta(days=current_app.config["APPEAL_RETENTION_DAYS"]),
    )
    db.session.add(appeal)
    db.session.flush()
    _journal_filing(attempt, appeal)
    audit.record("appeal.file", appeal, actor=actor, centre_id=centre.id,
                 number=appeal.number, attempt_id=attempt.id, via=via)
    return appeal


def _journal_filing(attempt: Attempt, appeal: Appeal) -> None:
    """Append an 'appeal' event so the journal itself shows the filing."""
    try:
        from examserver.exam import journal
    except ImportError:  # journal service not installed yet
        return
    journal.append(attempt, attempt.last_seq + 1, "appeal",
                   {"number": appeal.number, "via": appeal.filed_via}, "")


def appeals_query(centre_id: int | None, search: str = "", state: str = "") -> sa.Select:
    """Appeals of one centre (all centres for None), newest first; ``search``
    matches the appeal number, the candidate's name or personal number,
    ``state`` is filed | decided | signed."""
    from examserver.models import ExamSession, Participant

    query = (sa.select(Appeal).join(Attempt, Attempt.id == Appeal.attempt_id)
             .join(ExamSession, ExamSession.id == Attempt.session_id)
             .join(Participant, Participant.id == Attempt.participant_id)
             .order_by(Appeal.filed_at.desc(), Appeal.id.desc()))
    if centre_id is not None:
        query = query.where(ExamSession.centre_id == centre_id)
    search = (search or "").strip()[:64]
    if search:
        like = f"%{search}%"
        query = query.where(sa.or_(Appeal.number.ilike(like), Participant.surname.ilike(like),
                                   Participant.name.ilike(like), Participant.pin.like(like)))
    if state in {s.value for s in AppealState}:
        query = query.where(Appeal.state == AppealState(state))
    return query


def appeals_for_centre(centre_id: int | None) -> list[Appeal]:
    """Appeals of one centre (all centres for None), newest first."""
    return list(db.session.scalars(appeals_query(centre_id)))


def get_appeal(appeal_id: int) -> Appeal:
    """The appeal with this id (NotFound otherwise)."""
    appeal = db.session.get(Appeal, appeal_id)
    if appeal is None:
        raise NotFound(_("No such appeal."), "not_found")
    return appeal


def attempt_of(appeal: Appeal) -> Attempt:
    """The attempt an appeal is about."""
    return db.session.get(Attempt, appeal.attempt_id)
