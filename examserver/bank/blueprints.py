"""Blueprints in the console: the approval of a version's thresholds, and the live feasibility check.

Seed 003 §22(б): the authority approves the test form and its thresholds.
A version made in the console (editor or upload) records its author
(``blueprint_author``); another administrator approves it (four eyes).
A version imported on the command line has no recorded author. Only an
approved version is drawn (``bank/drawn``): a new one waits for its approval.
"""
from __future__ import annotations

import math
import tempfile
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from flask_babel import gettext as _
from werkzeug.utils import secure_filename

from question_bank.blueprint import Blueprint
from question_bank.errors import BankError
from question_bank.items import drawable_items

from examserver import clock
from examserver.bank import drawn
from examserver.bank.store import ImportSummary, import_blueprints, latest_items
from examserver.core import audit
from examserver.core.errors import Conflict, Forbidden, NotFound, ServiceError
from examserver.db import db
from examserver.models import ExamBlueprint, Position
from examserver.models.bank_review import BlueprintApproval, BlueprintAuthor


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


def author(row: ExamBlueprint) -> BlueprintAuthor | None:
    """Who made this version in the console, if it was made there."""
    return db.session.scalar(sa.select(BlueprintAuthor).where(BlueprintAuthor.blueprint_id == row.id))


def record_author(row: ExamBlueprint, actor: audit.Actor, comment: str = "") -> BlueprintAuthor:
    """Record who made a blueprint version in the console (the four-eyes check of its approval reads it)."""
    entry = BlueprintAuthor(blueprint_id=row.id, author_id=actor.id if actor.kind == "user" else None,
                            author=actor.name[:120], created_at=clock.now(), comment=comment[:2000])
    db.session.add(entry)
    db.session.flush()
    return entry


def approve(row: ExamBlueprint, actor: audit.Actor, comment: str = "") -> BlueprintApproval:
    """Record the approval of a blueprint version and its thresholds (once per version);
    the administrator who made the version in the console cannot approve it (four eyes).
    From the next draw on, the newest approved version is drawn (``bank/drawn``)."""
    if approval(row) is not None:
        raise Conflict(_("This blueprint version is already approved."), "already_approved")
    made = author(row)
    if made is not None and made.author_id is not None and actor.kind == "user" and actor.id == made.author_id:
        raise Forbidden(_("The administrator who made this version cannot approve it; another administrator "
                          "must."), "four_eyes")
    return drawn.record_approval(row, actor, comment)


def feasibility(row: ExamBlueprint) -> list[TopicFill]:
    """The feasibility of a stored version (see :func:`feasibility_of`)."""
    return feasibility_of(Blueprint.from_dict(row.payload))


def feasibility_of(bp: Blueprint) -> list[TopicFill]:
    """Per topic: the quota against the approved, drawable items, the number of distinct
    question sets that allows, and the expected overlap of two random forms (need² / have)."""
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


MAX_UPLOAD = 2 * 1024 * 1024


def import_upload(data: bytes, filename: str, actor: audit.Actor) -> ImportSummary:
    """Import an uploaded blueprints or positions file (YAML/JSON), all-or-nothing, as
    ``examserver blueprint import`` does; a refusal lists every problem as ``file:line: ...``."""
    name = secure_filename(filename or "") or "upload.yaml"
    if not name.lower().endswith((".yaml", ".yml", ".json")):
        raise ServiceError(_("Upload a YAML or JSON file of blueprints or positions."), "bad_file", status=422)
    if len(data) > MAX_UPLOAD:
        raise ServiceError(_("The file is larger than %(n)s MB.", n=MAX_UPLOAD // (1024 * 1024)), "too_big",
                           status=413)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(data)
        try:
            summary = import_blueprints(path, actor)
        except BankError as exc:
            problems = [str(p).replace(folder + "/", "") for p in exc.problems]
            raise ServiceError(_("The file was not imported: %(problems)s", problems="; ".join(problems[:20])),
                               "bad_blueprints", status=422, problems=problems) from None
    db.session.flush()
    for row in summary.blueprints:   # the uploader made these versions: another administrator approves them
        record_author(row, actor, f"upload {name}")
    return summary
