"""The one clock services ask for the time (design invariant 10).

Production uses :class:`SystemClock`; tests install a :class:`FrozenClock` via
``create_app({"CLOCK": FrozenClock(...)})`` and move time instead of sleeping.
"""
from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from flask import current_app


class SystemClock:
    """Wall-clock UTC time, timezone-aware."""

    def now(self) -> datetime:
        return datetime.now(timezone.utc)


class FrozenClock:
    """A clock that only moves when told to; thread-safe for live-server tests."""

    def __init__(self, start: datetime | None = None):
        start = start or datetime(2026, 11, 23, 3, 0, tzinfo=timezone.utc)
        if start.tzinfo is None:
            raise ValueError("FrozenClock needs a timezone-aware start")
        self._now = start.astimezone(timezone.utc)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def advance(self, **delta) -> datetime:
        with self._lock:
            self._now += timedelta(**delta)
            return self._now

    def set(self, moment: datetime) -> None:
        with self._lock:
            self._now = moment.astimezone(timezone.utc)


def now() -> datetime:
    """Current UTC time from the application's clock."""
    return current_app.config["CLOCK"].now()


def local_zone() -> ZoneInfo:
    """The centre's display time zone (config ``TIMEZONE``)."""
    return ZoneInfo(current_app.config["TIMEZONE"])


def to_local(moment: datetime | None) -> datetime | None:
    """Convert a UTC moment to the centre's zone, for display and protocols only."""
    if moment is None:
        return None
    return moment.astimezone(local_zone())
