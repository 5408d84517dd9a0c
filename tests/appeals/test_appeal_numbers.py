"""Appeals filed at the same moment for different tests get different numbers
(no unique-violation 500): number allocation queues on a named lock."""
from __future__ import annotations

import threading

import sqlalchemy as sa

from examserver.appeals import filing
from examserver.core.audit import Actor
from examserver.db import db
from examserver.models import Appeal, Attempt

from .conftest import take_test


def test_simultaneous_appeals_get_distinct_numbers(app, aworld):
    with app.test_request_context():
        ids = [take_test(aworld, f"212345678904{n:02d}").id for n in range(6)]
        db.session.commit()
    go = threading.Barrier(len(ids), timeout=60)
    errors: list[BaseException] = []

    def file(attempt_id: int) -> None:
        try:
            go.wait()
            with app.test_request_context():
                filing.file_appeal(db.session.get(Attempt, attempt_id), "заявление", "proctor", Actor.cli())
                db.session.commit()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=file, args=(i,)) for i in ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors, errors
    with app.app_context():
        numbers = list(db.session.scalars(sa.select(Appeal.number)))
    assert len(numbers) == len(ids) == len(set(numbers))
