"""Small field checkers shared by the bank, blueprint and position readers.

Each checker records problems in a :class:`Reporter` and returns the value
(or ``None`` when it is unusable), so a reader can go on and collect every
problem of a file instead of stopping at the first one.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..errors import Problem
from ..items import LANGUAGES, MAX_INT, MAX_SHORT_TEXT
from ..text import describe, text_problem
from .source import line_of

MISSING = object()


class Reporter:
    """Collects problems for one file."""

    def __init__(self, file: str, problems: list[Problem] | None = None):
        self.file = file
        self.problems: list[Problem] = problems if problems is not None else []

    def add(self, line: int | None, item: str | None, field: str | None, message: str) -> None:
        """Record one problem."""
        self.problems.append(Problem(self.file, line, item, field, message))


class Scope:
    """Where we are: a reporter, the item id (if any) and a fallback line."""

    def __init__(self, rep: Reporter, item: str | None, line: int | None):
        self.rep, self.item, self.line = rep, item, line

    def at(self, container: Any, key: Any = None) -> int | None:
        """Line of ``container[key]``, falling back to the scope's line."""
        return line_of(container, key) or self.line

    def add(self, line: int | None, field: str | None, message: str) -> None:
        """Record a problem in this scope."""
        self.rep.add(line or self.line, self.item, field, message)


def shown(value: Any, limit: int = 60) -> str:
    """``repr(value)`` cut to ``limit`` characters, for echoing input in a message."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def type_name(value: Any) -> str:
    """A reader-friendly name of a value's YAML type."""
    if value is None:
        return "nothing"
    for t, name in ((bool, "true/false"), (int, "a number"), (float, "a decimal number"),
                    (str, "text"), (list, "a list"), (dict, "a mapping")):
        if isinstance(value, t):
            return name
    return type(value).__name__


def check_keys(sc: Scope, d: dict, allowed: Iterable[str], required: Iterable[str] = (),
               prefix: str = "") -> None:
    """Report unknown, repeated and missing keys of mapping ``d``."""
    allowed = set(allowed)
    for key in d:
        if key not in allowed:
            sc.add(sc.at(d, key), f"{prefix}{key}", "unknown key")
    for key, line in getattr(d, "duplicates", ()):
        sc.add(line, f"{prefix}{key}", "key appears twice")
    for key in required:
        if key not in d:
            sc.add(sc.at(d), f"{prefix}{key}", "missing")


def text_ok(sc: Scope, line: int | None, field: str, value: str, limit: int,
            allow_newlines: bool = True) -> bool:
    """Report a text that is too long or damaged (control characters, U+FFFD, cp1251 '?')."""
    if len(value) > limit:
        sc.add(line, field, f"too long: {len(value)} characters (at most {limit})")
        return False
    kind = text_problem(value, allow_newlines)
    if kind is not None:
        sc.add(line, field, describe(kind, value, allow_newlines))
        return False
    return True


def get_str(sc: Scope, d: dict, key: str, field: str | None = None, default: Any = MISSING,
            pattern: Any = None, allow_int: bool = False, max_len: int = MAX_SHORT_TEXT) -> str | None:
    """A non-empty string field (optionally matching ``pattern``), at most ``max_len`` long."""
    field = field or key
    value = d.get(key, default)
    if value is MISSING:
        return None  # check_keys reports it
    if allow_int and isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        sc.add(sc.at(d, key), field, f"must be text, not {type_name(value)}")
        return None
    if value == default:
        return value
    if not value.strip():
        sc.add(sc.at(d, key), field, "must not be empty")
        return None
    if len(value) > max_len:
        # Checked before the pattern, so a huge id is not echoed back whole.
        sc.add(sc.at(d, key), field, f"too long: {len(value)} characters (at most {max_len})")
        return None
    if pattern is not None and not pattern.fullmatch(value):
        sc.add(sc.at(d, key), field, f"{shown(value)} does not match {pattern.pattern}")
        return None
    if pattern is None and not text_ok(sc, sc.at(d, key), field, value, max_len, allow_newlines=False):
        return None
    return value


def get_int(sc: Scope, d: dict, key: str, default: Any = MISSING, lo: int | None = None,
            hi: int | None = None, field: str | None = None) -> int | None:
    """An integer field within ``lo..hi``."""
    field = field or key
    value = d.get(key, default)
    if value is MISSING:
        return None
    if not isinstance(value, int) or isinstance(value, bool):
        sc.add(sc.at(d, key), field, f"must be a whole number, not {type_name(value)} {shown(value)}")
        return None
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        rng = f"{lo}..{hi}" if hi is not None else f"at least {lo}"
        sc.add(sc.at(d, key), field, f"must be {rng}, got {shown(value)}")
        return None
    if value > MAX_INT or value < -MAX_INT:
        # Every whole number lands in an INTEGER column or is compared with one.
        sc.add(sc.at(d, key), field, f"must be at most {MAX_INT}, got {shown(value)}")
        return None
    return value


def get_bool(sc: Scope, d: dict, key: str, default: bool, field: str | None = None) -> bool | None:
    """A true/false field."""
    value = d.get(key, default)
    if not isinstance(value, bool):
        sc.add(sc.at(d, key), field or key, f"must be true or false, not {type_name(value)}")
        return None
    return value


def get_choice(sc: Scope, d: dict, key: str, choices: Iterable[str], default: Any = MISSING,
               field: str | None = None) -> str | None:
    """A string field that must be one of ``choices``."""
    choices = tuple(choices)
    value = d.get(key, default)
    if value is MISSING:
        return None
    if not isinstance(value, str) or value not in choices:
        sc.add(sc.at(d, key), field or key, f"{shown(value)} is not one of {', '.join(choices)}")
        return None
    return value


def get_langs(sc: Scope, d: dict, key: str, default: Any = MISSING,
              field: str | None = None) -> tuple[str, ...] | None:
    """A non-empty list of distinct known language codes."""
    name = field or key
    value = d.get(key, default)
    if value is MISSING:
        return None
    if not isinstance(value, list) or not value:
        sc.add(sc.at(d, key), name, "must be a non-empty list of language codes")
        return None
    bad = [v for v in value if not isinstance(v, str) or v not in LANGUAGES]
    if bad:
        sc.add(sc.at(d, key), name, f"unknown language {shown(bad[0])} (known: {', '.join(LANGUAGES)})")
        return None
    if len(set(value)) != len(value):
        sc.add(sc.at(d, key), name, "a language is listed twice")
        return None
    return tuple(value)


def get_text_map(sc: Scope, d: dict, key: str, field: str | None = None,
                 required: bool = True, max_len: int = MAX_SHORT_TEXT) -> dict[str, str] | None:
    """A ``{lang: text}`` mapping with known languages and non-empty texts."""
    field = field or key
    value = d.get(key, MISSING)
    if value is MISSING:
        return None if required else {}
    if not isinstance(value, dict) or not value:
        sc.add(sc.at(d, key), field, "must be a mapping of language to text, e.g. {ky: ..., ru: ...}")
        return None
    return check_lang_texts(sc, value, value.keys(), field, max_len)


def check_lang_texts(sc: Scope, d: dict, langs: Iterable[Any], field: str,
                     max_len: int = MAX_SHORT_TEXT) -> dict[str, str] | None:
    """Check ``d[lang]`` for each lang: a known language and a non-empty text."""
    out: dict[str, str] = {}
    ok = True
    for lang in langs:
        text = d[lang]
        where = f"{field}.{lang}"
        if not isinstance(lang, str) or lang not in LANGUAGES:
            if not isinstance(lang, str) or len(lang) > 20:
                where = f"{field}.{shown(lang, 20)}"
            sc.add(sc.at(d, lang), where, f"unknown language (known: {', '.join(LANGUAGES)})")
            ok = False
        elif not isinstance(text, str):
            sc.add(sc.at(d, lang), where, f"must be text, not {type_name(text)}")
            ok = False
        elif not text.strip():
            sc.add(sc.at(d, lang), where, "empty text")
            ok = False
        elif not text_ok(sc, sc.at(d, lang), where, text, max_len):
            ok = False
        else:
            out[lang] = text
    return out if ok else None
