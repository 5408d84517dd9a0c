"""Bank files: load (all-or-nothing, every problem collected), check and dump.

See docs/bank-format.md for the formats themselves.
"""
from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from ..errors import BankError, Problem
from ..items import Bank, Topic
from .csvbank import read_csv
from .dump import dump_bank
from .fields import Reporter
from .native import Located, read_item, read_meta, read_topic
from .source import line_of, list_files
from .stream import read_tree_streaming

__all__ = ["load_bank", "check_bank", "dump_bank", "read_bank_files"]


def _read_native(tree: object, rep: Reporter, metas: list[Located], topics: list[Located],
                 items: list[Located]) -> None:
    if tree is None:
        return  # an empty file holds nothing, which is not an error
    if not isinstance(tree, dict):
        rep.add(line_of(tree), None, None, "the file must be a mapping with bank/topics/items")
        return
    for key in tree:
        # Blueprints and positions may share a directory (or a file) with the
        # bank; their own loaders read them.
        if key not in ("bank", "topics", "items", "blueprints", "positions"):
            rep.add(line_of(tree, key), None, str(key), "unknown top-level key")
    for key, line in getattr(tree, "duplicates", ()):
        rep.add(line, None, str(key), "key appears twice")
    if "bank" in tree:
        meta = read_meta(rep, tree["bank"], line_of(tree, "bank"))
        if meta is not None:
            metas.append(meta)
    for name, reader, out in (("topics", read_topic, topics), ("items", read_item, items)):
        seq = tree.get(name)
        if seq is None:
            continue
        if not isinstance(seq, list):
            rep.add(line_of(tree, name), None, name, "must be a list")
            continue
        for i, entry in enumerate(seq):
            got = reader(rep, entry, line_of(seq, i))
            if got is not None:
                out.append(got)


def _where(loc: Located) -> str:
    return f"{loc.file}:{loc.line}" if loc.line is not None else loc.file


def _cross_check(metas: list[Located], topics: list[Located], items: list[Located],
                 known_topics: Mapping[str, Topic], problems: list[Problem]) -> None:
    """Checks that need the whole set: duplicates, topics and languages."""
    for extra in metas[1:]:
        problems.append(Problem(extra.file, extra.line, None, "bank",
                                f"bank metadata given twice (first at {_where(metas[0])})"))
    languages = metas[0].value.languages if metas else ()
    seen_topics: dict[str, Located] = {}
    for t in topics:
        first = seen_topics.setdefault(t.value.code, t)
        if first is not t:
            problems.append(Problem(t.file, t.lines["code"], None, "topic.code",
                                    f"duplicate topic {t.value.code} (first at {_where(first)})"))
        missing = [lang for lang in languages if lang not in t.value.title]
        if missing:
            problems.append(Problem(t.file, t.lines["title"], None, "topic.title",
                                    f"no {', '.join(missing)} variant"))
    seen_items: dict[str, Located] = {}
    for loc in items:
        item = loc.value
        if item.id is None:
            continue
        first = seen_items.setdefault(item.id, loc)
        if first is not loc:
            problems.append(Problem(loc.file, loc.lines["id"], item.id, "id",
                                    f"duplicate id (first at {_where(first)})"))
        if item.topic is not None and item.topic not in seen_topics and item.topic not in known_topics:
            problems.append(Problem(loc.file, loc.lines["topic"], item.id, "topic",
                                    f"unknown topic {item.topic!r}"))
        missing = [lang for lang in languages if lang not in item.text]
        if missing and item.text:
            problems.append(Problem(loc.file, loc.lines["text"], item.id, "text",
                                    f"no {', '.join(missing)} variant "
                                    f"(bank languages: {', '.join(languages)})"))


def read_bank_files(path: str | Path, known_topics: Mapping[str, Topic] | None = None
                    ) -> tuple[Bank | None, list[Problem]]:
    """Read a file or directory; returns ``(bank, problems)``, bank None if any problem."""
    problems: list[Problem] = []
    metas: list[Located] = []
    topics: list[Located] = []
    items: list[Located] = []
    files = list_files(path)
    if not files or not files[0][0].exists():
        return None, [Problem(str(path), None, None, None, "no bank files found")]
    for fpath, display in files:
        if fpath.suffix.lower() == ".csv":
            got, probs = read_csv(fpath, display)
            items.extend(got)
            problems.extend(probs)
            continue
        rep = Reporter(display, problems)

        def on_item(value: object, line: int, rep: Reporter = rep) -> None:
            got = read_item(rep, value, line)
            if got is not None:
                items.append(got)

        # Items are read as they are parsed, so a big file never holds all of
        # its YAML nodes at once (see formats/stream.py).
        n_items, n_problems = len(items), len(problems)
        tree, probs = read_tree_streaming(fpath, display, "items", on_item)
        if probs:
            # A file that cannot be parsed reports just that, as before streaming.
            del items[n_items:], problems[n_problems:]
        problems.extend(probs)
        _read_native(tree, rep, metas, topics, items)
    _cross_check(metas, topics, items, known_topics or {}, problems)
    for loc in items:
        if not loc.ok and not problems:
            # A reader gave up on an item without saying why: never let a
            # half-read item through (it would fail later, in the database).
            problems.append(Problem(loc.file, loc.line, getattr(loc.value, "id", None), None,
                                    "the item could not be read"))
    if problems:
        return None, problems
    bank = Bank(meta=metas[0].value if metas else None,
                topics={t.value.code: t.value for t in topics},
                items=[loc.value for loc in items],
                origins={loc.value.id: (loc.file, loc.line) for loc in items})
    return bank, []


def load_bank(path: str | Path, known_topics: Mapping[str, Topic] | None = None) -> Bank:
    """Load and validate a bank file or directory; raise BankError listing every problem.

    ``known_topics`` are topics that already exist (e.g. in the database);
    items may use them without the files defining them.
    """
    bank, problems = read_bank_files(path, known_topics)
    if problems:
        raise BankError(problems)
    assert bank is not None
    return bank


def check_bank(path: str | Path, known_topics: Mapping[str, Topic] | None = None) -> list[Problem]:
    """Every problem in a bank file or directory (empty list: it loads)."""
    return read_bank_files(path, known_topics)[1]
