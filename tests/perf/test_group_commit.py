"""Group commit (examserver/exam/group_commit.py): jobs that arrive while a
commit runs share the next one; each job hears its result only after the
commit that holds it; a failure rolls back its whole batch and nothing else.

The committer runs on the application's engine (SQLite write gate or
PostgreSQL) against a scratch table, with threads as the requests.
"""
from __future__ import annotations

import threading
import time

import pytest
import sqlalchemy as sa

from examserver.db import db
from examserver.exam.group_commit import GroupCommitter

_probe = sa.Table("gc_probe", sa.MetaData(), sa.Column("id", sa.Integer, primary_key=True),
                  sa.Column("v", sa.Integer, nullable=False))


@pytest.fixture
def engine(app):
    with app.app_context():
        engine = db.engine
    _probe.create(engine)
    yield engine
    _probe.drop(engine)


def _rows(engine) -> dict[int, int]:
    with engine.connect() as conn:
        return dict(conn.execute(sa.select(_probe.c.id, _probe.c.v)).all())


def test_jobs_queued_during_a_commit_share_the_next_one(engine):
    committer = GroupCommitter(engine)
    inside, release = threading.Event(), threading.Event()
    commits: list[int] = []

    def on_commit(_conn):
        commits.append(len(commits))

    sa.event.listen(engine, "commit", on_commit)
    returned_after_commits: dict[int, int] = {}

    def job(n):
        def run(conn):
            conn.execute(_probe.insert(), {"id": n, "v": n * 10})
            if n == 0:  # the first leader holds its transaction open until the others queued
                inside.set()
                assert release.wait(30)
            return n * 10
        return run

    def request(n):
        result = committer.run(job(n), key=n)
        returned_after_commits[n] = len(commits)
        assert result == n * 10

    first = threading.Thread(target=request, args=(0,))
    first.start()
    assert inside.wait(30)
    others = [threading.Thread(target=request, args=(n,)) for n in range(1, 6)]
    for t in others:
        t.start()
    while True:  # until all five wait in the queue (a condition, not a timing)
        with committer._lock:
            if len(committer._queue) == 5:
                break
        time.sleep(0.001)
    release.set()
    for t in [first] + others:
        t.join(30)
    sa.event.remove(engine, "commit", on_commit)
    assert committer.jobs == 6 and committer.batches == 2, (committer.jobs, committer.batches)
    assert _rows(engine) == {n: n * 10 for n in range(6)}
    # Nobody heard its result before the commit that holds its job.
    assert returned_after_commits[0] >= 1 and all(returned_after_commits[n] >= 2 for n in range(1, 6))


def test_a_failing_job_rolls_back_its_batch_and_every_job_of_it_hears_why(engine):
    committer = GroupCommitter(engine)
    committer.run(lambda conn: conn.execute(_probe.insert(), {"id": 1, "v": 1}))
    inside, release = threading.Event(), threading.Event()
    errors: dict[str, BaseException] = {}

    def hold(conn):
        inside.set()
        assert release.wait(30)

    def insert(n):
        return lambda conn: conn.execute(_probe.insert(), {"id": n, "v": n})

    def request(name, job):
        try:
            committer.run(job)
        except Exception as exc:  # noqa: BLE001 - what the request thread hears
            errors[name] = exc

    holder = threading.Thread(target=request, args=("holder", hold))
    holder.start()
    assert inside.wait(30)
    batch = [threading.Thread(target=request, args=("good", insert(2))),
             threading.Thread(target=request, args=("duplicate", insert(1)))]  # a primary-key violation
    for t in batch:
        t.start()
    while True:
        with committer._lock:
            if len(committer._queue) == 2:
                break
        time.sleep(0.001)
    release.set()
    for t in [holder] + batch:
        t.join(30)
    assert set(errors) == {"good", "duplicate"}
    assert all(isinstance(e, sa.exc.IntegrityError) for e in errors.values())
    assert _rows(engine) == {1: 1}, "nothing of the failed batch was written"
    committer.run(insert(3))  # the committer goes on
    assert _rows(engine) == {1: 1, 3: 3}
