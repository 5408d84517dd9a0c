"""Question types: a registry of validators and pure graders.

Like CTFd's ``CHALLENGE_CLASSES`` but with no request coupling: ``grade`` is a
pure function of the item and the set of selected option ids.
"""
from __future__ import annotations

from .items import MAX_OPTIONS, MIN_OPTIONS, OPTION_IDS, Item


class QuestionType:
    """Base class. Subclasses set ``name`` and may override the hooks."""

    name: str = ""

    def check(self, item: Item) -> list[tuple[str, str]]:
        """Problems as ``(field, message)`` pairs; shared option/key rules."""
        out: list[tuple[str, str]] = []
        ids = item.option_ids
        if not MIN_OPTIONS <= len(ids) <= MAX_OPTIONS:
            out.append(("options", f"needs {MIN_OPTIONS}..{MAX_OPTIONS} options, has {len(ids)}"))
        if len(set(ids)) != len(ids):
            out.append(("options", "option ids repeat"))
        bad = [i for i in ids if len(i) != 1 or i not in OPTION_IDS]
        if bad:
            out.append(("options", f"option ids must be letters a..h, got {', '.join(map(repr, bad))}"))
        elif list(ids) != sorted(ids):
            out.append(("options", "option ids must be in order a, b, c, ..."))
        for k in sorted(item.key - set(ids)):
            out.append(("key", f"{k!r} is not among the options {', '.join(ids)}"))
        if not item.key:
            out.append(("key", "no correct option given"))
        out.extend(self.check_key(item))
        return out

    def check_key(self, item: Item) -> list[tuple[str, str]]:
        """Type-specific key rules."""
        return []

    def validate(self, item: Item) -> list[str]:
        """Problems with ``item`` for this type, as ``"field: message"`` strings."""
        return [f"{f}: {m}" for f, m in self.check(item)]

    def grade(self, item: Item, response: frozenset[str]) -> int:
        """Points earned by ``response`` (selected option ids)."""
        raise NotImplementedError


QUESTION_TYPES: dict[str, QuestionType] = {}


def register_type(cls: type[QuestionType]) -> type[QuestionType]:
    """Class decorator: register an instance of ``cls`` under ``cls.name``."""
    if not cls.name:
        raise ValueError("a question type needs a name")
    QUESTION_TYPES[cls.name] = cls()
    return cls


@register_type
class SingleChoice(QuestionType):
    """One correct option; full points iff exactly that option is selected."""

    name = "single"

    def check_key(self, item: Item) -> list[tuple[str, str]]:
        if len(item.key) > 1:
            return [("key", f"a single-choice item needs exactly one key, has {len(item.key)}")]
        return []

    def grade(self, item: Item, response: frozenset[str]) -> int:
        return item.points if frozenset(response) == item.key else 0


@register_type
class MultipleChoice(QuestionType):
    """One or more correct options; all-or-nothing.

    Full points iff the selected set equals the key exactly; any missing or
    extra option gives 0. No partial credit, so that a candidate cannot gain
    by ticking everything and the score stays a count of correct questions.
    """

    name = "multiple"

    def grade(self, item: Item, response: frozenset[str]) -> int:
        return item.points if frozenset(response) == item.key else 0
