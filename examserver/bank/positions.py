"""The console's position editor: a position's titles, its group and the blueprint its test uses.

A position is not versioned: it names a blueprint code, and a start draws from
that blueprint's newest approved version (attempts keep the version they were given).
So a change is written in place, with the previous values in the audit entry
(``position.update``; a new one is ``position.create``). Every field is
checked with a message naming it, and the blueprint must be one for the
position's group; nothing is written otherwise.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from question_bank.blueprint import POSITION_GROUPS
from question_bank.items import ITEM_ID_RE, MAX_CODE

from examserver import clock
from examserver.bank.store import latest_blueprint
from examserver.core import audit
from examserver.core.errors import ServiceError
from examserver.db import db
from examserver.models import ExamBlueprint, Position

LANGS = ("ky", "ru")
MAX_TEXT = 500
TEXTS = ("title", "department")


def values_of(row: Position | None) -> dict[str, Any]:
    """The form values of a stored position (empty ones for a new position)."""
    if row is None:
        return {"code": "", "group": "", "blueprint": "", **{f"{k}_{lang}": "" for k in TEXTS for lang in LANGS}}
    return {"code": row.code, "group": row.group_code, "blueprint": row.blueprint_code,
            **{f"{k}_{lang}": (getattr(row, k) or {}).get(lang, "") for k in TEXTS for lang in LANGS}}


def blueprint_codes() -> list[tuple[str, str]]:
    """``(code, group)`` of every blueprint, by its newest version."""
    rows = db.session.execute(sa.select(ExamBlueprint.code, ExamBlueprint.group_code, ExamBlueprint.version)
                              .order_by(ExamBlueprint.code, ExamBlueprint.version)).all()
    return sorted({code: group for code, group, _v in rows}.items())


def _read(form: Mapping[str, str], row: Position | None) -> tuple[dict[str, Any], dict[str, str]]:
    def text(name: str) -> str:
        value = form.get(name)
        return value.strip() if isinstance(value, str) else ""

    values = {"code": row.code if row is not None else text("code").upper(), "group": text("group"),
              "blueprint": text("blueprint"), **{f"{k}_{lang}": text(f"{k}_{lang}") for k in TEXTS for lang in LANGS}}
    errors: dict[str, str] = {}
    if row is None:
        if not ITEM_ID_RE.match(values["code"]) or len(values["code"]) > MAX_CODE:
            errors["code"] = _("Enter the position's code: up to %(n)s capital latin letters, digits, _ or -.",
                               n=MAX_CODE)
        elif db.session.scalar(sa.select(Position.id).where(Position.code == values["code"])) is not None:
            errors["code"] = _("Position %(code)s already exists; change it instead.", code=values["code"])
    for key in (f"{k}_{lang}" for k in TEXTS for lang in LANGS):
        if not values[key]:
            errors[key] = _("Enter the text in this language.")
        elif len(values[key]) > MAX_TEXT:
            errors[key] = _("At most %(n)s characters.", n=MAX_TEXT)
    if values["group"] not in POSITION_GROUPS:
        errors["group"] = _("Choose the position group.")
    blueprint = latest_blueprint(values["blueprint"][:MAX_CODE]) if values["blueprint"] else None
    if blueprint is None:
        errors["blueprint"] = _("Choose the blueprint of the position's test.")
    elif "group" not in errors and blueprint.group_code != values["group"]:
        errors["blueprint"] = _("Blueprint %(code)s is for position group %(bg)s, not %(g)s.", code=blueprint.code,
                                bg=blueprint.group_code, g=values["group"])
    return values, errors


def save(row: Position | None, form: Mapping[str, str], actor: audit.Actor, comment: str = "") -> Position:
    """Create a position (``row`` None) or change one; ServiceError with ``errors`` by field otherwise."""
    values, errors = _read(form, row)
    if not isinstance(comment, str) or len(comment) > 2000:
        errors["comment"] = _("At most %(n)s characters.", n=2000)
    if errors:
        raise ServiceError(_("Correct the marked fields; nothing was saved."), "bad_position", status=422,
                           errors=errors, values=values)
    new = dict(title={lang: values[f"title_{lang}"] for lang in LANGS},
               department={lang: values[f"department_{lang}"] for lang in LANGS},
               group_code=values["group"], blueprint_code=values["blueprint"])
    if row is None:
        row = Position(code=values["code"], updated_at=clock.now(), **new)
        db.session.add(row)
        db.session.flush()
        audit.record("position.create", ("position", row.code), actor=actor, reason=comment.strip(),
                     group=row.group_code, blueprint=row.blueprint_code)
        return row
    before = {k: getattr(row, k) for k in new}
    if all(before[k] == v for k, v in new.items()):
        raise ServiceError(_("Nothing changed."), "unchanged", status=422, errors={}, values=values)
    for key, value in new.items():
        setattr(row, key, value)
    row.updated_at = clock.now()
    db.session.flush()
    # One detail per changed field, "old → new" (texts as "ky / ru"), readable on the audit page.
    audit.record("position.update", ("position", row.code), actor=actor, reason=comment.strip(),
                 **{DETAIL_KEYS[k]: f"{_shown(before[k])} → {_shown(v)}" for k, v in new.items() if v != before[k]})
    return row


DETAIL_KEYS = {"title": "title", "department": "department", "group_code": "group", "blueprint_code": "blueprint"}


def _shown(value: Any) -> str:
    return " / ".join((value or {}).get(lang, "") for lang in LANGS) if isinstance(value, dict) else str(value)


def get(code: str) -> Position | None:
    """The position ``code``, if it exists."""
    return db.session.scalar(sa.select(Position).where(Position.code == code[:MAX_CODE]))
