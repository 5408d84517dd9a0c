"""Readers for blueprint and position files (YAML/JSON), all-or-nothing."""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from .blueprint import POSITION_GROUPS, THRESHOLD_KINDS, Blueprint, Position, Quota, Section, Threshold
from .errors import BankError, Problem
from .formats.fields import (Reporter, Scope, check_keys, get_bool, get_choice, get_int,
                             get_langs, get_str, get_text_map, type_name)
from .formats.source import line_of, list_files, read_tree
from .items import ITEM_ID_RE, MAX_CODE, MAX_TOPIC_CODE, TOPIC_CODE_RE

SECTION_CODE_RE = re.compile(r"^[A-Za-z0-9_-]+$")
TOP_KEYS = ("blueprints", "positions", "bank", "topics", "items")  # one set may hold all


def _read_quota(sc: Scope, d: Any, line: int | None, known: set[str] | None) -> Quota | None:
    if not isinstance(d, dict):
        sc.add(line, "quotas", f"each quota must be a mapping, not {type_name(d)}")
        return None
    sub = Scope(sc.rep, sc.item, line)
    n = len(sc.rep.problems)
    check_keys(sub, d, ("topic", "count", "min_correct"), ("topic", "count"), "quota.")
    topic = get_str(sub, d, "topic", "quota.topic", pattern=TOPIC_CODE_RE, max_len=MAX_TOPIC_CODE)
    count = get_int(sub, d, "count", lo=1, field="quota.count")
    mc = get_int(sub, d, "min_correct", None, lo=0, field="quota.min_correct") \
        if d.get("min_correct") is not None else None
    if topic is not None and known is not None and topic not in known:
        sub.add(sub.at(d, "topic"), "quota.topic", f"unknown topic {topic!r}")
    if count is not None and mc is not None and mc > count:
        sub.add(sub.at(d, "min_correct"), "quota.min_correct",
                f"{mc} is more than the quota's {count} questions")
    if len(sc.rep.problems) > n:
        return None
    return Quota(topic, count, mc)


def _read_section(sc: Scope, d: Any, line: int | None, known: set[str] | None) -> Section | None:
    if not isinstance(d, dict):
        sc.add(line, "sections", f"each section must be a mapping, not {type_name(d)}")
        return None
    sub = Scope(sc.rep, sc.item, line)
    n = len(sc.rep.problems)
    check_keys(sub, d, ("code", "title", "min_correct", "quotas"), ("code", "quotas"), "section.")
    code = get_str(sub, d, "code", "section.code", pattern=SECTION_CODE_RE, max_len=MAX_CODE)
    title = get_text_map(sub, d, "title", "section.title", required=False)
    mc = get_int(sub, d, "min_correct", None, lo=0, field="section.min_correct") \
        if d.get("min_correct") is not None else None
    raw = d.get("quotas")
    quotas: list[Quota | None] = []
    if raw is not None and (not isinstance(raw, list) or not raw):
        sub.add(sub.at(d, "quotas"), "section.quotas", "must be a non-empty list")
    elif raw:
        quotas = [_read_quota(sub, q, line_of(raw, i), known) for i, q in enumerate(raw)]
    if len(sc.rep.problems) > n:
        return None
    section = Section(code, title or {}, tuple(quotas), mc)
    if mc is not None and mc > section.question_count:
        sub.add(sub.at(d, "min_correct"), "section.min_correct",
                f"{mc} is more than the section's {section.question_count} questions")
        return None
    return section


def _read_threshold(sc: Scope, d: dict) -> Threshold | None:
    raw = d.get("threshold")
    if raw is None:
        return None
    if not isinstance(raw, dict) or len(raw) != 1:
        sc.add(sc.at(d, "threshold"), "threshold", "must be {percent: N} or {correct: N}")
        return None
    ((kind, _),) = raw.items()
    if kind not in THRESHOLD_KINDS:
        sc.add(sc.at(raw, kind), "threshold", f"{kind!r} is not one of {', '.join(THRESHOLD_KINDS)}")
        return None
    value = get_int(sc, raw, kind, lo=1, hi=100 if kind == "percent" else None,
                    field=f"threshold.{kind}")
    return None if value is None else Threshold(kind, value)


def _read_blueprint(rep: Reporter, d: Any, line: int | None, known: set[str] | None
                    ) -> tuple[Blueprint, int | None] | None:
    if not isinstance(d, dict):
        rep.add(line, None, "blueprints", f"each blueprint must be a mapping, not {type_name(d)}")
        return None
    code_raw = d.get("code")
    sc = Scope(rep, None, line)
    prefix = f"blueprint {code_raw}: " if isinstance(code_raw, str) and len(code_raw) <= MAX_CODE \
        and code_raw.isprintable() else ""
    n = len(rep.problems)
    check_keys(sc, d, ("code", "version", "group", "title", "duration_minutes", "languages",
                       "shuffle_options", "threshold", "sections"),
               ("code", "group", "duration_minutes", "languages", "threshold", "sections"), prefix)
    code = get_str(sc, d, "code", prefix + "code", pattern=ITEM_ID_RE, max_len=MAX_CODE)
    version = get_int(sc, d, "version", 1, lo=1, field=prefix + "version")
    group = get_choice(sc, d, "group", POSITION_GROUPS)
    title = get_text_map(sc, d, "title", prefix + "title", required=False)
    duration = get_int(sc, d, "duration_minutes", lo=1, hi=24 * 60, field=prefix + "duration_minutes")
    langs = get_langs(sc, d, "languages")
    shuffle = get_bool(sc, d, "shuffle_options", True)
    threshold = _read_threshold(sc, d)
    raw = d.get("sections")
    sections: list[Section | None] = []
    if raw is not None and (not isinstance(raw, list) or not raw):
        sc.add(sc.at(d, "sections"), prefix + "sections", "must be a non-empty list")
    elif raw:
        sections = [_read_section(sc, s, line_of(raw, i), known) for i, s in enumerate(raw)]
        codes = [s.code for s in sections if s is not None]
        for c in sorted({c for c in codes if codes.count(c) > 1}):
            sc.add(sc.at(d, "sections"), prefix + "sections", f"section code {c!r} is used twice")
    if len(rep.problems) > n:
        return None
    bp = Blueprint(code, version, group, title or {}, duration, langs, shuffle, threshold,
                   tuple(sections))
    if threshold.kind == "correct" and threshold.value > bp.question_count:
        sc.add(sc.at(d, "threshold"), prefix + "threshold",
               f"{threshold.value} correct answers needed but only {bp.question_count} questions")
        return None
    return bp, sc.at(d, "code")


def _read_position(rep: Reporter, d: Any, line: int | None, known: set[str] | None
                   ) -> tuple[Position, int | None] | None:
    if not isinstance(d, dict):
        rep.add(line, None, "positions", f"each position must be a mapping, not {type_name(d)}")
        return None
    sc = Scope(rep, None, line)
    n = len(rep.problems)
    keys = ("code", "department", "title", "group", "blueprint")
    check_keys(sc, d, keys, keys, "position.")
    code = get_str(sc, d, "code", "position.code", pattern=ITEM_ID_RE, max_len=MAX_CODE)
    dept = get_text_map(sc, d, "department", "position.department")
    title = get_text_map(sc, d, "title", "position.title")
    group = get_choice(sc, d, "group", POSITION_GROUPS)
    bp = get_str(sc, d, "blueprint", "position.blueprint", pattern=ITEM_ID_RE, max_len=MAX_CODE)
    if bp is not None and known is not None and bp not in known:
        sc.add(sc.at(d, "blueprint"), "position.blueprint", f"unknown blueprint {bp!r}")
    if len(rep.problems) > n:
        return None
    return Position(code, dept, title, group, bp), sc.at(d, "code")


def _load(path: str | Path, key: str, reader: Callable, known: Iterable[str] | None,
          ident: Callable[[Any], Any]) -> list[tuple[Any, str, int | None]]:
    known_set = set(known) if known is not None else None
    problems: list[Problem] = []
    found: list[tuple[Any, str, int | None]] = []
    files = list_files(path, (".yaml", ".yml", ".json"))
    if not files or not files[0][0].exists():
        raise BankError([Problem(str(path), None, None, None, f"no {key} files found")])
    for fpath, display in files:
        tree, probs = read_tree(fpath, display)
        problems.extend(probs)
        rep = Reporter(display, problems)
        if tree is None:
            continue
        if not isinstance(tree, dict):
            rep.add(line_of(tree), None, None, f"the file must be a mapping with {key}:")
            continue
        for k in tree:
            if k not in TOP_KEYS:
                rep.add(line_of(tree, k), None, str(k), "unknown top-level key")
        seq = tree.get(key)
        if seq is None:
            continue
        if not isinstance(seq, list):
            rep.add(line_of(tree, key), None, key, "must be a list")
            continue
        for i, entry in enumerate(seq):
            got = reader(rep, entry, line_of(seq, i), known_set)
            if got is not None:
                found.append((got[0], display, got[1]))
    seen: dict[Any, str] = {}
    for value, display, line in found:
        k = ident(value)
        where = f"{display}:{line}" if line is not None else display
        if k in seen:
            problems.append(Problem(display, line, None, "code",
                                    f"{' version '.join(map(str, k))} is defined twice "
                                    f"(first at {seen[k]})"))
        seen.setdefault(k, where)
    if problems:
        raise BankError(problems)
    return found


def load_blueprints_located(path: str | Path, known_topics: Iterable[str] | None = None
                            ) -> list[tuple[Blueprint, str, int | None]]:
    """Like :func:`load_blueprints`, each with the ``(file, line)`` it was read from,
    so checks against the database can still name the place."""
    return _load(path, "blueprints", _read_blueprint, known_topics, lambda b: (b.code, b.version))


def load_positions_located(path: str | Path, known_blueprints: Iterable[str] | None = None
                           ) -> list[tuple[Position, str, int | None]]:
    """Like :func:`load_positions`, each with its ``(file, line)``."""
    return _load(path, "positions", _read_position, known_blueprints, lambda p: (p.code,))


def load_blueprints(path: str | Path, known_topics: Iterable[str] | None = None) -> list[Blueprint]:
    """Load ``blueprints:`` from a file or directory; BankError lists every problem."""
    return [value for value, _, _ in load_blueprints_located(path, known_topics)]


def load_positions(path: str | Path, known_blueprints: Iterable[str] | None = None) -> list[Position]:
    """Load ``positions:`` from a file or directory; BankError lists every problem."""
    return [value for value, _, _ in load_positions_located(path, known_blueprints)]
