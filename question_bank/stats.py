"""Item statistics from scored attempts (integers and fraction strings only)."""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from .drawing import Form
from .items import Item
from .types import QUESTION_TYPES


@dataclass
class ItemStat:
    """How one item version fared: ``p_permille`` is the share correct, in 1/1000."""

    ref: tuple[str, int]
    shown: int = 0
    answered: int = 0
    correct: int = 0
    option_counts: dict[str, int] = field(default_factory=dict)

    @property
    def p_value(self) -> str:
        """Difficulty index as an exact fraction, e.g. ``"37/52"`` (``"0/0"`` if never shown)."""
        return f"{self.correct}/{self.shown}"

    @property
    def p_permille(self) -> int | None:
        """Share of correct answers per mille, rounded half up; None if never shown."""
        if not self.shown:
            return None
        return (2000 * self.correct + self.shown) // (2 * self.shown)

    def to_dict(self) -> dict:
        """JSON-able form."""
        return {"id": self.ref[0], "version": self.ref[1], "shown": self.shown,
                "answered": self.answered, "correct": self.correct,
                "p_value": self.p_value, "p_permille": self.p_permille,
                "option_counts": dict(sorted(self.option_counts.items()))}


def item_statistics(results: Iterable[tuple[Form, Mapping[int, frozenset[str]]]],
                    items: Mapping[tuple[str, int], Item]) -> dict[tuple[str, int], ItemStat]:
    """Per item version: times shown, answered, correct, and how often each option was chosen.

    ``results`` are ``(form, answers)`` pairs as given to scoring.
    Neutralisations are ignored: these statistics are what candidates did.
    """
    stats: dict[tuple[str, int], ItemStat] = {}
    for form, answers in results:
        for slot in form.slots:
            item = items[slot.item_ref]
            st = stats.setdefault(slot.item_ref, ItemStat(slot.item_ref))
            st.shown += 1
            response = frozenset(answers.get(slot.index) or ())
            if not response:
                continue
            st.answered += 1
            for oid in response:
                st.option_counts[oid] = st.option_counts.get(oid, 0) + 1
            if QUESTION_TYPES[item.type].grade(item, response) == item.points:
                st.correct += 1
    return stats
