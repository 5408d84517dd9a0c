"""The hot path's statements on the driver's cursor (examserver/exam/driver_sql.py)
give what the Core gives: the same values of the same types, the same
exceptions, and the statement listeners of the engine see them."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from kiosk_helpers import answer, start_exam

from examserver.db import db
from examserver.exam import driver_sql, saving
from examserver.exam.terminals import secret_hash
from examserver.models import JournalEvent


@pytest.fixture
def exam(kclient, candidate):
    state = start_exam(kclient, candidate[1])
    assert answer(kclient, 1, 1, [state["questions"][0]["options"][0]["id"]]).status_code == 200
    return state


def test_the_snapshot_and_the_form_read_as_through_the_core(exam, kworld, loaded_bank):
    with loaded_bank.app_context():
        engine = db.hot_engine
        params = {"b_secret": secret_hash(kworld.secret)}
        with engine.connect() as core:
            expected = core.execute(saving._RUNNING, params).first()
            form = core.scalar(saving._FORM, {"b_id": expected.id})
            payloads = list(core.scalars(saving._ANSWER_PAYLOADS, {"b_id": expected.id, "b_seq": 5}))
        with driver_sql.connection(engine) as direct:
            row = direct.execute(saving._RUNNING, params).first()
            assert direct.scalar(saving._FORM, {"b_id": expected.id}) == form
            assert direct.scalars(saving._ANSWER_PAYLOADS, {"b_id": expected.id, "b_seq": 5}) == payloads
            assert direct.execute(saving._RUNNING, {"b_secret": "no such terminal"}).first() is None
    assert tuple(row) == tuple(expected) and row._fields == tuple(expected._fields)
    # enums as enums, UTC datetimes aware, JSON decoded: the Core's result processing
    assert [type(v) for v in row] == [type(v) for v in expected]
    assert row.deadline_at.tzinfo is not None and isinstance(form, dict) and payloads


def test_a_driver_error_is_raised_as_the_core_raises_it(exam, loaded_bank):
    with loaded_bank.app_context():
        engine = db.hot_engine
        count = sa.select(sa.func.count()).select_from(JournalEvent.__table__)
        with engine.connect() as core:
            event = core.execute(sa.select(*JournalEvent.__table__.c).where(JournalEvent.seq == 1)).first()
            before = core.scalar(count)
        names = [c for c in event._fields if c != "id"]
        insert = JournalEvent.__table__.insert().values({c: sa.bindparam(c) for c in names})
        with pytest.raises(sa.exc.IntegrityError):  # the same (attempt, seq) again
            with driver_sql.connection(engine) as direct:
                direct.execute(insert, {c: getattr(event, c) for c in names})
        with pytest.raises(sa.exc.ArgumentError):  # a value left out is refused, not sent as NULL
            with driver_sql.connection(engine) as direct:
                direct.execute(insert, {c: getattr(event, c) for c in names if c != "hash"})
        with driver_sql.connection(engine) as direct:  # the pool's connection is usable again
            assert direct.scalar(count) == before


def test_the_engine_listeners_see_direct_statements(exam, kworld, loaded_bank):
    seen = []
    with loaded_bank.app_context():
        engine = db.hot_engine
        listen = lambda *args: seen.append(args[2])  # noqa: E731
        sa.event.listen(engine, "before_cursor_execute", listen)
        try:
            with driver_sql.connection(engine) as direct:
                direct.execute(saving._RUNNING, {"b_secret": secret_hash(kworld.secret)})
        finally:
            sa.event.remove(engine, "before_cursor_execute", listen)
    assert seen == [driver_sql.compiled(saving._RUNNING, engine.dialect).sql]
