"""Wording helpers every printed protocol uses (testing, session, appeal,
competition): the text of a ``{lang: text}`` mapping and a printed moment.

Kept apart from ``texts`` so that each protocol kind's texts module can use
them without importing the others."""
from __future__ import annotations

from typing import Any


def pick(texts: Any, lang: str) -> str:
    """The ``lang`` text of a ``{lang: text}`` mapping, else Russian, else any."""
    if not isinstance(texts, dict):
        return str(texts or "")
    return texts.get(lang) or texts.get("ru") or next(iter(texts.values()), "")


def when(moment: dict | None) -> str:
    """``2026-11-23 09:05:00 (UTC 03:05:00)`` from a record moment."""
    if not moment:
        return "—"
    local, utc = moment["local"], moment["utc"]
    return f"{local[:10]} {local[11:19]} (UTC {utc[11:19]})"
