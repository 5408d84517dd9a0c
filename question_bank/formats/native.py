"""Readers for the native bank structures: metadata, topics and items.

The readers take plain (located) values, so the CSV reader can reuse
:func:`read_item` by building the same shape from a row.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..items import (BANK_ID_RE, ITEM_ID_RE, LANGUAGES, MAX_BANK_ID, MAX_DIFFICULTY, MAX_ITEM_ID,
                     MAX_POINTS, MAX_TEXT, MAX_TOPIC_CODE, MIN_DIFFICULTY, STATUSES, TOPIC_CODE_RE, TOPIC_SECTIONS, BankMeta, Item, Option, Topic)
from ..types import QUESTION_TYPES
from .fields import (Reporter, Scope, check_keys, check_lang_texts, get_bool, get_choice,
                     get_int, get_langs, get_str, get_text_map, shown, type_name)

ITEM_KEYS = ("id", "version", "topic", "type", "points", "difficulty", "status", "source",
             "text", "options", "key")
ITEM_REQUIRED = ("id", "topic", "text", "options", "key")


@dataclass
class Located:
    """A value read from a file, with where it came from (for cross-file checks)."""

    value: Any
    file: str
    line: int | None
    lines: dict[str, int | None] = field(default_factory=dict)
    ok: bool = True


@dataclass
class ItemStub:
    """The readable parts of an item that has problems."""

    id: str | None
    topic: str | None
    text: dict[str, str]


def read_meta(rep: Reporter, d: Any, line: int | None) -> Located | None:
    """Read the ``bank:`` mapping."""
    sc = Scope(rep, None, line)
    if not isinstance(d, dict):
        sc.add(line, "bank", f"must be a mapping, not {type_name(d)}")
        return None
    n = len(rep.problems)
    check_keys(sc, d, ("id", "title", "demo", "languages"), ("id", "languages"), "bank.")
    bid = get_str(sc, d, "id", "bank.id", pattern=BANK_ID_RE, max_len=MAX_BANK_ID)
    title = get_text_map(sc, d, "title", "bank.title", required=False)
    demo = get_bool(sc, d, "demo", False, "bank.demo")
    langs = get_langs(sc, d, "languages", field="bank.languages")
    if len(rep.problems) > n or bid is None or langs is None:
        return None
    return Located(BankMeta(bid, title or {}, bool(demo), langs), rep.file, line)


def read_topic(rep: Reporter, d: Any, line: int | None) -> Located | None:
    """Read one entry of ``topics:``."""
    sc = Scope(rep, None, line)
    if not isinstance(d, dict):
        sc.add(line, "topics", f"each topic must be a mapping, not {type_name(d)}")
        return None
    n = len(rep.problems)
    check_keys(sc, d, ("code", "section", "title"), ("code", "section", "title"), "topic.")
    code = get_str(sc, d, "code", "topic.code", pattern=TOPIC_CODE_RE, max_len=MAX_TOPIC_CODE)
    section = get_choice(sc, d, "section", TOPIC_SECTIONS, field="topic.section")
    title = get_text_map(sc, d, "title", "topic.title")
    if len(rep.problems) > n:
        return None
    return Located(Topic(code, section, title), rep.file, line,
                   {"code": sc.at(d, "code"), "title": sc.at(d, "title")})


def _read_options(sc: Scope, d: dict) -> list[Option] | None:
    if "options" not in d:
        return None  # check_keys reports it missing
    raw = d["options"]
    if not isinstance(raw, list):
        sc.add(sc.at(d, "options"), "options", f"must be a list, not {type_name(raw)}")
        return None
    opts: list[Option] = []
    ok = True
    for i, od in enumerate(raw):
        oline = sc.at(raw, i)
        if not isinstance(od, dict):
            sc.add(oline, "options", f"option {i + 1} must be a mapping like {{id: a, ky: ..., ru: ...}}")
            ok = False
            continue
        oid = od.get("id")
        if oid is None:
            sc.add(oline, "options", f"option {i + 1} has no id")
            ok = False
            continue
        if not isinstance(oid, str):
            sc.add(oline, "options", f"option {i + 1}: id must be a letter a..h, not {shown(oid)}")
            ok = False
            continue
        fname = f"options[{oid}]"
        sub = Scope(sc.rep, sc.item, oline)
        for key, kline in getattr(od, "duplicates", ()):
            sub.add(kline, f"{fname}.{key}", "key appears twice")
        langs = [k for k in od if k != "id"]
        if not langs:
            sub.add(oline, fname, "has no text")
            ok = False
            continue
        texts = check_lang_texts(sub, od, langs, fname, MAX_TEXT)
        if texts is None:
            ok = False
            continue
        opts.append(Option(oid, texts))
    return opts if ok else None


def _read_key(sc: Scope, d: dict) -> frozenset[str] | None:
    if "key" not in d:
        return None  # check_keys reports it missing
    raw = d["key"]
    if isinstance(raw, str):
        # ``key: b`` or ``key: "a;c"`` is as natural to write as a list.
        parts = [p.strip() for p in raw.replace(",", ";").split(";")]
    elif isinstance(raw, list) and all(isinstance(p, str) for p in raw):
        parts = [p.strip() for p in raw]
    else:
        sc.add(sc.at(d, "key"), "key", "must be a list of option ids, e.g. [b]")
        return None
    parts = [p for p in parts if p]
    if not parts:
        sc.add(sc.at(d, "key"), "key", "no correct option given")
        return None
    if len(set(parts)) != len(parts):
        sc.add(sc.at(d, "key"), "key", "an option id is listed twice")
        return None
    return frozenset(parts)


def read_item(rep: Reporter, d: Any, line: int | None) -> Located | None:
    """Read one item mapping; returns None (with problems recorded) if unusable."""
    if not isinstance(d, dict):
        rep.add(line, None, "items", f"each item must be a mapping, not {type_name(d)}")
        return None
    raw_id = d.get("id")
    item_id = str(raw_id) if isinstance(raw_id, (str, int)) and not isinstance(raw_id, bool) else None
    if item_id is not None and (len(item_id) > MAX_ITEM_ID or not item_id.isprintable()):
        item_id = shown(item_id)  # messages name the item without echoing a huge or odd id whole
    sc = Scope(rep, item_id, line)
    n = len(rep.problems)
    check_keys(sc, d, ITEM_KEYS, ITEM_REQUIRED)
    iid = get_str(sc, d, "id", pattern=ITEM_ID_RE, allow_int=True, max_len=MAX_ITEM_ID)
    version = get_int(sc, d, "version", 1, lo=1)
    topic = get_str(sc, d, "topic", pattern=TOPIC_CODE_RE, max_len=MAX_TOPIC_CODE)
    qtype = get_choice(sc, d, "type", sorted(QUESTION_TYPES), "single")
    points = get_int(sc, d, "points", 1, lo=1, hi=MAX_POINTS)
    difficulty = get_int(sc, d, "difficulty", 3, lo=MIN_DIFFICULTY, hi=MAX_DIFFICULTY)
    status = get_choice(sc, d, "status", STATUSES, "approved")
    source = get_str(sc, d, "source", default="")
    text = get_text_map(sc, d, "text", max_len=MAX_TEXT)
    options = _read_options(sc, d)
    key = _read_key(sc, d)
    lines = {"id": sc.at(d, "id"), "topic": sc.at(d, "topic"), "text": sc.at(d, "text")}
    if len(rep.problems) > n or None in (iid, version, topic, text, options, key, qtype, points,
                                         difficulty, status, source):
        # Keep what we could read, so cross-file checks (duplicate ids,
        # unknown topics, languages) still report on this item.
        return Located(ItemStub(iid, topic, text or {}), rep.file, line, lines, ok=False)
    item = Item(id=iid, version=version, topic=topic, type=qtype, text=text,
                options=tuple(options), key=key, points=points, difficulty=difficulty,
                status=status, source=source)
    for fld, msg in QUESTION_TYPES[qtype].check(item):
        sc.add(sc.at(d, fld), fld, msg)
    # Every option must exist in every language of the question, or a
    # candidate choosing that language would see a gap.
    for opt in item.options:
        for lang in LANGUAGES:
            if (lang in item.text) != (lang in opt.text):
                where = "text" if lang in opt.text else f"options[{opt.id}]"
                sc.add(sc.at(d, "options" if where != "text" else "text"), where,
                       f"no {lang} variant (option {opt.id} has {', '.join(opt.text)}; "
                       f"the question has {', '.join(item.text)})")
    return Located(item, rep.file, line, lines, ok=len(rep.problems) == n)
