"""Serial allocation when two transactions number protocols at the same time (PostgreSQL)."""
from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from examserver.db import db
from examserver.models import Attempt
from examserver.protocols import issuing as protocols

from .conftest import make_finished_attempt, make_participant


def test_concurrent_issuers_get_consecutive_numbers(app, world, ctx, backend):
    if backend != "postgres":
        pytest.skip("SQLite serialises writers; the race only exists on PostgreSQL")
    ids = [make_finished_attempt(world, make_participant(world, f"1000000000000{i}", "Асанов", f"N{i}"), seed=i).id
           for i in (1, 2)]
    protocols.signing.centre_key()  # the key exists before the race
    ctx.commit()
    a_issued, b_done = threading.Event(), threading.Event()
    numbers: dict[str, str] = {}
    errors: list[BaseException] = []

    def first():
        try:
            with app.app_context():
                numbers["a"] = protocols.create_testing_protocol(db.session.get(Attempt, ids[0])).number
                a_issued.set()
                # Commit only once the second transaction is blocked on our serial.
                probe = sa.create_engine(app.config["DATABASE_URL"])
                with probe.connect() as conn:
                    while not conn.execute(sa.text(
                            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                            "AND datname = current_database()")).scalar():
                        if b_done.is_set():
                            break
                probe.dispose()
                db.session.commit()
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)
            a_issued.set()

    def second():
        try:
            a_issued.wait(30)
            with app.app_context():
                numbers["b"] = protocols.create_testing_protocol(db.session.get(Attempt, ids[1])).number
                db.session.commit()
        except BaseException as exc:
            errors.append(exc)
        finally:
            b_done.set()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    # B waited for A's numbering lock (advisory, per centre/year/kind) and,
    # once A committed, read max = 1 and took 2.
    assert numbers == {"a": "BISH-2026-000001", "b": "BISH-2026-000002"}


def test_a_hall_finishing_at_once_gets_distinct_consecutive_numbers(app, world, ctx, backend):
    """Twelve transactions number protocols at the same moment: no retries run out,
    no number is taken twice, none is skipped."""
    if backend != "postgres":
        pytest.skip("SQLite serialises writers; the race only exists on PostgreSQL")
    ids = [make_finished_attempt(world, make_participant(world, f"10000000000{i:03d}", "Асанов", f"N{i}"), seed=i).id
           for i in range(12)]
    protocols.signing.centre_key()
    ctx.commit()
    barrier = threading.Barrier(len(ids))
    numbers: list[str] = []
    errors: list[BaseException] = []

    def issue(attempt_id: int) -> None:
        try:
            with app.app_context():
                attempt = db.session.get(Attempt, attempt_id)
                barrier.wait(30)
                numbers.append(protocols.create_testing_protocol(attempt).number)
                db.session.commit()
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)

    threads = [threading.Thread(target=issue, args=(i,)) for i in ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    assert sorted(numbers) == [f"BISH-2026-{n:06d}" for n in range(1, 13)]
