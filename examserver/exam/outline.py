"""The latest version of a position's blueprint, parsed once per process and digest.

The kiosk's confirm and instructions pages and the start all need the latest
blueprint version of the candidate's position (languages, duration, question
count, the draw). Which version is latest is asked of the database every
time, inside a query the caller makes anyway (:func:`latest_columns`); the
parsed :class:`Blueprint` is kept per digest, because a stored blueprint
version never changes (a change is a new version with its own digest), like
the parsed items of ``bank.store``.
"""
from __future__ import annotations

import sqlalchemy as sa

from question_bank.blueprint import Blueprint

from examserver.db import db
from examserver.models import ExamBlueprint

_PARSED: dict[str, Blueprint] = {}
_MAX_PARSED = 256


def latest_columns(code) -> tuple[sa.ScalarSelect, sa.ScalarSelect]:
    """The id and digest of the newest version of blueprint ``code`` (a value, a bound
    parameter or a column of the outer query) as two scalar subqueries."""
    def newest(column):
        return (sa.select(column).where(ExamBlueprint.code == code).order_by(ExamBlueprint.version.desc())
                .limit(1).scalar_subquery())

    return newest(ExamBlueprint.id), newest(ExamBlueprint.digest)


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
