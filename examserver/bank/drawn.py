"""Which version of a blueprint is drawn: the newest APPROVED one (issue 11).

Seed 003 §22(б): the authority approves the test form and its thresholds.
A version made in the console (editor, upload) or imported without
``--approved`` waits for an administrator's approval (``bank.blueprints``);
until then the newest approved version of its code stays the one drawn: at
code issue and ``examserver predraw`` (``exam/predraw``), at the kiosk and
the start (``exam/outline``, ``exam/gates``), for a competition's tie-break
and its record. Once approved, a newer version is drawn from the next draw
on. A code with no approved version at all refuses to issue codes and to
start, naming the blueprint (:func:`refusal`). The bank workbench still
lists every version, each with its state (:func:`states`).

Approvals are never withdrawn, so the drawn version of a code only moves
forward.
"""
from __future__ import annotations

import sqlalchemy as sa
import sqlalchemy.orm
from flask_babel import gettext as _

from examserver import clock
from examserver.core import audit
from examserver.core.errors import ServiceError
from examserver.db import db
from examserver.models import ExamBlueprint
from examserver.models.bank_review import BlueprintApproval

# The comment of an approval given by an import (``blueprint import --approved --by ADMIN``).
APPROVED_NOTE = "import --approved"


def _is_approved(row) -> sa.Exists:
    return sa.select(BlueprintApproval.id).where(BlueprintApproval.blueprint_id == row.id).exists()


def drawn_columns(code) -> tuple[sa.ScalarSelect, sa.ScalarSelect]:
    """The id and digest of the newest approved version of blueprint ``code`` (a value, a
    bound parameter or a column of the outer query) as two scalar subqueries (NULL: none).

    They read an alias of the blueprint table, so an outer query may join the
    blueprint table itself on the id they give.
    """
    def newest(name: str) -> sa.ScalarSelect:
        row = sa.orm.aliased(ExamBlueprint)
        return (sa.select(getattr(row, name)).where(row.code == code, _is_approved(row))
                .order_by(row.version.desc()).limit(1).scalar_subquery())

    return newest("id"), newest("digest")


def drawn_blueprint(code: str) -> ExamBlueprint | None:
    """The version of blueprint ``code`` that is drawn: its newest approved one (None: no approved version)."""
    return db.session.scalar(sa.select(ExamBlueprint).where(ExamBlueprint.code == code, _is_approved(ExamBlueprint))
                             .order_by(ExamBlueprint.version.desc()).limit(1))


def has_versions(code: str) -> bool:
    """True if blueprint ``code`` has any stored version, approved or not."""
    return db.session.scalar(sa.select(ExamBlueprint.id).where(ExamBlueprint.code == code).limit(1)) is not None


def refusal(code: str, position: str = "") -> ServiceError:
    """The refusal of a draw for blueprint ``code``, which has versions but none approved,
    naming the blueprint: to the proctor or operator with the ``position`` (code issue,
    predraw), to the candidate without it (the start, :func:`start_message`)."""
    if position:
        message = _("Blueprint %(code)s of position %(position)s has no approved version: an administrator must "
                    "approve it and its thresholds (Banks, Blueprints) before its tests are drawn.",
                    code=code, position=position)
    else:
        message = start_message(code)
    return ServiceError(message, "blueprint_not_approved", status=409, blueprint=code)


def start_message(code: str) -> str:
    """What the candidate reads when the test of blueprint ``code`` cannot start for want of
    an approved version (or of any version)."""
    if not has_versions(code):
        return _("No exam blueprint is set up for this position.")
    return _("Test %(code)s cannot start: it has no approved version yet. Please call the proctor.", code=code)


def states() -> dict[int, tuple[str, int | None]]:
    """Every version's state by row id, for the workbench lists: ``("drawn", None)``
    for the version drawn now, ``("awaiting", drawn version or None)`` for an
    unapproved version newer than it, ``("superseded", drawn version)`` for an
    approved one older than it, ``("not_drawn", drawn version)`` for an
    unapproved one older than it (a newer version was approved after it)."""
    rows = db.session.execute(sa.select(ExamBlueprint.id, ExamBlueprint.code, ExamBlueprint.version,
                                        _is_approved(ExamBlueprint))).all()
    drawn: dict[str, int] = {}
    for _id, code, version, approved in rows:
        if approved and version > drawn.get(code, 0):
            drawn[code] = version
    out: dict[int, tuple[str, int | None]] = {}
    for row_id, code, version, approved in rows:
        current = drawn.get(code)
        if current == version:
            out[row_id] = ("drawn", None)
        elif current is None or version > current:
            out[row_id] = ("awaiting", current)
        else:
            out[row_id] = ("superseded" if approved else "not_drawn", current)
    return out


def record_approval(row: ExamBlueprint, actor: audit.Actor, comment: str = "",
                    audited: bool = True) -> BlueprintApproval:
    """Write the approval of one version (the caller has checked who may give it) and, unless the
    caller's own audit entry covers it (``audited=False``: an import, a tie-break), its audit entry."""
    entry = BlueprintApproval(blueprint_id=row.id, approved_by_id=actor.id if actor.kind == "user" else None,
                              approved_by=actor.name[:120], approved_at=clock.now(), comment=comment[:2000])
    db.session.add(entry)
    db.session.flush()
    if audited:
        audit.record("blueprint.approve", ("exam_blueprint", f"{row.code} v{row.version}"), actor=actor,
                     reason=comment[:2000], code=row.code, version=row.version)
    return entry
