"""Frozen forms a worker keeps, by digest (the save path's only large cache).

A form is immutable once drawn (invariant 4) and named by its digest, so a
worker may keep the ones it has read: nothing mutable is kept in memory,
and a digest names exactly one form. The forms are kept as tuples and dicts
(:func:`immutable`) so that the cyclic garbage collector stops walking them.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any, Callable

_FORMS: OrderedDict[str, dict] = OrderedDict()
_FORMS_LOCK = threading.Lock()
_FORMS_MAX = 2048


def immutable(value: Any) -> Any:
    """``value`` (parsed JSON) with its lists as tuples.

    Up to ``_FORMS_MAX`` forms of ~120 lists and dicts each stay in a worker;
    as lists the collector walks all of them on every full collection (a
    pause of every thread of the worker, ~50-100 ms at 2,000 forms). Tuples
    and dicts holding only strings, numbers and such tuples are untracked by
    the collector after its first look, and a frozen form must not change."""
    if isinstance(value, list):
        return tuple(immutable(v) for v in value)
    if isinstance(value, dict):
        return {k: immutable(v) for k, v in value.items()}
    return value


def form_by_digest(digest: str, load: Callable[[], dict]) -> dict:
    """The frozen form named ``digest``: kept, or ``load()``-ed once and kept."""
    with _FORMS_LOCK:
        form = _FORMS.get(digest)
        if form is not None:
            _FORMS.move_to_end(digest)
            return form
    form = immutable(load())
    with _FORMS_LOCK:
        _FORMS[digest] = form
        while len(_FORMS) > _FORMS_MAX:
            _FORMS.popitem(last=False)
    return form
