"""Read YAML/JSON files into plain values that remember their line numbers.

Mappings become :class:`LDict` and sequences :class:`LList`: ordinary ``dict``
and ``list`` subclasses that also carry the 1-based line of each key/element,
taken from the YAML node marks, so every problem can name ``file:line``.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from ..errors import Problem

EXTENSIONS = (".yaml", ".yml", ".json", ".csv")


class LDict(dict):
    """A dict with ``line`` (of the mapping) and ``key_lines`` (of each key)."""

    line: int | None = None

    def __init__(self, *a: Any, **kw: Any):
        super().__init__(*a, **kw)
        self.key_lines: dict[Any, int] = {}
        self.duplicates: list[tuple[Any, int]] = []


class LList(list):
    """A list with ``line`` (of the sequence) and ``item_lines`` (of each element)."""

    line: int | None = None

    def __init__(self, *a: Any):
        super().__init__(*a)
        self.item_lines: list[int] = []


def line_of(container: Any, key: Any = None) -> int | None:
    """Line of ``container[key]`` (or of the container itself), if known."""
    if key is None:
        return getattr(container, "line", None)
    if isinstance(container, LDict):
        return container.key_lines.get(key, container.line)
    if isinstance(container, LList) and isinstance(key, int) and key < len(container.item_lines):
        return container.item_lines[key]
    return getattr(container, "line", None)


# libyaml's parser is several times faster than the pure-Python one (a 20 MB
# bank: see bench/bank_load.py); the constructors below work with either.
_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_BaseLoader):  # type: ignore[misc, valid-type]
    """A safe loader that builds LDict/LList and records duplicate keys."""


def _construct_map(loader: _Loader, node: yaml.MappingNode) -> LDict:
    loader.flatten_mapping(node)
    d = LDict()
    d.line = node.start_mark.line + 1
    for k_node, v_node in node.value:
        key = loader.construct_object(k_node, deep=True)
        kline = k_node.start_mark.line + 1
        try:
            hash(key)
        except TypeError:
            raise yaml.constructor.ConstructorError(
                None, None, "a mapping key must be a plain value", k_node.start_mark)
        if key in d:
            # PyYAML silently keeps the last value; a repeated key is almost
            # always a copy-paste mistake, so we report it.
            d.duplicates.append((key, kline))
        d[key] = loader.construct_object(v_node, deep=True)
        d.key_lines[key] = kline
    return d


def _construct_seq(loader: _Loader, node: yaml.SequenceNode) -> LList:
    lst = LList()
    lst.line = node.start_mark.line + 1
    for child in node.value:
        lst.append(loader.construct_object(child, deep=True))
        lst.item_lines.append(child.start_mark.line + 1)
    return lst


# No implicit timestamps: a bank never holds dates, and "id: 2024-01-01" or a
# typo like "version: 2024-13-45" must arrive as text (an id, or a clear
# "must be a whole number"), not as a date object or a constructor crash.
_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in _BaseLoader.yaml_implicit_resolvers.items()
}
_Loader.add_constructor("tag:yaml.org,2002:map", _construct_map)
_Loader.add_constructor("tag:yaml.org,2002:seq", _construct_seq)


def _yaml_problem(display: str, exc: yaml.YAMLError) -> Problem:
    mark = getattr(exc, "problem_mark", None)
    line = mark.line + 1 if mark is not None else None
    msg = getattr(exc, "problem", None) or str(exc)
    ctx = getattr(exc, "context", None)
    if ctx:
        msg = f"{ctx}: {msg}"
    return Problem(display, line, None, None, f"YAML syntax error: {msg}")


def parse_yaml(text: str, display: str) -> tuple[Any, list[Problem]]:
    """Parse YAML text; returns (value, problems)."""
    try:
        return yaml.load(text, Loader=_Loader), []  # noqa: S506 - _Loader is a safe loader
    except yaml.YAMLError as exc:
        return None, [_yaml_problem(display, exc)]
    except (ValueError, TypeError, OverflowError, RecursionError) as exc:
        # The safe constructors raise these on some malformed scalars (e.g. a
        # timestamp with a day 99); deep nesting can exhaust the stack.
        return None, [Problem(display, None, None, None, f"YAML could not be read: {type(exc).__name__}")]


def parse_json(text: str, display: str) -> tuple[Any, list[Problem]]:
    """Parse JSON text; line numbers come from re-reading it as YAML where possible."""
    dups: list[str] = []

    def pairs(items: list[tuple[str, Any]]) -> dict:
        d: dict = {}
        for k, v in items:
            if k in d:
                dups.append(k)
            d[k] = v
        return d

    try:
        value = json.loads(text, object_pairs_hook=pairs)
    except json.JSONDecodeError as exc:
        return None, [Problem(display, exc.lineno, None, None, f"JSON syntax error: {exc.msg}")]
    problems = [Problem(display, None, None, None, f"key {k!r} appears twice") for k in dups]
    # JSON is (nearly) YAML, and the YAML reader knows line numbers. If the
    # YAML reading disagrees with the JSON one, keep JSON and do without lines.
    located, yproblems = parse_yaml(text, display)
    if not yproblems and located == value:
        if dups:
            return located, []  # the YAML reader reports the duplicates with lines
        return located, problems
    return value, problems


def read_file(path: Path, display: str) -> tuple[bytes | None, list[Problem]]:
    """The file's bytes, or a problem saying why it cannot be read (permissions, a vanished file)."""
    try:
        return path.read_bytes(), []
    except OSError as exc:
        return None, [Problem(display, None, None, None, f"cannot be read: {exc.strerror or exc}")]


def decode_text(data: bytes, display: str) -> tuple[str | None, list[Problem]]:
    """Decode UTF-8 (an initial BOM is dropped); native files must be UTF-8."""
    try:
        return data.decode("utf-8-sig"), []
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return None, [Problem(display, line, None, None, "the file is not valid UTF-8")]


def read_tree(path: Path, display: str) -> tuple[Any, list[Problem]]:
    """Read a .yaml/.yml/.json file into located values."""
    data, problems = read_file(path, display)
    if data is None:
        return None, problems
    text, problems = decode_text(data, display)
    if text is None:
        return None, problems
    if path.suffix.lower() == ".json":
        return parse_json(text, display)
    return parse_yaml(text, display)


def list_files(path: str | Path, extensions: tuple[str, ...] = EXTENSIONS) -> list[tuple[Path, str]]:
    """The files a PATH argument names: itself, or its matching files sorted by name.

    Returns ``(path, display name)`` pairs; the display name is what problems show.
    """
    p = Path(path)
    if p.is_dir():
        # Dot-files are editor backups and lock files, never content.
        files = sorted(f for f in p.iterdir()
                       if f.is_file() and not f.name.startswith(".")
                       and f.suffix.lower() in extensions)
        return [(f, str(Path(str(path)) / f.name)) for f in files]
    return [(p, str(path))]
