"""The statistics cache: a page view after no new finished attempt does not recompute; a new one refreshes."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from examserver.bank import statistics, stats_cache
from examserver.db import db
from examserver.exam import attempts
from examserver.models import Attempt, FinishReason, Terminal
from examserver.models.bank_review import StatsCache
from tests.appeals.conftest import add_participant, build_world
from tests.bank.test_console_bank import admins, login  # noqa: F401 - the fixture is used by name
from tests.bank.test_statistics_service import sit


@pytest.fixture
def counted(monkeypatch):
    """Every computation of statistics, as the cache makes it."""
    calls = []
    real = statistics.collect

    def collect(*args, **kwargs):
        calls.append(args[0] if args else kwargs.get("blueprint"))
        return real(*args, **kwargs)

    monkeypatch.setattr(statistics, "collect", collect)
    return calls


def _views(client) -> str:
    page = client.get("/admin/bank/statistics")
    assert page.status_code == 200
    for kind in ("distribution", "sections", "scatter"):
        assert client.get(f"/admin/bank/statistics/TEST-U-A/{kind}.svg").status_code == 200
    return page.get_data(as_text=True)


def test_second_view_reads_the_cache_and_a_new_finished_attempt_refreshes_it(admins, client, clock, counted):  # noqa: F811
    with admins.app_context():
        world = build_world()
        for n, correct in enumerate((7, 5, 3)):
            sit(world, f"2150519901234{n}", correct, clock)
        db.session.commit()
    login(client, "author")
    page = _views(client)
    assert 'id="stats-attempts">Завершённых тестирований: 3<' in page
    # the page (all blueprints) and its plots (one blueprint) are two queries, computed once each
    assert counted == [None, "TEST-U-A"]
    page = _views(client)
    assert counted == [None, "TEST-U-A"] and 'id="stats-attempts">Завершённых тестирований: 3<' in page
    assert client.get("/admin/bank/statistics/report.pdf").status_code == 200 and len(counted) == 2

    with admins.app_context():   # an attempt that starts but has not finished changes nothing
        participant = add_participant(world, "21505199012349")
        attempt = attempts.start_attempt(participant, db.session.get(Terminal, world.terminal), "ky")
        db.session.commit()
        attempt_id = attempt.id
    _views(client)
    assert len(counted) == 2

    with admins.app_context():   # ... until it finishes
        clock.advance(minutes=5)
        attempts.finish_attempt(db.session.get(Attempt, attempt_id), FinishReason.SUBMITTED)
        db.session.commit()
    page = _views(client)
    assert counted == [None, "TEST-U-A", None, "TEST-U-A"] and 'id="stats-attempts">Завершённых тестирований: 4<' in page
    _views(client)
    assert len(counted) == 4


def test_cached_figures_are_the_computed_ones(admins, clock):  # noqa: F811
    with admins.app_context():
        world = build_world()
        for n, correct in enumerate((7, 5, 3, 1)):
            sit(world, f"2150519901234{n}", correct, clock)
        db.session.commit()
        fresh = statistics.collect(min_responses=1)
        first = stats_cache.cached(min_responses=1)
        db.session.commit()
        again = stats_cache.cached(min_responses=1)
        assert stats_cache.encode(again) == stats_cache.encode(first) == stats_cache.encode(fresh)
        bp = again.blueprints[0]
        assert bp.questions == fresh.blueprints[0].questions and bp.items == fresh.blueprints[0].items
        assert bp.form == fresh.blueprints[0].form
        keys = set(db.session.scalars(sa.select(StatsCache.key)))
        assert keys == {"bp=;since=;session=;min=1"}


def test_a_row_that_no_longer_fits_is_recomputed(admins, clock, counted):  # noqa: F811
    with admins.app_context():
        world = build_world()
        sit(world, "21505199012340", 4, clock)
        db.session.commit()
        stats_cache.cached()
        db.session.execute(sa.update(StatsCache).values(payload={"blueprints": [{"code": "X"}]}))
        assert stats_cache.cached().attempts == 1 and len(counted) == 2


def test_where_an_item_was_used_is_kept_until_an_attempt_starts(admins, client, clock, monkeypatch):  # noqa: F811
    calls = []
    real = statistics.usage
    monkeypatch.setattr(statistics, "usage", lambda item_id: calls.append(item_id) or real(item_id))
    with admins.app_context():
        world = build_world()
        sit(world, "21505199012340", 4, clock)
        db.session.commit()
        used = next(iter(stats_cache.cached().blueprints[0].items))[0]
        db.session.commit()
    login(client, "author")
    for _ in range(2):
        page = client.get(f"/admin/bank/items/{used}").get_data(as_text=True)
        assert 'class="item-stat"' in page
    assert calls == [used]
    with admins.app_context():
        assert stats_cache.usage(used) == real(used) and set(stats_cache.usage(used)) == {1}
        participant = add_participant(world, "21505199012341")
        attempts.start_attempt(participant, db.session.get(Terminal, world.terminal), "ky")
        db.session.commit()
    client.get(f"/admin/bank/items/{used}")
    assert calls == [used, used]
