"""Helpers shared by the appeal tests (not fixtures)."""
from __future__ import annotations

from examserver.db import db
from examserver.models import Centre, Commission, User
from examserver.appeals import commissions
from examserver.core.audit import Actor


def user(world, name: str) -> User:
    return db.session.get(User, world.users[name])


def make_commission(world, members=("member1", "member2")) -> Commission:
    """A centre-wide commission: 'chair' plus ``members``."""
    centre = db.session.get(Centre, world.centre)
    return commissions.create_commission(centre, "Техникалык комиссия", user(world, "chair"),
                                         [user(world, m) for m in members], Actor.cli())
