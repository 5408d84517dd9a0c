"""Content checks of items that need no responses: the key cue (the key is the
longest option), the score of always choosing the longest option, duplicated
questions, and the expected overlap of two forms of one blueprint."""
from __future__ import annotations

from collections.abc import Iterable, Mapping

from .blueprint import Blueprint
from .drawing import Form
from .items import Item, drawable_items
from .types import QUESTION_TYPES

CUE_RATIO = 1.5


def _length(item: Item, option_id: str, lang: str) -> int:
    return len(" ".join(item.option(option_id).text.get(lang, "").split()))


def key_cue(item: Item, ratio: float = CUE_RATIO) -> str | None:
    """The language in which the key is at least ``ratio`` times longer than every distractor, if any."""
    distractors = [o.id for o in item.options if o.id not in item.key]
    if not distractors or not item.key:
        return None
    for lang in item.languages:
        shortest_key = min(_length(item, k, lang) for k in item.key)
        longest_other = max(_length(item, d, lang) for d in distractors)
        if shortest_key >= ratio * max(longest_other, 1):
            return lang
    return None


def longest_option_score(form: Form, items: Mapping[tuple[str, int], Item], lang: str) -> int:
    """Points a candidate would get by always choosing the longest option (ties: none chosen)."""
    total = 0
    for s in form.slots:
        item = items[s.item_ref]
        lengths = sorted(((_length(item, o.id, lang), o.id) for o in item.options), reverse=True)
        if len(lengths) > 1 and lengths[0][0] > lengths[1][0]:
            total += QUESTION_TYPES[item.type].grade(item, frozenset({lengths[0][1]}))
    return total


def _norm(text: str) -> str:
    return " ".join("".join(ch for ch in text.casefold() if ch.isalnum() or ch.isspace()).split())


def duplicates(items: Iterable[Item]) -> list[tuple[str, str, str]]:
    """Pairs of distinct item ids (latest versions given) with the same question text in a language:
    ``(id, other id, language)``."""
    seen: dict[tuple[str, str], str] = {}
    out = []
    for item in sorted(items, key=lambda i: i.id):
        for lang, text in sorted(item.text.items()):
            other = seen.setdefault((lang, _norm(text)), item.id)
            if other != item.id:
                out.append((other, item.id, lang))
    return out


def expected_overlap(demand: Mapping[str, int], pool: Mapping[str, int]) -> float:
    """Expected share of questions two independent draws have in common.

    ``demand`` is the number of questions drawn per topic, ``pool`` the number of drawable
    items per topic. Each of the ``q`` questions of a topic in one form is in the other form
    with probability ``q / n`` (uniform draw without replacement), so the forms share
    ``sum(q * q / n)`` questions on average, divided here by the form length ``sum(q)``.
    A topic with fewer items than its quota counts as fully shared (it cannot be drawn).
    """
    total = sum(demand.values())
    if total <= 0:
        return 0.0
    common = sum(q * q / max(pool.get(topic, 0), q) for topic, q in demand.items() if q > 0)
    return common / total


def section_overlaps(blueprint: Blueprint, items: Iterable[Item]) -> dict[str, float]:
    """:func:`expected_overlap` of every section of ``blueprint`` (by section code) and of the
    whole form (key ``""``), drawing from the approved latest versions among ``items``.

    Exact for :func:`question_bank.drawing.draw_form` also when a topic feeds several quotas
    or sections: every drawn item of the topic is equally likely to be any of its items."""
    pool: dict[str, int] = {}
    for item in drawable_items(items).values():
        pool[item.topic] = pool.get(item.topic, 0) + 1
    out: dict[str, float] = {}
    for section in blueprint.sections:
        demand: dict[str, int] = {}
        for quota in section.quotas:
            demand[quota.topic] = demand.get(quota.topic, 0) + quota.count
        out[section.code] = expected_overlap(demand, pool)
    common = sum(out[s.code] * s.question_count for s in blueprint.sections)
    out[""] = common / blueprint.question_count if blueprint.question_count else 0.0
    return out
