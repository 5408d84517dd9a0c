"""The server's Prometheus metrics, defined once for every feature to use.

Counters and histograms counted in the process: request latency by endpoint
(``ops.monitoring`` observes every request), answer saves, protocol signing
time, attempts finished by the deadline sweep. Figures that must agree across
workers and instances (active attempts, sweep lag, code-login failures) are
read from the database at scrape time instead (``ops.monitoring``).

Under gunicorn ``examserver serve`` sets ``PROMETHEUS_MULTIPROC_DIR`` before
the workers start, so each worker writes its samples to files there and a
scrape of any worker sums them (prometheus_client's multiprocess mode).
"""
from __future__ import annotations

import time
from contextlib import contextmanager

from prometheus_client import Counter, Histogram

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

REQUEST_SECONDS = Histogram("examserver_request_seconds", "Time to answer a request, by endpoint.",
                            ["endpoint", "method", "status"], buckets=LATENCY_BUCKETS)
ANSWER_SAVES = Counter("examserver_answer_saves_total",
                       "Kiosk events (answers, flags, navigation) saved durably and acknowledged.")
PROTOCOL_SIGNING_SECONDS = Histogram("examserver_protocol_signing_seconds",
                                     "Time to build and sign one protocol record.", buckets=LATENCY_BUCKETS)
GROUP_COMMIT_JOBS = Histogram("examserver_group_commit_jobs",
                              "Writes (answer saves, contact batches) made durable by one commit "
                              "(SQLite: exam/group_commit; PostgreSQL: each save is its own commit, 1).",
                              buckets=(1, 2, 4, 8, 16, 32, 64, 128, 256))
SWEEP_FINISHED = Counter("examserver_sweep_finished_attempts_total",
                         "Attempts finished by the deadline sweep (their terminal was gone).")


@contextmanager
def timed(histogram: Histogram):
    """Observe the duration of the block in ``histogram``."""
    started = time.perf_counter()
    try:
        yield
    finally:
        histogram.observe(time.perf_counter() - started)
