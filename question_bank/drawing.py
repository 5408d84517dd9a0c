"""Seeded, reproducible drawing of a test form from a blueprint."""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .blueprint import Blueprint, check_fill
from .canonical import digest_of
from .items import Item, drawable_items
from .rng import HashRNG


class DrawError(ValueError):
    """The blueprint cannot be filled from the given items."""

    def __init__(self, message: str, shortages: list[str] | None = None):
        super().__init__(message)
        self.shortages = list(shortages or [])


@dataclass(frozen=True)
class Slot:
    """One question of a form. ``index`` is the 1-based question number."""

    index: int
    section: str
    topic: str
    item_id: str
    item_version: int
    option_order: tuple[str, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "option_order", tuple(self.option_order))

    @property
    def item_ref(self) -> tuple[str, int]:
        """``(item_id, item_version)``."""
        return (self.item_id, self.item_version)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form."""
        return {"index": self.index, "section": self.section, "topic": self.topic,
                "item_id": self.item_id, "item_version": self.item_version,
                "option_order": list(self.option_order)}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Slot:
        """Inverse of :meth:`to_dict`."""
        return cls(d["index"], d["section"], d["topic"], d["item_id"], d["item_version"],
                   tuple(d["option_order"]))


@dataclass(frozen=True)
class Form:
    """A drawn, frozen test form: exactly what one candidate is given."""

    blueprint_code: str
    blueprint_version: int
    seed: int
    slots: tuple[Slot, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "slots", tuple(self.slots))

    def slot(self, index: int) -> Slot:
        """The slot with this 1-based index (KeyError if none)."""
        if 1 <= index <= len(self.slots) and self.slots[index - 1].index == index:
            return self.slots[index - 1]
        raise KeyError(index)

    def item_refs(self) -> list[tuple[str, int]]:
        """The ``(id, version)`` of every slot, in order."""
        return [s.item_ref for s in self.slots]

    def to_dict(self) -> dict[str, Any]:
        """JSON-able, stable form."""
        return {"blueprint_code": self.blueprint_code,
                "blueprint_version": self.blueprint_version, "seed": self.seed,
                "slots": [s.to_dict() for s in self.slots]}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Form:
        """Inverse of :meth:`to_dict`."""
        return cls(d["blueprint_code"], d["blueprint_version"], d["seed"],
                   tuple(Slot.from_dict(s) for s in d["slots"]))

    def digest(self) -> str:
        """SHA-256 hex of the canonical JSON of :meth:`to_dict`."""
        return digest_of(self.to_dict())


def _pool(items: Iterable[Item]) -> dict[str, list[Item]]:
    """Drawable items by topic, sorted by id so input order never matters."""
    items = list(items)
    by_ref: dict[tuple[str, int], Item] = {}
    for item in items:
        prev = by_ref.setdefault(item.ref, item)
        if prev is not item and prev != item:
            raise DrawError(f"item {item.id} version {item.version} is given twice "
                            "with different content")
    pool: dict[str, list[Item]] = {}
    for item in drawable_items(by_ref.values()).values():
        pool.setdefault(item.topic, []).append(item)
    for lst in pool.values():
        lst.sort(key=lambda i: i.id)
    return pool


def draw_form(blueprint: Blueprint, items: Iterable[Item], seed: int) -> Form:
    """Draw a form: same blueprint, same set of items and same seed give the same form.

    Only approved items, latest version per id, are used; no id appears twice;
    every quota is met exactly. Slots follow the section order, items are in
    random order within a section, and options are shuffled when the
    blueprint says so. Seeds should stay below 2**53 so JavaScript can carry
    them intact. Raises :class:`DrawError` when the items cannot fill it.
    """
    items = list(items)
    pool = _pool(items)
    short = check_fill(blueprint, [i for lst in pool.values() for i in lst])
    if short:
        raise DrawError(f"blueprint {blueprint.code} v{blueprint.version} cannot be filled: "
                        + "; ".join(short), short)
    used: set[str] = set()
    slots: list[Slot] = []
    for s_no, section in enumerate(blueprint.sections):
        chosen: list[Item] = []
        for q_no, quota in enumerate(section.quotas):
            # Each quota gets its own stream, so editing one quota does not
            # reshuffle the others.
            rng = HashRNG(seed, f"pick/{s_no}/{q_no}/{quota.topic}")
            free = [i for i in pool.get(quota.topic, []) if i.id not in used]
            picked = rng.sample(free, quota.count)
            used.update(i.id for i in picked)
            chosen.extend(picked)
        chosen = HashRNG(seed, f"order/{s_no}").shuffle(chosen)
        for item in chosen:
            index = len(slots) + 1
            order = item.option_ids
            if blueprint.shuffle_options:
                order = tuple(HashRNG(seed, f"options/{index}/{item.id}").shuffle(order))
            slots.append(Slot(index, section.code, item.topic, item.id, item.version, order))
    return Form(blueprint.code, blueprint.version, seed, tuple(slots))
