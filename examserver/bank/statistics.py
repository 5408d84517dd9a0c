"""Item and form statistics from finished attempts (read-only).

Reads finished attempts (their frozen forms) and their journals: the final
answers as scoring sees them, and the time spent on each question from the
server times of the candidate's visit/answer/flag events. The figures are
computed by ``question_bank.stats`` per blueprint (an item-total correlation
only means something within one test), so an item used by two blueprints has
a row for each.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timezone

import sqlalchemy as sa

from question_bank.drawing import Form
from question_bank.items import Item
from question_bank.stats import FormAnalysis, ItemAnalysis, Result, analyse, time_on_slots

from examserver.bank.store import items_for_refs
from examserver.db import db
from examserver.exam.journal import answers_from_journal, until_finish
from examserver.models import Attempt, AttemptState, ExamBlueprint, ExamSession, JournalEvent

CHUNK = 200


@dataclass
class BlueprintStats:
    """Statistics of the finished attempts of one blueprint (all its versions)."""

    code: str
    threshold_points: int | None
    max_points: int | None
    form: FormAnalysis
    items: dict[tuple[str, int], ItemAnalysis]
    sessions: dict[str, list[int]] = field(default_factory=dict)   # session title (date) -> totals
    questions: dict[tuple[str, int], Item] = field(default_factory=dict)   # the item versions analysed


@dataclass
class Statistics:
    """All blueprints' statistics of one query."""

    attempts: int
    blueprints: list[BlueprintStats]

    def item(self, item_id: str) -> list[tuple[str, ItemAnalysis]]:
        """``(blueprint code, analysis)`` of every version of ``item_id`` that was used."""
        return [(bp.code, a) for bp in self.blueprints for ref, a in sorted(bp.items.items()) if ref[0] == item_id]


def _seconds(attempt: Attempt, events: list[JournalEvent]) -> dict[int, int]:
    start = attempt.started_at
    timeline = []
    for e in until_finish(events):
        slot = e.payload.get("slot") if e.kind in ("visit", "answer", "flag") and isinstance(e.payload, dict) else None
        timeline.append(((e.server_time - start).total_seconds(),
                         slot if isinstance(slot, int) and not isinstance(slot, bool) else None))
    end = attempt.finished_at
    return time_on_slots(timeline, (end - start).total_seconds() if end else None)


def finished(columns: list, blueprint: str | None = None, since: date | None = None,
             session_id: int | None = None) -> sa.Select:
    """``SELECT columns`` over the finished attempts a query reads (the statistics cache stamps the same set)."""
    query = (sa.select(*columns).select_from(Attempt).join(ExamBlueprint, Attempt.blueprint_id == ExamBlueprint.id)
             .where(Attempt.state == AttemptState.FINISHED))
    if blueprint:
        query = query.where(ExamBlueprint.code == blueprint)
    if since:
        query = query.where(Attempt.finished_at >= datetime.combine(since, time.min, tzinfo=timezone.utc))
    if session_id is not None:
        query = query.where(Attempt.session_id == session_id)
    return query


def collect(blueprint: str | None = None, since: date | None = None, session_id: int | None = None,
            progress: Callable[[int, int], None] | None = None, min_responses: int = 20) -> Statistics:
    """Statistics of the finished attempts, optionally of one blueprint code, since a date, of one session.

    Computes everything afresh (``examserver stats`` does); the console reads
    ``bank.stats_cache.cached`` instead, which calls this only when new
    attempts have finished.
    """
    ids = list(db.session.scalars(finished([Attempt.id], blueprint, since, session_id).order_by(Attempt.id)))
    groups: dict[str, list[tuple[Attempt, Result, str]]] = {}
    thresholds: dict[str, tuple[int | None, int | None]] = {}
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        rows = db.session.execute(sa.select(Attempt, ExamBlueprint.code, ExamSession.title, ExamSession.session_date)
                                  .join(ExamBlueprint, Attempt.blueprint_id == ExamBlueprint.id)
                                  .join(ExamSession, Attempt.session_id == ExamSession.id)
                                  .where(Attempt.id.in_(chunk)).order_by(Attempt.id)).all()
        events: dict[int, list[JournalEvent]] = {}
        for e in db.session.scalars(sa.select(JournalEvent).where(JournalEvent.attempt_id.in_(chunk))
                                    .order_by(JournalEvent.attempt_id, JournalEvent.seq)):
            events.setdefault(e.attempt_id, []).append(e)
        for attempt, code, title, day in rows:
            evs = events.get(attempt.id, [])
            result = Result(Form.from_dict(attempt.form), answers_from_journal(evs), _seconds(attempt, evs))
            groups.setdefault(code, []).append((attempt, result, f"{title} ({day.isoformat()})"))
            score = attempt.score or {}
            thresholds[code] = (score.get("threshold_points"), attempt.max_points)
        if progress:
            progress(min(start + CHUNK, len(ids)), len(ids))
        db.session.expunge_all()   # a long run must not keep every attempt in memory
    out = []
    for code in sorted(groups):
        results = [r for _a, r, _s in groups[code]]
        items = items_for_refs({ref for r in results for ref in r.form.item_refs()})
        analyses, form = analyse(results, items, min_responses=min_responses)
        sessions: dict[str, list[int]] = {}
        for (_a, _r, label), total in zip(groups[code], form.totals):
            sessions.setdefault(label, []).append(total)
        out.append(BlueprintStats(code, *thresholds[code], form, analyses, sessions, items))
    return Statistics(len(ids), out)


def usage(item_id: str) -> dict[int, dict[str, int]]:
    """Where each version of ``item_id`` was used: version -> {blueprint code: attempts}.

    Forms are JSON, so this reads every attempt's form (streamed); it is
    called for one item page at a time.
    """
    out: dict[int, dict[str, int]] = {}
    query = (sa.select(Attempt.form, ExamBlueprint.code).join(ExamBlueprint, Attempt.blueprint_id == ExamBlueprint.id)
             .execution_options(yield_per=500))
    for form, code in db.session.execute(query):
        for slot in form.get("slots", ()):
            if slot.get("item_id") == item_id:
                per = out.setdefault(slot.get("item_version"), {})
                per[code] = per.get(code, 0) + 1
    return out
