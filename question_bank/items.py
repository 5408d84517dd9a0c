"""The item schema: options, items, topics, bank metadata and banks."""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .canonical import FrozenMap, digest_of, freeze

# Canonical order, used wherever languages are listed (ky is the state language).
LANGUAGES: tuple[str, ...] = ("ky", "ru", "kk", "en")
STATUSES: tuple[str, ...] = ("draft", "approved", "retired")
TOPIC_SECTIONS: tuple[str, ...] = ("basic", "subject")
OPTION_IDS: str = "abcdefgh"
MIN_OPTIONS, MAX_OPTIONS = 2, 8
MIN_DIFFICULTY, MAX_DIFFICULTY = 1, 5

# Limits, equal to the database columns where a column holds the value
# (examserver/models/bank.py), so a file that passes on SQLite (which does not
# enforce VARCHAR lengths) cannot fail on PostgreSQL. Texts live in JSON
# payloads; their limits keep a screen and a protocol readable.
MAX_ITEM_ID = 64         # bank_item.item_id
MAX_TOPIC_CODE = 40      # topic.code
MAX_BANK_ID = 64         # bank_item.bank_id
MAX_CODE = 40            # exam_blueprint.code, position.code
MAX_INT = 2**31 - 1      # INTEGER columns (version)
MAX_POINTS = 100
MAX_TEXT = 4000          # a question or option text, per language
MAX_SHORT_TEXT = 500     # source, titles

ITEM_ID_RE = re.compile(r"^[A-Z0-9_-]+$")
TOPIC_CODE_RE = re.compile(r"^[A-Z0-9_]+$")
BANK_ID_RE = re.compile(r"^[a-z0-9-]+$")


def sort_languages(langs: Iterable[str]) -> tuple[str, ...]:
    """Languages in canonical order (known ones first, then others by name)."""
    langs = set(langs)
    known = [lang for lang in LANGUAGES if lang in langs]
    return tuple(known + sorted(langs - set(LANGUAGES)))


@dataclass(frozen=True)
class Option:
    """One answer option; ``text`` maps language code to text."""

    id: str
    text: Mapping[str, str]

    def __post_init__(self) -> None:
        object.__setattr__(self, "text", freeze(self.text))

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form: ``{"id": ..., "text": {lang: text}}``."""
        return {"id": self.id, "text": dict(self.text)}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Option:
        """Inverse of :meth:`to_dict`."""
        return cls(id=d["id"], text=d["text"])


@dataclass(frozen=True)
class Item:
    """One test question in one version. ``(id, version)`` never changes meaning."""

    id: str
    version: int
    topic: str
    type: str
    text: Mapping[str, str]
    options: tuple[Option, ...]
    key: frozenset[str]
    points: int = 1
    difficulty: int = 3
    status: str = "approved"
    source: str = ""

    def __post_init__(self) -> None:
        # Accept plain dicts/lists from callers but store immutable values, so
        # an Item can be hashed and shared safely between requests.
        object.__setattr__(self, "text", freeze(self.text))
        object.__setattr__(self, "options", tuple(self.options))
        object.__setattr__(self, "key", frozenset(self.key))

    @property
    def ref(self) -> tuple[str, int]:
        """``(id, version)``: how forms and attempts refer to this item."""
        return (self.id, self.version)

    @property
    def option_ids(self) -> tuple[str, ...]:
        """Option ids in the item's own order."""
        return tuple(o.id for o in self.options)

    @property
    def languages(self) -> tuple[str, ...]:
        """Languages in which the text and every option are present."""
        langs = set(self.text)
        for opt in self.options:
            langs &= set(opt.text)
        return sort_languages(langs)

    def option(self, option_id: str) -> Option:
        """The option with this id (KeyError if none)."""
        for opt in self.options:
            if opt.id == option_id:
                return opt
        raise KeyError(option_id)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able, stable form (key as a sorted list)."""
        return {
            "id": self.id,
            "version": self.version,
            "topic": self.topic,
            "type": self.type,
            "text": dict(self.text),
            "options": [o.to_dict() for o in self.options],
            "key": sorted(self.key),
            "points": self.points,
            "difficulty": self.difficulty,
            "status": self.status,
            "source": self.source,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Item:
        """Inverse of :meth:`to_dict` (no validation: use the loaders for that)."""
        return cls(
            id=d["id"],
            version=d["version"],
            topic=d["topic"],
            type=d["type"],
            text=d["text"],
            options=tuple(Option.from_dict(o) for o in d["options"]),
            key=frozenset(d["key"]),
            points=d.get("points", 1),
            difficulty=d.get("difficulty", 3),
            status=d.get("status", "approved"),
            source=d.get("source", ""),
        )

    def digest(self) -> str:
        """SHA-256 hex of the canonical JSON of :meth:`to_dict`."""
        return digest_of(self.to_dict())

    def content_digest(self) -> str:
        """Like :meth:`digest` but without ``status``.

        Retiring or approving an item is not an edit of its content, so an
        importer can compare this digest to decide whether an ``(id, version)``
        pair that is already stored was changed (which is refused).
        """
        d = self.to_dict()
        del d["status"]
        return digest_of(d)


@dataclass(frozen=True)
class Topic:
    """A law or area that items belong to and blueprints draw from."""

    code: str
    section: str
    title: Mapping[str, str]

    def __post_init__(self) -> None:
        object.__setattr__(self, "title", freeze(self.title))

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form."""
        return {"code": self.code, "section": self.section, "title": dict(self.title)}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Topic:
        """Inverse of :meth:`to_dict`."""
        return cls(code=d["code"], section=d["section"], title=d["title"])


@dataclass(frozen=True)
class BankMeta:
    """Bank metadata; ``demo`` marks content no authority has approved."""

    id: str
    title: Mapping[str, str]
    demo: bool
    languages: tuple[str, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "title", freeze(self.title))
        object.__setattr__(self, "languages", tuple(self.languages))

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form."""
        return {"id": self.id, "title": dict(self.title), "demo": self.demo,
                "languages": list(self.languages)}


@dataclass
class Bank:
    """A loaded, fully validated set of bank files."""

    meta: BankMeta | None
    topics: dict[str, Topic] = field(default_factory=dict)
    items: list[Item] = field(default_factory=list)
    # Where each item id was read, ``(file, line)``: a check that needs the
    # database (changed content under a stored version) still names file:line.
    origins: dict[str, tuple[str, int | None]] = field(default_factory=dict)

    def origin(self, item_id: str) -> tuple[str, int | None]:
        """``(file, line)`` where ``item_id`` was read (``("", None)`` if unknown)."""
        return self.origins.get(item_id, ("", None))


def drawable_items(items: Iterable[Item]) -> dict[str, Item]:
    """Items that may be drawn, by id: the latest version of each id, if approved.

    A newer draft hides the older approved version on purpose: an item under
    revision is suspect, and a retired latest version must not let an older
    version come back.
    """
    latest: dict[str, Item] = {}
    for item in items:
        cur = latest.get(item.id)
        if cur is None or item.version > cur.version:
            latest[item.id] = item
    return {i: it for i, it in latest.items() if it.status == "approved"}


__all__ = [
    "LANGUAGES", "STATUSES", "TOPIC_SECTIONS", "OPTION_IDS", "Option", "Item",
    "Topic", "BankMeta", "Bank", "FrozenMap", "drawable_items", "sort_languages",
]
