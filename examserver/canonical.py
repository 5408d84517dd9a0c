"""Canonical JSON: the one byte form used for hashes and signatures.

Sorted keys, UTF-8 (no ASCII escaping), no insignificant whitespace, and no
floats: a float anywhere is a programming error, because its text form is not
stable across platforms and databases.
"""
from __future__ import annotations

import hashlib
import json
from typing import Any


def _check(value: Any, path: str = "$") -> None:
    if isinstance(value, float):
        raise TypeError(f"float at {path}: canonical records hold integers and strings only")
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"non-string key at {path}")
            _check(item, f"{path}.{key}")
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            _check(item, f"{path}[{index}]")
    elif not (value is None or isinstance(value, (str, int, bool))):
        raise TypeError(f"{type(value).__name__} at {path} is not canonical JSON")


def canonical_bytes(value: Any) -> bytes:
    """Serialise ``value`` canonically (raises TypeError on floats and other types)."""
    _check(value)
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def digest(value: Any) -> str:
    """SHA-256 hex of the canonical form."""
    return sha256_hex(canonical_bytes(value))
