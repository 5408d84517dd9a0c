"""The gunicorn worker of ``examserver serve`` (examserver/gunicorn_worker.py):
when it accepts a connection, and one send per response.

The spread itself is measured by ``bench.worker_spread``; the real worker
runs under load in tests/ops/test_kill9_under_load.py.
"""
from __future__ import annotations

import os
import time
from types import SimpleNamespace

import pytest

from examserver import gunicorn_worker as gw


@pytest.fixture
def board():
    saved = bytes(gw._BOARD)
    gw._BOARD[:] = bytes(len(gw._BOARD))
    yield
    gw._BOARD[:] = saved


def _worker(threads=4, conns=0, in_flight=0, slot=None):
    worker = object.__new__(gw.BalancedThreadWorker)  # the accept rule only, no process
    worker.cfg = SimpleNamespace(threads=threads)
    worker.nr_conns, worker.in_flight, worker.slot = conns, in_flight, slot
    return worker


def _post(slot, pid, held, ago=0.0, in_flight=0):
    gw._SLOT.pack_into(gw._BOARD, slot * gw._SLOT.size, pid, held, in_flight, time.monotonic() - ago)


def test_a_worker_whose_threads_are_all_busy_does_not_accept(board):
    assert _worker(in_flight=3)._may_accept()
    assert not _worker(in_flight=4)._may_accept()
    # ...while another worker has a thread free (or fewer requests waiting).
    me = _worker(conns=10, in_flight=4, slot=0)
    _post(0, os.getpid(), 10, in_flight=4)
    _post(1, 1, 10, in_flight=3)
    assert not me._may_accept()


def test_when_every_worker_is_busy_the_least_busy_still_accepts(board):
    # A start storm: all workers have requests queued. A terminal that opens a
    # new connection must not wait until the first worker drained its queue.
    me = _worker(conns=300, in_flight=120, slot=0)
    _post(0, os.getpid(), 300, in_flight=120)
    _post(1, 1, 250, in_flight=150)
    assert me._may_accept()  # even ahead by more than the slack in connections
    _post(1, 1, 250, in_flight=119)
    assert not me._may_accept()
    # A silent worker's old count does not hold the others back.
    _post(1, 1, 250, ago=gw.STALE_SECONDS + 1, in_flight=0)
    assert me._may_accept()


def test_a_worker_ahead_of_the_emptiest_by_more_than_the_slack_waits(board):
    me = _worker(conns=10, slot=0)
    _post(0, os.getpid(), 10)
    _post(1, 1, 10 - gw.SLACK)
    assert me._may_accept()
    _post(1, 1, 10 - gw.SLACK - 1)
    assert not me._may_accept()
    # ...unless that worker went silent (stuck or gone): it is left out.
    _post(1, 1, 0, ago=gw.STALE_SECONDS + 1)
    assert me._may_accept()
    # The emptiest worker itself always may (when a thread is free).
    _post(1, 1, 10 - gw.SLACK - 1)
    assert _worker(conns=10 - gw.SLACK - 1, slot=1)._may_accept()


def test_a_worker_held_back_by_the_board_looks_again_soon(monkeypatch):
    waited = []
    monkeypatch.setattr(gw.ThreadWorker, "wait_for_and_dispatch_events", lambda self, timeout: waited.append(timeout))
    worker = _worker(in_flight=1)
    worker.alive, worker._accepting = True, False
    worker.wait_for_and_dispatch_events(1.0)
    worker.in_flight = 4  # busy: its own requests finishing wake it
    worker.wait_for_and_dispatch_events(1.0)
    worker.in_flight, worker._accepting = 0, True  # accepting: a new connection wakes it
    worker.wait_for_and_dispatch_events(1.0)
    assert waited == [gw.RECHECK_SECONDS, 1.0, 1.0]


def test_slots_are_claimed_once_and_taken_over_from_a_worker_that_is_gone(board):
    first, second = gw._claim(os.getpid()), gw._claim(os.getppid())
    assert (first, second) == (0, 1)
    dead = _dead_pid()
    _post(0, dead, 7, ago=gw.STALE_SECONDS + 1)
    assert gw._claim(os.getpid()) == 0


def _dead_pid() -> int:
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    os.waitpid(pid, 0)
    return pid


class _Socket:
    def __init__(self):
        self.sent = []

    def sendall(self, data):
        self.sent.append(bytes(data))

    def sendfile(self, *_args, **_kwargs):
        self.sent.append("file")

    def fileno(self):
        return 99


def test_the_headers_go_out_with_the_first_piece_of_the_body():
    sock = _Socket()
    one = gw._OneSend(sock)
    one.sendall(b"HTTP/1.1 200 OK\r\n\r\n")
    assert sock.sent == []
    one.sendall(b"{}")
    one.sendall(b"more")
    one.flush()
    assert sock.sent == [b"HTTP/1.1 200 OK\r\n\r\n{}", b"more"]
    assert one.fileno() == 99


def test_a_response_without_body_or_with_a_file_still_sends_its_headers_first():
    sock = _Socket()
    one = gw._OneSend(sock)
    one.sendall(b"HTTP/1.1 204 No Content\r\n\r\n")
    one.flush()
    assert sock.sent == [b"HTTP/1.1 204 No Content\r\n\r\n"]
    sock = _Socket()
    one = gw._OneSend(sock)
    one.sendall(b"headers")
    one.sendfile("f")
    assert sock.sent == [b"headers", "file"]
