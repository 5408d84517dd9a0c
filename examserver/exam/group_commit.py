"""Group commit: many small write jobs, one write transaction, one durable commit.

A durable commit costs one ``fsync`` (SQLite WAL ``synchronous=FULL``) or one
WAL flush (PostgreSQL ``synchronous_commit=on``), whatever it contains. When a
hall saves answers at once, the saves that arrive while a commit is running
wait for the next one *together*: the first of them becomes the leader, takes
every job queued by then, runs them in one transaction in arrival order and
commits once; then it wakes each job's thread with its own result. So:

* every job is acknowledged only after the commit that contains it returned
  (acknowledged = durable, design invariant 2), never before;
* a job that finds its row moved (the compare-and-set UPDATE of
  ``exam/saving`` matching nothing) returns False and changes nothing; the
  others of the batch are unaffected;
* if anything fails in the batch (an outage, a full disk, a constraint), the
  whole transaction rolls back and every job of the batch gets the error: no
  job is ever half-written or acknowledged without its commit;
* nothing is kept in memory between requests but the queue of jobs waiting
  for the commit in progress (no state in worker memory, invariant 5).

One committer exists per process and engine; across processes the SQLite
write gate (examserver/db_engines.py) and PostgreSQL's row locks order the batches.
On PostgreSQL the kiosk's answer save does not come here: it is one
statement, committed on its own (kiosk/fastpath.py), and the server groups
the WAL flushes of concurrent commits itself; the contact batches of
``exam/liveness`` still do.
"""
from __future__ import annotations

import threading
from typing import Any, Callable

import sqlalchemy as sa

from examserver.core import metrics
from examserver.exam import driver_sql

Job = Callable[[sa.Connection], Any]

_LEAD = object()


class _Ticket:
    __slots__ = ("job", "key", "event", "result", "error")

    def __init__(self, job: Job, key: int):
        self.job, self.key = job, key
        self.event = threading.Event()
        self.result: Any = None
        self.error: BaseException | None = None


class GroupCommitter:
    """Runs write jobs of many threads in shared durable transactions (see the module)."""

    def __init__(self, engine: sa.Engine, max_batch: int = 256):
        self._engine = engine
        self._max_batch = max_batch
        self._lock = threading.Lock()
        self._queue: list[_Ticket] = []
        self._busy = False
        self.batches = 0  # commits made: with ``jobs`` it shows how much was grouped
        self.jobs = 0

    def run(self, job: Job, key: int = 0) -> Any:
        """Run ``job(connection)`` in a write transaction shared with the jobs
        queued meanwhile; return its result once that transaction is committed.

        ``key`` orders the jobs of a batch (the attempt id: rows are locked in
        one order, so batches of several processes cannot deadlock).
        """
        ticket = _Ticket(job, key)
        with self._lock:
            self._queue.append(ticket)
            lead = not self._busy
            self._busy = True
        if not lead:
            ticket.event.wait()
            if ticket.result is not _LEAD:
                return self._outcome(ticket)
        self._lead()
        return self._outcome(ticket)

    @staticmethod
    def _outcome(ticket: _Ticket) -> Any:
        if ticket.error is not None:
            raise ticket.error
        return ticket.result

    def _lead(self) -> None:
        with self._lock:
            batch, self._queue = self._queue[:self._max_batch], self._queue[self._max_batch:]
        try:
            self._commit(batch)
        finally:
            with self._lock:
                if self._queue:
                    # Hand over: the first waiter leads the next batch (with what queued meanwhile).
                    self._queue[0].result = _LEAD
                    self._queue[0].event.set()
                else:
                    self._busy = False
            for ticket in batch:
                ticket.event.set()

    def _commit(self, batch: list[_Ticket]) -> None:
        results = []
        try:
            # On the driver's connection (exam/driver_sql): the Core's per-statement
            # machinery was a fifth of a SQLite save's time in the batch.
            with driver_sql.transaction(self._engine) as conn:
                for ticket in sorted(batch, key=lambda t: t.key):
                    results.append((ticket, ticket.job(conn)))
        except BaseException as exc:  # nothing of the batch is committed: each job hears why
            for ticket in batch:
                ticket.result, ticket.error = None, exc
            return
        for ticket, result in results:
            ticket.result = result
        self.batches += 1
        self.jobs += len(batch)
        metrics.GROUP_COMMIT_JOBS.observe(len(batch))


class PerEngine:
    """One object per engine and process, made on first use (the committer, the liveness book)."""

    def __init__(self, make):
        self._make = make
        self._made: dict[int, object] = {}
        self._lock = threading.Lock()

    def __call__(self, engine: sa.Engine):
        found = self._made.get(id(engine))
        if found is None or found._engine is not engine:
            with self._lock:
                found = self._made.get(id(engine))
                if found is None or found._engine is not engine:
                    found = self._made[id(engine)] = self._make(engine)
        return found


committer_for = PerEngine(GroupCommitter)
"""``committer_for(engine)``: the process's committer for ``engine``."""
