"""Technical commissions (seed 003 §34): a chair and no more than 5 members.

A commission belongs to a centre, optionally to one session; an appeal is
reviewed by the session's own commission if there is one, else by the
centre's most recent centre-wide commission. A member who is also the proctor
of the session under review is flagged on the review screen (they may sit,
but the commission should know).
"""
from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from flask_babel import gettext as _

from examserver import clock
from examserver.db import db
from examserver.models import Centre, Commission, CommissionMember, ExamSession, Role, User
from examserver.core import audit
from examserver.core.errors import Conflict, ServiceError

MAX_MEMBERS = 5  # besides the chair


def _check_user(centre: Centre, user: User, chair: bool) -> None:
    if user.centre_id != centre.id:
        # No name: the id may have come from a form, and the person is not ours to name.
        raise ServiceError(_("A person chosen does not belong to this testing centre."), "wrong_centre")
    if not user.active:
        raise ServiceError(_("The account of %(name)s is deactivated.", name=user.full_name), "inactive")
    allowed = (Role.CHAIR,) if chair else (Role.CHAIR, Role.MEMBER)
    if user.role not in allowed:
        if chair:
            raise ServiceError(_("%(name)s does not have the commission chair role.", name=user.full_name), "not_chair_role")
        raise ServiceError(_("%(name)s does not have a commission role.", name=user.full_name), "not_member_role")
    if not user.signing_public_key:
        raise ServiceError(_("%(name)s has no personal signing key.", name=user.full_name), "no_member_key")


def create_commission(centre: Centre, name: str, chair: User | None, members: Iterable[User],
                      actor: audit.Actor, session: ExamSession | None = None) -> Commission:
    """Create a commission: exactly one chair and at most five other members."""
    members = list(members)
    if chair is None:
        raise ServiceError(_("A commission needs a chair."), "no_chair")
    if len(members) > MAX_MEMBERS:
        raise Conflict(_("A commission has at most %(n)s members besides the chair.", n=MAX_MEMBERS), "too_many_members")
    ids = [chair.id] + [m.id for m in members]
    if len(set(ids)) != len(ids):
        raise ServiceError(_("Each person can sit on a commission only once."), "duplicate_member")
    if session is not None and session.centre_id != centre.id:
        raise ServiceError(_("The session belongs to another centre."), "wrong_centre")
    _check_user(centre, chair, chair=True)
    for user in members:
        _check_user(centre, user, chair=False)
    name = (name or "").strip()
    if not name:
        raise ServiceError(_("Please give the commission a name."), "name_required")
    commission = Commission(centre_id=centre.id, session_id=session.id if session else None,
                            name=name[:200], created_at=clock.now())
    commission.members = [CommissionMember(user_id=chair.id, is_chair=True)] + [
        CommissionMember(user_id=u.id, is_chair=False) for u in members]
    db.session.add(commission)
    db.session.flush()
    audit.record("commission.create", commission, actor=actor, centre_id=centre.id, name=commission.name,
                 chair=chair.username, members=[u.username for u in members],
                 session_id=session.id if session else None)
    return commission


def add_member(commission: Commission, user: User, actor: audit.Actor) -> CommissionMember:
    """Add an ordinary member; a sixth member is refused."""
    if any(m.user_id == user.id for m in commission.members):
        raise ServiceError(_("Each person can sit on a commission only once."), "duplicate_member")
    if sum(not m.is_chair for m in commission.members) >= MAX_MEMBERS:
        raise Conflict(_("A commission has at most %(n)s members besides the chair.", n=MAX_MEMBERS), "too_many_members")
    centre = db.session.get(Centre, commission.centre_id)
    _check_user(centre, user, chair=False)
    member = CommissionMember(user_id=user.id, is_chair=False)
    commission.members.append(member)
    db.session.flush()
    audit.record("commission.add_member", commission, actor=actor, centre_id=commission.centre_id, user=user.username)
    return member


def remove_member(commission: Commission, user: User, actor: audit.Actor, reason: str = "") -> None:
    """Remove an ordinary member (the chair cannot be removed: a commission always has one)."""
    member = next((m for m in commission.members if m.user_id == user.id), None)
    if member is None:
        raise ServiceError(_("%(name)s is not on this commission.", name=user.full_name), "not_member")
    if member.is_chair:
        raise ServiceError(_("A commission needs a chair."), "no_chair")
    commission.members.remove(member)
    db.session.flush()
    audit.record("commission.remove_member", commission, actor=actor, centre_id=commission.centre_id,
                 user=user.username, reason=reason)


def commissions_for_centre(centre_id: int | None) -> list[Commission]:
    """Commissions of a centre (all for None), newest first."""
    query = sa.select(Commission).order_by(Commission.created_at.desc(), Commission.id.desc())
    if centre_id is not None:
        query = query.where(Commission.centre_id == centre_id)
    return list(db.session.scalars(query))


def commission_for_session(session: ExamSession) -> Commission | None:
    """The session's own commission, else the centre's latest centre-wide one."""
    own = db.session.scalar(sa.select(Commission).where(Commission.session_id == session.id)
                            .order_by(Commission.id.desc()).limit(1))
    if own is not None:
        return own
    return db.session.scalar(sa.select(Commission).where(Commission.centre_id == session.centre_id,
                                                         Commission.session_id.is_(None))
                             .order_by(Commission.id.desc()).limit(1))


def chair_of(commission: Commission) -> CommissionMember:
    """The chair's membership row."""
    return next(m for m in commission.members if m.is_chair)


def ordered_members(commission: Commission) -> list[CommissionMember]:
    """Chair first, then members by name."""
    return sorted(commission.members, key=lambda m: (not m.is_chair, m.user.full_name))


def proctor_conflicts(commission: Commission, session: ExamSession) -> set[int]:
    """User ids of commission members who are the proctor of ``session``."""
    return {m.user_id for m in commission.members if session.proctor_id and m.user_id == session.proctor_id}


def is_member(commission: Commission | None, user: User) -> bool:
    return commission is not None and any(m.user_id == user.id for m in commission.members)
