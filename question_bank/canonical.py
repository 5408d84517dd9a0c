"""Canonical JSON and an immutable, hashable mapping for frozen dataclasses."""
from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from typing import Any


def _reject_floats(value: Any) -> None:
    # Floats have no canonical text form across platforms; signed documents
    # and digests must only ever contain integers.
    if isinstance(value, float):
        raise TypeError("floats are not allowed in canonical JSON")
    if isinstance(value, Mapping):
        for v in value.values():
            _reject_floats(v)
    elif isinstance(value, (list, tuple)):
        for v in value:
            _reject_floats(v)


def canonical_json(value: Any) -> str:
    """Serialise ``value`` as canonical JSON: sorted keys, UTF-8, no spaces, no floats."""
    _reject_floats(value)
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def digest_of(value: Any) -> str:
    """SHA-256 hex digest of the canonical JSON of ``value``."""
    return hashlib.sha256(canonical_json(value).encode("utf-8")).hexdigest()


class FrozenMap(Mapping[str, Any]):
    """A read-only mapping that is hashable, so frozen dataclasses stay hashable."""

    __slots__ = ("_data", "_hash")

    def __init__(self, data: Mapping[str, Any] | None = None):
        self._data = dict(data or {})
        self._hash: int | None = None

    def __getitem__(self, key: str) -> Any:
        return self._data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __hash__(self) -> int:
        if self._hash is None:
            self._hash = hash(frozenset(self._data.items()))
        return self._hash

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Mapping):
            return self._data == dict(other)
        return NotImplemented

    def __repr__(self) -> str:
        return f"FrozenMap({self._data!r})"


def freeze(data: Mapping[str, Any] | None) -> FrozenMap:
    """Return ``data`` as a FrozenMap (unchanged if it already is one)."""
    return data if isinstance(data, FrozenMap) else FrozenMap(data)
