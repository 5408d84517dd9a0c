"""The gunicorn worker of ``examserver serve``: gthread, spreading the connections.

A gthread worker keeps every connection it accepted for its whole keep-alive
life, and every worker waits on the same listening socket: the one the kernel
happens to wake first accepts. Kiosks open their connection once and keep it
(keep-alive 75 s, a request every few seconds), so whoever won the accepts
when a hall opened serves that hall: ``bench.worker_spread`` measured 148,
51, 1 and 0 of 200 kiosk connections on four PostgreSQL workers after a start
storm, the first worker's CPU the bottleneck of every save round while two
workers idled.

:class:`BalancedThreadWorker` accepts a new connection only

* while one of its threads is free (else the connection would only queue
  behind them while another worker may be idle), and
* while it holds no more than ``SLACK`` connections above the worker that
  holds the fewest (the workers post their counts on a small board in shared
  memory that the master maps before it forks them; a worker whose main loop
  has not posted for ``STALE_SECONDS``, stuck or gone, is left out);
* or, when all its threads are busy, while no live worker has fewer requests
  in flight than it has. In a start storm every worker has hundreds of
  requests queued, seconds of work: a terminal that opens a new
  connection then (its kept-alive one timed out, a reload) would otherwise
  wait in the kernel's queue until the first worker has drained all of them
  (``bench.hall`` B1, PostgreSQL, 1,000 terminals: the 350 that reconnected
  finished at up to 29.8 s, the others' median 9 s). Accepted, its request
  queues behind the others of the least busy worker, as with plain gthread.

The worker with the fewest connections may always accept when a thread is
free, and the least busy one when none is, so a new connection always finds
a worker. A worker that stopped accepting only to let the others catch up
looks at the board again every ``RECHECK_SECONDS`` (gthread's loop would
sleep up to a second when no request of its own wakes it: with every worker
asleep so, 2,005 kiosks switched on at once connected at ~18 a second, and
the first of them had hit their 75 s keep-alive before the last was in). Nothing else changes: the same parsing,
threads, keep-alive and graceful stop as gunicorn's ``gthread``. The board
holds connection counts only, no application state (design invariant 9).
"""
from __future__ import annotations

import mmap
import multiprocessing
import os
import struct
import time

from gunicorn.workers.gthread import ThreadWorker

SLACK = 2
NOTIFY_SECONDS = 1.0
STALE_SECONDS = 3.0
RECHECK_SECONDS = 0.05
_SLOTS = 256
_SLOT = struct.Struct("=iiid")  # pid, connections held, requests in flight, monotonic time of the last post
# Mapped when gunicorn's master loads the worker class, before it forks the
# workers, so they all see the same pages (MAP_SHARED, anonymous).
_BOARD = mmap.mmap(-1, _SLOTS * _SLOT.size)
_BOARD_PID = os.getpid()
_CLAIM = multiprocessing.Lock()  # shared by the forked workers too


class BalancedThreadWorker(ThreadWorker):
    """gthread that accepts only while a thread is free and it is not ahead (see the module)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Requests handed to the thread pool and not finished yet. Only the
        # worker's main loop changes it (gthread runs these methods there).
        self.in_flight = 0
        self.slot: int | None = None
        self.notified = 0.0

    def init_process(self):
        if os.getppid() == _BOARD_PID:  # forked from the process that mapped the board
            self.slot = _claim(os.getpid())
        super().init_process()

    def notify(self):
        # gthread's main loop calls this on every turn, two turns per request:
        # gunicorn's heartbeat to the master is a utime() of a file, the master
        # only asks that it be younger than ``timeout`` (30 s): once a second will do.
        now = time.monotonic()
        if now - self.notified >= NOTIFY_SECONDS:
            self.notified = now
            super().notify()
        self._post()

    def enqueue_req(self, conn):
        self.in_flight += 1
        super().enqueue_req(conn)

    def finish_request(self, conn, fs):
        self.in_flight -= 1
        super().finish_request(conn, fs)

    def accept(self, listener):
        super().accept(listener)
        self._post()
        if not self._may_accept():
            self.set_accept_enabled(False)

    def set_accept_enabled(self, enabled):
        # The main loop asks to accept again after every event while it does not.
        super().set_accept_enabled(enabled and self._may_accept())

    def wait_for_and_dispatch_events(self, timeout):
        # Not accepting while idle: only the board can change that, and no
        # event of this worker's would wake it to look.
        if self.alive and not self._accepting and self.in_flight < self.cfg.threads:
            timeout = min(timeout, RECHECK_SECONDS)
        super().wait_for_and_dispatch_events(timeout)

    def handle_request(self, req, conn):
        real = conn.sock
        conn.sock = _OneSend(real)
        try:
            try:
                return super().handle_request(req, conn)
            finally:
                conn.sock.flush()
        finally:
            conn.sock = real

    def _may_accept(self) -> bool:
        busy = self.in_flight >= self.cfg.threads
        if self.slot is None:
            return not busy
        fewest, least_busy = _fewest(time.monotonic())
        if busy:
            return least_busy is None or self.in_flight <= least_busy
        return fewest is None or self.nr_conns <= fewest + SLACK

    def _post(self) -> None:
        if self.slot is not None:
            _SLOT.pack_into(_BOARD, self.slot * _SLOT.size, os.getpid(), self.nr_conns, self.in_flight,
                            time.monotonic())


class _OneSend:
    """The connection's socket for one response: the status line and headers go out
    with the first piece of the body in one ``sendall`` (gunicorn sends them apart:
    two sends per response, each a trip through the kernel's TCP stack)."""

    __slots__ = ("_sock", "_held")

    def __init__(self, sock):
        self._sock = sock
        self._held: bytes | None = None

    def sendall(self, data) -> None:
        if self._held is None:
            self._held = bytes(data)  # the headers (gunicorn's first write of a response)
            return
        held, self._held = self._held, b""
        self._sock.sendall(held + bytes(data) if held else data)

    def flush(self) -> None:
        if self._held:
            held, self._held = self._held, b""
            self._sock.sendall(held)

    def sendfile(self, *args, **kwargs):
        self.flush()
        return self._sock.sendfile(*args, **kwargs)

    def __getattr__(self, name):
        return getattr(self._sock, name)


def _claim(pid: int) -> int | None:
    """A free slot of the board for ``pid`` (one never used, or one whose worker went silent)."""
    now = time.monotonic()
    with _CLAIM:
        for slot in range(_SLOTS):
            owner, _held, _in_flight, posted = _SLOT.unpack_from(_BOARD, slot * _SLOT.size)
            if owner == 0 or (now - posted > STALE_SECONDS and not _alive(owner)):
                _SLOT.pack_into(_BOARD, slot * _SLOT.size, pid, 0, 0, now)
                return slot
    return None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _fewest(now: float) -> tuple[int | None, int | None]:
    """The fewest connections a live worker holds and the fewest requests a live
    worker has in flight (None, None: no live worker posted)."""
    fewest = least_busy = None
    for slot in range(_SLOTS):
        owner, held, in_flight, posted = _SLOT.unpack_from(_BOARD, slot * _SLOT.size)
        if owner == 0:
            break  # slots are claimed from the first one on: the rest were never used
        if now - posted <= STALE_SECONDS:
            fewest = held if fewest is None else min(fewest, held)
            least_busy = in_flight if least_busy is None else min(least_busy, in_flight)
    return fewest, least_busy
