"""Blueprints in the console: the approval of a version's thresholds, and the live feasibility check.

Seed 003 §22(б): the authority approves the test form and its thresholds.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _

from question_bank.blueprint import Blueprint
from question_bank.items import drawable_items

from examserver import clock
from examserver.bank.store import latest_items
from examserver.core import audit
from examserver.core.errors import Conflict, NotFound
from examserver.db import db
from examserver.models import ExamBlueprint, Position
from examserver.models.bank_review import BlueprintApproval


@dataclass
class TopicFill:
    """One topic of a blueprint: items needed, approved items drawable, and what that allows."""

    topic: str
    need: int
    have: int
    combinations: int          # distinct question sets of this topic
    expected_overlap: float    # questions of this topic two random forms share, on average


def all_versions() -> list[ExamBlueprint]:
    """Every blueprint version, by code then newest first."""
    return list(db.session.scalars(sa.select(ExamBlueprint).order_by(ExamBlueprint.code,
                                                                     ExamBlueprint.version.desc())))


def get(code: str, version: int) -> ExamBlueprint:
    """One blueprint version; NotFound otherwise."""
    row = db.session.scalar(sa.select(ExamBlueprint).where(ExamBlueprint.code == code,
                                                           ExamBlueprint.version == version))
    if row is None:
        raise NotFound(_("No such blueprint: %(code)s.", code=code), "no_blueprint")
    return row


def approval(row: ExamBlueprint) -> BlueprintApproval | None:
    """Who approved this version and when, if anyone did."""
    return db.session.scalar(sa.select(BlueprintApproval).where(BlueprintApproval.blueprint_id == row.id))


def approve(row: ExamBlueprint, actor: audit.Actor, comment: str = "") -> BlueprintApproval:
    """Record the approval of a blueprint version and its thresholds (once per version)."""
    if approval(row) is not None:
        raise Conflict(_("This blueprint version is already approved."), "already_approved")
    entry = BlueprintApproval(blueprint_id=row.id, approved_by_id=actor.id if actor.kind == "user" else None,
                              approved_by=actor.name[:120], approved_at=clock.now(), comment=comment[:2000])
    db.session.add(entry)
    db.session.flush()
    audit.record("blueprint.approve", ("exam_blueprint", f"{row.code} v{row.version}"), actor=actor,
                 reason=comment[:2000], code=row.code, version=row.version)
    return entry


def feasibility(row: ExamBlueprint) -> list[TopicFill]:
    """Per topic: the quota against the approved, drawable items, the number of distinct
    question sets that allows, and the expected overlap of two random forms (need² / have)."""
    bp = Blueprint.from_dict(row.payload)
    demand = bp.demand()
    pool = drawable_items(latest_items(demand))
    have: dict[str, int] = {}
    for item in pool.values():
        have[item.topic] = have.get(item.topic, 0) + 1
    out = []
    for topic, need in demand.items():
        n = have.get(topic, 0)
        out.append(TopicFill(topic, need, n, math.comb(n, need) if n >= need else 0,
                             need * need / n if n >= need and n else float(need)))
    return out


def positions(blueprint_code: str | None = None) -> list[Position]:
    """Positions (of one blueprint code, or all), by code."""
    query = sa.select(Position).order_by(Position.code)
    if blueprint_code:
        query = query.where(Position.blueprint_code == blueprint_code)
    return list(db.session.scalars(query))
