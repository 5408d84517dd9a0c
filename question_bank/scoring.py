"""Scoring a frozen form against its items' keys: integers only, no floats."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from .blueprint import Blueprint
from .drawing import Form
from .items import Item
from .present import present_item
from .types import QUESTION_TYPES

NEUTRALISATIONS = ("credit", "remove")

__all__ = ["ScoringError", "SlotScore", "SectionScore", "TopicScore", "ScoreReport",
           "score_form", "present_item", "NEUTRALISATIONS"]


class ScoringError(ValueError):
    """The inputs do not fit together (missing item, unknown slot, bad neutralisation)."""


@dataclass(frozen=True)
class SlotScore:
    """One question's result; ``neutralised`` is None, 'credit' or 'remove'."""

    index: int
    answered: bool
    correct: bool
    points: int
    max_points: int
    neutralised: str | None = None


@dataclass(frozen=True)
class PartScore:
    """The result of one part of a form (a section or a topic); ``meets`` is
    False only when the part's minimum of correct answers is missed."""

    code: str
    points: int
    max_points: int
    correct: int
    questions: int
    min_correct: int | None
    meets: bool


@dataclass(frozen=True)
class SectionScore(PartScore):
    """A section's result."""


@dataclass(frozen=True)
class TopicScore(PartScore):
    """A topic's result over the whole form (its quotas' minimums summed)."""


@dataclass(frozen=True)
class ScoreReport:
    """The full result of one attempt; everything a protocol needs."""

    sections: tuple[SectionScore, ...]
    topics: tuple[TopicScore, ...]
    total_points: int
    max_points: int
    correct: int
    questions: int
    answered: int
    threshold_kind: str
    threshold_value: int
    threshold_points: int
    meets: bool
    verdict: str
    slots: tuple[SlotScore, ...]

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form (lists for tuples); safe for canonical JSON."""
        return asdict(self, dict_factory=lambda kv: {k: list(v) if isinstance(v, tuple) else v
                                                     for k, v in kv})


def _meets_min(correct: int, questions: int, minimum: int | None) -> bool:
    # A minimum never exceeds the questions left after 'remove'
    # neutralisations, or removing a bad question could fail everyone.
    return minimum is None or correct >= min(minimum, questions)


def _group(code: str, slots: list[SlotScore], minimum: int | None, cls: type) -> Any:
    live = [s for s in slots if s.neutralised != "remove"]
    correct = sum(s.correct for s in live)
    return cls(code=code, points=sum(s.points for s in live),
               max_points=sum(s.max_points for s in live), correct=correct,
               questions=len(live), min_correct=minimum,
               meets=_meets_min(correct, len(live), minimum))


def _score_slot(index: int, item: Item, response: frozenset[str], neutral: str | None) -> SlotScore:
    answered = bool(response)
    if neutral == "remove":
        return SlotScore(index, answered, False, 0, 0, neutral)
    if neutral == "credit":
        return SlotScore(index, answered, True, item.points, item.points, neutral)
    qtype = QUESTION_TYPES.get(item.type)
    if qtype is None:
        raise ScoringError(f"item {item.id}: unknown question type {item.type!r}")
    points = qtype.grade(item, response) if answered else 0
    return SlotScore(index, answered, points == item.points, points, item.points, None)


def score_form(form: Form, items: Mapping[tuple[str, int], Item], blueprint: Blueprint,
               answers: Mapping[int, frozenset[str]],
               neutralised: Mapping[int, str] | None = None) -> ScoreReport:
    """Score ``answers`` (slot index -> selected option ids) on ``form``.

    Missing or empty answers are unanswered. ``neutralised`` maps a slot index
    to 'credit' (counted correct with full points for everyone) or 'remove'
    (left out of the maximum and of every count). The verdict is 'meets' iff
    the total reaches the threshold (points for 'percent', correct answers for
    'correct') and every section and topic minimum is met.
    """
    neutralised = dict(neutralised or {})
    indexes = {s.index for s in form.slots}
    for idx in set(answers) | set(neutralised):
        if idx not in indexes:
            raise ScoringError(f"slot {idx} is not on the form")
    for idx, how in neutralised.items():
        if how not in NEUTRALISATIONS:
            raise ScoringError(f"slot {idx}: neutralisation must be credit or remove, not {how!r}")
    if (form.blueprint_code, form.blueprint_version) != (blueprint.code, blueprint.version):
        raise ScoringError("the form was drawn from another blueprint version")
    slot_scores: list[SlotScore] = []
    by_section: dict[str, list[SlotScore]] = {}
    by_topic: dict[str, list[SlotScore]] = {}
    for slot in form.slots:
        item = items.get(slot.item_ref)
        if item is None:
            raise ScoringError(f"item {slot.item_id} version {slot.item_version} is missing")
        sc = _score_slot(slot.index, item, frozenset(answers.get(slot.index) or ()),
                         neutralised.get(slot.index))
        slot_scores.append(sc)
        by_section.setdefault(slot.section, []).append(sc)
        by_topic.setdefault(slot.topic, []).append(sc)

    sections = tuple(_group(s.code, by_section.get(s.code, []), s.min_correct, SectionScore)
                     for s in blueprint.sections)
    topic_min: dict[str, int | None] = {}
    for s in blueprint.sections:
        for q in s.quotas:
            prev = topic_min.get(q.topic)
            if q.min_correct is not None:
                topic_min[q.topic] = (prev or 0) + q.min_correct
            else:
                topic_min.setdefault(q.topic, None)
    topics = tuple(_group(code, by_topic.get(code, []), minimum, TopicScore)
                   for code, minimum in topic_min.items())

    live = [s for s in slot_scores if s.neutralised != "remove"]
    total = sum(s.points for s in live)
    max_points = sum(s.max_points for s in live)
    correct = sum(s.correct for s in live)
    kind, value = blueprint.threshold.kind, blueprint.threshold.value
    if kind == "percent":
        needed = -(-value * max_points // 100)  # ceil without floats
        reached = total >= needed
    else:
        needed = min(value, len(live))
        reached = correct >= needed
    meets = reached and all(s.meets for s in sections) and all(t.meets for t in topics)
    return ScoreReport(
        sections=sections, topics=topics, total_points=total, max_points=max_points,
        correct=correct, questions=len(live), answered=sum(s.answered for s in slot_scores),
        threshold_kind=kind, threshold_value=value, threshold_points=needed, meets=meets,
        verdict="meets" if meets else "does_not_meet", slots=tuple(slot_scores))
