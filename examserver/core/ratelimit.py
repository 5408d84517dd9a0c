"""Counters for rate limits and lockouts, kept in the database (invariant 9)."""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from examserver import clock
from examserver.db import db
from examserver.models import RateEvent


def hit(scope: str, key: str) -> None:
    """Count one event (e.g. a failed login) for ``(scope, key)``."""
    db.session.add(RateEvent(scope=scope, key=key, at=clock.now()))
    db.session.flush()


def count(scope: str, key: str, window_seconds: int) -> int:
    """Events for ``(scope, key)`` within the last ``window_seconds``."""
    since = clock.now() - timedelta(seconds=window_seconds)
    return db.session.scalar(
        sa.select(sa.func.count(RateEvent.id)).where(
            RateEvent.scope == scope, RateEvent.key == key, RateEvent.at >= since
        )
    ) or 0


def reset(scope: str, key: str) -> None:
    """Forget the events of ``(scope, key)`` (after a success or an unlock)."""
    db.session.execute(sa.delete(RateEvent).where(RateEvent.scope == scope, RateEvent.key == key))
