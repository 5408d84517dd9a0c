"""The latest version of a position's blueprint, parsed once per process and digest.

The kiosk's confirm and instructions pages and the start all need the latest
blueprint version of the candidate's position (languages, duration, question
count, the draw). Which version is latest is asked of the database every
time (one indexed query); the parsed :class:`Blueprint` is kept per digest,
because a stored blueprint version never changes (a change is a new version
with its own digest), like the parsed items of ``bank.store``.
"""
from __future__ import annotations

from question_bank.blueprint import Blueprint

from examserver.bank.store import latest_blueprint
from examserver.models import ExamBlueprint

_PARSED: dict[str, Blueprint] = {}
_MAX_PARSED = 256


def latest(code: str) -> tuple[ExamBlueprint, Blueprint] | None:
    """The newest stored version of blueprint ``code`` and its parsed form, or None."""
    row = latest_blueprint(code)
    if row is None:
        return None
    parsed = _PARSED.get(row.digest)
    if parsed is None:
        parsed = Blueprint.from_dict(row.payload)
        if len(_PARSED) >= _MAX_PARSED:
            _PARSED.clear()
        _PARSED[row.digest] = parsed
    return row, parsed
