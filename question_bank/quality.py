"""Content checks of items that need no responses: the key cue (the key is the
longest option), the score of always choosing the longest option, and
duplicated questions."""
from __future__ import annotations

from collections.abc import Iterable, Mapping

from .drawing import Form
from .items import Item
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
