"""The statistics cache: computed item/form figures kept until new attempts finish.

Statistics read every finished attempt of a blueprint and its journal, so the
console must not recompute them on every page view (the Statistics page, each
of its plots, an item page). One row of ``bank_stats_cache`` per query (the
blueprint, the since date, the session, the flag minimum) holds the figures
and the **stamp** of the finished attempts they were computed from: their
count, the sum of their ids and the latest finish time, read with one
aggregate query. An attempt that finishes (or stops being finished) changes
the stamp, so the next view recomputes; nothing else feeds the figures (item
versions are immutable, a finished attempt's answers and times are frozen in
its journal up to the finish).

An item page's "where it was used" (every attempt's form, finished or not)
is kept the same way, stamped by all attempts.

The rows live in the database, not in worker memory (invariant 9): every
worker and app instance shares them. At most ``MAX_ENTRIES`` rows are kept
(the least recently computed go first). ``examserver stats`` always computes
afresh.
"""
from __future__ import annotations

import math
from dataclasses import asdict
from datetime import date
from typing import Any

import sqlalchemy as sa

from question_bank.stats import Flag, FormAnalysis, ItemAnalysis, OptionStat

from examserver import clock
from examserver.bank import statistics
from examserver.bank.statistics import BlueprintStats, Statistics
from examserver.bank.store import items_for_refs
from examserver.db import db
from examserver.models import Attempt
from examserver.models.bank_review import StatsCache

FORMAT = 1          # bump when the stored shape changes: older rows then read as stale
MAX_ENTRIES = 200


def key(blueprint: str | None, since: date | None, session_id: int | None, min_responses: int) -> str:
    """The cache key of one query."""
    return (f"bp={blueprint or ''};since={since.isoformat() if since else ''};"
            f"session={'' if session_id is None else session_id};min={min_responses}")


def stamp(blueprint: str | None = None, since: date | None = None, session_id: int | None = None) -> str:
    """What the finished attempts of a query look like now: count, sum of ids, latest finish."""
    count, total, last = db.session.execute(statistics.finished(
        [sa.func.count(Attempt.id), sa.func.coalesce(sa.func.sum(Attempt.id), 0), sa.func.max(Attempt.finished_at)],
        blueprint, since, session_id)).one()
    return f"v{FORMAT}:{count}:{total}:{last.isoformat() if last else ''}"


def cached(blueprint: str | None = None, since: date | None = None, session_id: int | None = None,
           min_responses: int = 20) -> Statistics:
    """The statistics of a query: from the cache while its stamp holds, else computed and stored."""
    k, now_stamp = key(blueprint, since, session_id, min_responses), stamp(blueprint, since, session_id)
    row = db.session.execute(sa.select(StatsCache.stamp, StatsCache.payload).where(StatsCache.key == k)).first()
    if row is not None and row.stamp == now_stamp:
        found = decode(row.payload)
        if found is not None:
            return found
    stats = statistics.collect(blueprint, since, session_id, min_responses=min_responses)
    _store(k, now_stamp, encode(stats))
    return stats


def usage(item_id: str) -> dict[int, dict[str, int]]:
    """Where each version of ``item_id`` was used (``statistics.usage``), kept while no attempt
    was added or removed (count, sum of ids and latest start of all attempts)."""
    count, total, last = db.session.execute(sa.select(
        sa.func.count(Attempt.id), sa.func.coalesce(sa.func.sum(Attempt.id), 0), sa.func.max(Attempt.started_at))
    ).one()
    k, now_stamp = f"usage={item_id}", f"v{FORMAT}:{count}:{total}:{last.isoformat() if last else ''}"
    row = db.session.execute(sa.select(StatsCache.stamp, StatsCache.payload).where(StatsCache.key == k)).first()
    if row is not None and row.stamp == now_stamp:
        try:
            return {int(v): dict(per) for v, per in row.payload["versions"].items()}
        except (KeyError, TypeError, ValueError, AttributeError):
            pass
    found = statistics.usage(item_id)
    _store(k, now_stamp, {"versions": {str(v): per for v, per in found.items()}})
    return found


def _store(k: str, now_stamp: str, payload: dict) -> None:
    try:
        with db.session.begin_nested():
            existing = db.session.scalar(sa.select(StatsCache).where(StatsCache.key == k))
            if existing is None:
                db.session.add(StatsCache(key=k, stamp=now_stamp, computed_at=clock.now(), payload=payload))
            else:
                existing.stamp, existing.payload, existing.computed_at = now_stamp, payload, clock.now()
            db.session.flush()
    except sa.exc.IntegrityError:
        return   # another worker stored the same query at the same moment: its figures are as good
    keep = sa.select(StatsCache.id).order_by(StatsCache.computed_at.desc(), StatsCache.id.desc()).limit(MAX_ENTRIES)
    db.session.execute(sa.delete(StatsCache).where(StatsCache.id.not_in(keep.scalar_subquery())),
                       execution_options={"synchronize_session": False})


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value


def encode(stats: Statistics) -> dict:
    """A JSON-able copy of ``stats`` (the item versions by reference only: they are immutable)."""
    return _finite({"attempts": stats.attempts, "blueprints": [
        {"code": b.code, "threshold_points": b.threshold_points, "max_points": b.max_points,
         "form": asdict(b.form), "items": [asdict(a) for a in b.items.values()],
         "sessions": b.sessions, "questions": [list(ref) for ref in b.questions]}
        for b in stats.blueprints]})


def _item(d: dict) -> ItemAnalysis:
    return ItemAnalysis(**dict(d, ref=tuple(d["ref"]), options=[OptionStat(**o) for o in d["options"]],
                               flags=[Flag(**f) for f in d["flags"]]))


def decode(payload: dict) -> Statistics | None:
    """``stats`` back from :func:`encode`; None when the payload does not fit the current classes."""
    try:
        blueprints = []
        for b in payload["blueprints"]:
            analyses = [_item(d) for d in b["items"]]
            blueprints.append(BlueprintStats(
                b["code"], b["threshold_points"], b["max_points"], FormAnalysis(**b["form"]),
                {a.ref: a for a in analyses}, dict(b["sessions"]),
                items_for_refs(tuple(ref) for ref in b["questions"])))
        return Statistics(payload["attempts"], blueprints)
    except (KeyError, TypeError, ValueError):
        return None
