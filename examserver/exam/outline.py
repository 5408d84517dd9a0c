"""The drawn (newest approved) version of a position's blueprint, parsed once per process and digest.

The kiosk's confirm and instructions pages and the start all need the drawn
blueprint version of the candidate's position (languages, duration, question
count, the draw). Which version is drawn is asked of the database every
time, inside a query the caller makes anyway (:func:`latest_columns`); the
parsed :class:`Blueprint` is kept per digest, because a stored blueprint
version never changes (a change is a new version with its own digest), like
the parsed items of ``bank.store``.
"""
from __future__ import annotations

import sqlalchemy as sa

from question_bank.blueprint import Blueprint

from examserver.bank import drawn
from examserver.db import db
from examserver.models import ExamBlueprint

_PARSED: dict[str, Blueprint] = {}
_MAX_PARSED = 256


def latest_columns(code) -> tuple[sa.ScalarSelect, sa.ScalarSelect]:
    """The id and digest of the version of blueprint ``code`` that is drawn, its newest
    APPROVED version (a value, a bound parameter or a column of the outer query), as
    two scalar subqueries; NULL when no version is approved (``bank/drawn``)."""
    return drawn.drawn_columns(code)


def parsed(row_id: int | None, digest: str | None) -> Blueprint | None:
    """The parsed blueprint version ``row_id`` of that ``digest`` (its payload read only
    if not parsed yet); None for no row."""
    if row_id is None:
        return None
    found = _PARSED.get(digest)
    if found is None:
        payload = db.session.scalar(sa.select(ExamBlueprint.payload).where(ExamBlueprint.id == row_id))
        found = _keep(digest, Blueprint.from_dict(payload))
    return found


def of_row(row: ExamBlueprint) -> Blueprint:
    """The parsed form of a stored blueprint version already read."""
    found = _PARSED.get(row.digest)
    return found if found is not None else _keep(row.digest, Blueprint.from_dict(row.payload))


def _keep(digest: str, blueprint: Blueprint) -> Blueprint:
    if len(_PARSED) >= _MAX_PARSED:
        _PARSED.clear()
    _PARSED[digest] = blueprint
    return blueprint
