"""Kiosk liveness without a write transaction per heartbeat.

Every few seconds each kiosk asks for its state (the heartbeat). The only
thing a heartbeat has to record is *that the terminal is alive*, shown in the
proctor's live room (a terminal silent for ``SILENT_TERMINAL_SECONDS`` is
highlighted). That value is the one place where a lost write is harmless: it
is not part of the candidate's answers, the timer or the protocol, and the
next heartbeat writes it again. So a heartbeat only notes the contact in this
worker's :class:`ContactBook`; every ``FLUSH_SECONDS`` the first heartbeat that
finds the book due writes all noted contacts in ONE transaction (one UPDATE
per attempt, one durable commit, through the group commit of the saves). A
worker that crashes loses at most ``FLUSH_SECONDS`` of liveness, nothing else.

Answer saves keep recording the contact themselves, in their own UPDATE.
"""
from __future__ import annotations

import threading
from datetime import datetime

import sqlalchemy as sa

from examserver.exam import group_commit
from examserver.models import Attempt, AttemptState

FLUSH_SECONDS = 10

_attempt = Attempt.__table__
# Never moves a contact backwards (a save may have written a later one) and
# never touches a finished attempt.
_WRITE_CONTACT = (
    _attempt.update()
    .where(_attempt.c.id == sa.bindparam("b_id"), _attempt.c.state != AttemptState.FINISHED,
           sa.or_(_attempt.c.last_contact_at.is_(None), _attempt.c.last_contact_at < sa.bindparam("b_now")))
    .values(last_contact_at=sa.bindparam("b_now"))
)


class ContactBook:
    """The contacts this worker has seen since its last flush (see the module)."""

    def __init__(self, engine: sa.Engine):
        self._engine = engine
        self._lock = threading.Lock()
        self._seen: dict[int, datetime] = {}
        self._flushed_at: datetime | None = None

    def note(self, attempt_id: int, now: datetime) -> bool:
        """Note a heartbeat of ``attempt_id`` at ``now``; write the book if it is
        due (True when this call wrote it)."""
        with self._lock:
            if self._seen.get(attempt_id) is None or self._seen[attempt_id] < now:
                self._seen[attempt_id] = now
            if self._flushed_at is not None and (now - self._flushed_at).total_seconds() < FLUSH_SECONDS:
                return False
            seen, self._seen, self._flushed_at = self._seen, {}, now
        self._write(seen)
        return True

    def flush(self) -> None:
        """Write every noted contact now (shutdown, tests)."""
        with self._lock:
            seen, self._seen = self._seen, {}
        self._write(seen)

    def _write(self, seen: dict[int, datetime]) -> None:
        if not seen:
            return
        rows = [{"b_id": attempt_id, "b_now": moment} for attempt_id, moment in sorted(seen.items())]
        try:
            group_commit.committer_for(self._engine).run(lambda conn: conn.execute(_WRITE_CONTACT, rows))
        except sa.exc.SQLAlchemyError:
            # An outage: liveness is the one value we may lose; the next heartbeats note it again.
            pass


book_for = group_commit.PerEngine(ContactBook)
"""``book_for(engine)``: the process's contact book for ``engine``."""
