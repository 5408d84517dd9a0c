"""gunicorn settings used by ``examserver serve`` and the Dockerfile.

Chosen from ``make bench`` on a 2-core machine (docs/benchmarks.md):

* ``preload_app``: the master builds the app once and the workers fork from it,
  so a restart does not build it again in every worker at the same time (a
  restart under load went from 6-56 s to first save to a few seconds).
  ``create_app`` does no database work and the engine is created lazily in
  each worker, so nothing is shared across the fork but code.
* workers: SQLite writers queue on the write gate (a kernel ``flock`` across
  processes, see examserver/db.py) and readers never wait, so SQLite also runs
  several processes; one per core there, two per core on PostgreSQL; four
  threads each (see ``threads``).
* ``keepalive``: a kiosk polls every 15 s when idle and sends answers in between; a
  keep-alive longer than the poll keeps its connection open instead of a new
  TCP handshake (and a new gthread slot) per request.
"""
import gc
import multiprocessing
import os
import sys


def _default_workers() -> int:
    cores = multiprocessing.cpu_count()
    # ``examserver serve`` says which database it serves.
    if os.environ.get("GUNICORN_DATABASE_DIALECT", "sqlite") == "sqlite":
        return max(2, cores)
    return max(2, cores * 2)


workers = int(os.environ.get("GUNICORN_WORKERS", _default_workers()))
# gthread that spreads the connections over the workers and sends a response
# in one piece (examserver/gunicorn_worker.py). bench.worker_spread, 200 kiosks
# started at once on 4 PostgreSQL workers: 148/51/1/0 connections per worker
# with the plain gthread, 51/51/50/48 with this one. bench.poll_cost (SQLite,
# 1 worker): server CPU per heartbeat 0.84 -> 0.55 ms with the heartbeat to the
# master once a second instead of twice per request and one send per response
# (with the direct statements of exam/driver_sql). GUNICORN_WORKER_CLASS=gthread
# runs the plain one.
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "examserver.gunicorn_worker.BalancedThreadWorker")
# Few threads: a writer holds the write gate (SQLite) or a row lock while it
# waits for the GIL, so many threads per process make every write slower
# (make bench: 2 workers x 4 threads served about twice the saves of 2 x 8).
threads = int(os.environ.get("GUNICORN_THREADS", 4))
preload_app = True
timeout = 30
graceful_timeout = 20
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", 75))
worker_connections = 1000
# A hall that starts at once opens a connection per terminal within a second:
# the kernel's queue of connections not yet accepted must hold them all.
backlog = int(os.environ.get("GUNICORN_BACKLOG", 2048))
# How long a thread that wants the GIL waits before the running one must let
# go (Python's default 5 ms). A writer back from its fsync needs the GIL again
# while it holds SQLite's write gate (or a row lock): see docs/benchmarks.md B1.
_SWITCH_INTERVAL = float(os.environ.get("GUNICORN_SWITCH_INTERVAL", 0) or 0)
accesslog = os.environ.get("GUNICORN_ACCESSLOG", "-") or None
errorlog = "-"
# The deadline sweep runs inside every worker on a timer; a database lock makes
# sure only one of them works at a time (see examserver/exam/sweep).


def pre_fork(server, worker):
    """Move everything the preloaded app built into the collector's permanent generation.

    The app, its libraries and their modules are ~190,000 objects that live as
    long as the process. Left in the oldest generation, every full collection
    in a worker walks all of them: 95-190 ms with every thread of the worker
    stopped (measured in-process: ``gc.collect()`` after ``create_app``), a
    stall that a live-room poll or a save waiting in that worker feels.
    Frozen, a full collection walks only what the worker made since (1.4 ms
    after 50 requests), and the forked workers keep sharing those pages
    instead of copying them when the collector touches them.
    """
    gc.freeze()


def post_worker_init(worker):
    """Set this worker's GIL switch interval; start its deadline sweep thread (examserver/exam/sweep)."""
    from examserver.exam.sweep import start_background_sweep

    if _SWITCH_INTERVAL > 0:
        sys.setswitchinterval(_SWITCH_INTERVAL)
    start_background_sweep(worker.wsgi)
