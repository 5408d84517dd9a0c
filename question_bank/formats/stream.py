"""Read a big YAML bank file one item at a time.

``yaml.load`` first builds the node tree of the whole document (every scalar
with two marks) and only then the values: for a 20 MB bank that tree is most
of the memory. Here the top-level mapping is walked event by event (libyaml
parses), and each element of the streamed sequence (``items:``) is composed,
turned into located values and handed to a callback at once, so only one
item's nodes are alive at a time. Everything else in the file is read as
:func:`source.parse_yaml` would, with the same line numbers and duplicate-key
reports. Figures: bench/bank_load.py.
"""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from yaml.composer import Composer

from ..errors import Problem
from .source import LDict, LList, _Loader, _yaml_problem, decode_text, parse_json, read_file

OnElement = Callable[[Any, int], None]


class Streamed(LList):
    """Stands in the tree for a sequence whose elements went to the callback."""


class _StreamLoader(_Loader, Composer):  # type: ignore[misc]
    """The bank loader plus PyYAML's Python composer, driven over libyaml's events."""

    def __init__(self, stream: str):
        super().__init__(stream)
        self.anchors = {}  # Composer.__init__ is not run by the C parser's __init__
        self.at_line: int | None = None  # where the value being read starts, for non-YAML errors

    def mark(self) -> None:
        """Remember the line of the next value (reported if reading it fails without a YAML mark)."""
        self.at_line = self.peek_event().start_mark.line + 1


def _value(loader: _StreamLoader) -> Any:
    loader.mark()
    node = loader.compose_node(None, None)
    # construct_document also forgets the constructed objects, so nothing of
    # this node outlives its value.
    return loader.construct_document(node)


def _parse(loader: _StreamLoader, stream_key: str, on_element: OnElement) -> Any:
    loader.get_event()  # stream start
    if loader.check_event(yaml.StreamEndEvent):
        return None
    loader.get_event()  # document start
    if not loader.check_event(yaml.MappingStartEvent):
        value = _value(loader)  # not a mapping: the caller reports it
    else:
        start = loader.get_event()
        value = LDict()
        value.line = start.start_mark.line + 1
        while not loader.check_event(yaml.MappingEndEvent):
            key_node = loader.compose_node(None, None)
            key = loader.construct_document(key_node)
            try:
                hash(key)
            except TypeError:
                raise yaml.constructor.ConstructorError(
                    None, None, "a mapping key must be a plain value", key_node.start_mark)
            if key == stream_key and loader.check_event(yaml.SequenceStartEvent):
                seq_start = loader.get_event()
                element: Any = Streamed()
                element.line = seq_start.start_mark.line + 1
                while not loader.check_event(yaml.SequenceEndEvent):
                    loader.mark()
                    node = loader.compose_node(None, None)
                    on_element(loader.construct_document(node), node.start_mark.line + 1)
                loader.get_event()
            else:
                element = _value(loader)
            kline = key_node.start_mark.line + 1
            if key in value:
                value.duplicates.append((key, kline))
            value[key] = element
            value.key_lines[key] = kline
        loader.get_event()  # mapping end
    loader.get_event()  # document end
    if not loader.check_event(yaml.StreamEndEvent):
        mark = loader.peek_event().start_mark
        raise yaml.composer.ComposerError("expected a single document in the stream", None,
                                          "but found another document", mark)
    return value


def parse_yaml_streaming(text: str, display: str, stream_key: str, on_element: OnElement
                         ) -> tuple[Any, list[Problem]]:
    """Like ``source.parse_yaml``, but each element of the top-level ``stream_key``
    sequence goes to ``on_element(value, line)`` as soon as it is read."""
    loader = _StreamLoader(text)
    try:
        return _parse(loader, stream_key, on_element), []
    except yaml.YAMLError as exc:
        return None, [_yaml_problem(display, exc)]
    except (ValueError, TypeError, OverflowError, RecursionError) as exc:
        why = "nested too deeply" if isinstance(exc, RecursionError) else type(exc).__name__
        return None, [Problem(display, loader.at_line, None, None, f"YAML could not be read: {why}")]
    finally:
        loader.dispose()


def read_tree_streaming(path: Path, display: str, stream_key: str, on_element: OnElement
                        ) -> tuple[Any, list[Problem]]:
    """``source.read_tree`` with the ``stream_key`` elements of a YAML file streamed.

    JSON is read whole (its elements are then passed to ``on_element`` in order).
    """
    data, problems = read_file(path, display)
    if data is None:
        return None, problems
    text, problems = decode_text(data, display)
    if text is None:
        return None, problems
    if path.suffix.lower() != ".json":
        return parse_yaml_streaming(text, display, stream_key, on_element)
    tree, problems = parse_json(text, display)
    if isinstance(tree, dict) and isinstance(tree.get(stream_key), list):
        seq = tree[stream_key]
        lines = getattr(seq, "item_lines", [])
        for i, element in enumerate(seq):
            on_element(element, lines[i] if i < len(lines) else getattr(seq, "line", None))
        streamed = Streamed()
        streamed.line = getattr(seq, "line", None)
        tree[stream_key] = streamed
    return tree, problems
