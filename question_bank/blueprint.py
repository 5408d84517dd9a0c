"""Exam blueprints (how many questions from which topics), positions, fill checks."""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .canonical import digest_of, freeze
from .items import Item, drawable_items

POSITION_GROUPS: tuple[str, ...] = ("Ж-А", "Ж-Б", "Б-А", "Б-Б", "У-А", "У-Б", "К-А", "К-Б")
THRESHOLD_KINDS: tuple[str, ...] = ("percent", "correct")


@dataclass(frozen=True)
class Quota:
    """Draw ``count`` items of ``topic``; optionally require ``min_correct`` of them."""

    topic: str
    count: int
    min_correct: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form (``min_correct`` omitted when not set)."""
        d: dict[str, Any] = {"topic": self.topic, "count": self.count}
        if self.min_correct is not None:
            d["min_correct"] = self.min_correct
        return d


@dataclass(frozen=True)
class Section:
    """A part of the test (e.g. basic, subject) made of quotas, in order."""

    code: str
    title: Mapping[str, str]
    quotas: tuple[Quota, ...]
    min_correct: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "title", freeze(self.title))
        object.__setattr__(self, "quotas", tuple(self.quotas))

    @property
    def question_count(self) -> int:
        """Questions drawn for this section."""
        return sum(q.count for q in self.quotas)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form."""
        d: dict[str, Any] = {"code": self.code, "title": dict(self.title),
                             "quotas": [q.to_dict() for q in self.quotas]}
        if self.min_correct is not None:
            d["min_correct"] = self.min_correct
        return d


@dataclass(frozen=True)
class Threshold:
    """The total needed: ``percent`` of the attainable points, or ``correct`` answers."""

    kind: str
    value: int

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form, as in the file: ``{"percent": 50}``."""
        return {self.kind: self.value}


@dataclass(frozen=True)
class Blueprint:
    """One version of an exam blueprint for a position group."""

    code: str
    version: int
    group: str
    title: Mapping[str, str]
    duration_minutes: int
    languages: tuple[str, ...]
    shuffle_options: bool
    threshold: Threshold
    sections: tuple[Section, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "title", freeze(self.title))
        object.__setattr__(self, "languages", tuple(self.languages))
        object.__setattr__(self, "sections", tuple(self.sections))

    @property
    def question_count(self) -> int:
        """Questions in a form drawn from this blueprint."""
        return sum(s.question_count for s in self.sections)

    def demand(self) -> dict[str, int]:
        """Items needed per topic, summed over every quota that uses it."""
        out: dict[str, int] = {}
        for s in self.sections:
            for q in s.quotas:
                out[q.topic] = out.get(q.topic, 0) + q.count
        return out

    def to_dict(self) -> dict[str, Any]:
        """JSON-able, stable form (the file's shape)."""
        return {
            "code": self.code, "version": self.version, "group": self.group,
            "title": dict(self.title), "duration_minutes": self.duration_minutes,
            "languages": list(self.languages), "shuffle_options": self.shuffle_options,
            "threshold": self.threshold.to_dict(),
            "sections": [s.to_dict() for s in self.sections],
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Blueprint:
        """Inverse of :meth:`to_dict` (no validation: use :func:`load_blueprints`)."""
        ((kind, value),) = d["threshold"].items()
        sections = tuple(
            Section(code=s["code"], title=s.get("title", {}), min_correct=s.get("min_correct"),
                    quotas=tuple(Quota(q["topic"], q["count"], q.get("min_correct"))
                                 for q in s["quotas"]))
            for s in d["sections"])
        return cls(code=d["code"], version=d["version"], group=d["group"],
                   title=d.get("title", {}), duration_minutes=d["duration_minutes"],
                   languages=tuple(d["languages"]),
                   shuffle_options=d.get("shuffle_options", True),
                   threshold=Threshold(kind, value), sections=sections)

    def digest(self) -> str:
        """SHA-256 hex of the canonical JSON of :meth:`to_dict`."""
        return digest_of(self.to_dict())


@dataclass(frozen=True)
class Position:
    """A position a competition is held for, and the blueprint its test uses."""

    code: str
    department: Mapping[str, str]
    title: Mapping[str, str]
    group: str
    blueprint: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "department", freeze(self.department))
        object.__setattr__(self, "title", freeze(self.title))

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form."""
        return {"code": self.code, "department": dict(self.department),
                "title": dict(self.title), "group": self.group, "blueprint": self.blueprint}


def check_fill(blueprint: Blueprint, items: Iterable[Item]) -> list[str]:
    """Why ``blueprint`` cannot be drawn from ``items`` (empty list: it can).

    Counts approved items, latest version per id (see
    :func:`question_bank.items.drawable_items`); a topic used by several
    quotas must cover their sum, because an item is never drawn twice.
    """
    have: dict[str, int] = {}
    for item in drawable_items(items).values():
        have[item.topic] = have.get(item.topic, 0) + 1
    out = []
    for topic, need in blueprint.demand().items():
        got = have.get(topic, 0)
        if got < need:
            out.append(f"topic {topic}: needs {need}, has {got} approved items "
                       f"(short by {need - got})")
    return out
