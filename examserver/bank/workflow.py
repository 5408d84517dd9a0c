"""The review workflow of bank items: draft -> in review -> approved -> retired.

Seed 003 §24: the testing institution develops, corrects, updates **and
approves** the test questions. Every step is recorded in ``bank_item_review``
(actor, time, comment) and in the audit log. Editing never changes a stored
``(id, version)``: it adds a new version as a draft (invariant 4). An author
never approves their own version (four eyes). Only the latest version of an
item, when approved, is drawn (``question_bank.items.drawable_items``), so a
new version under review takes the item out of the draw until it is approved.

The status lives in the ``bank_item.status`` column and, for the draw, in the
payload; 'review' is written to the payload as 'draft' (files know only
draft/approved/retired, so an exported bank always reads back).
"""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from question_bank.errors import Problem
from question_bank.formats.dump import item_to_native
from question_bank.formats.fields import Reporter
from question_bank.formats.native import read_item
from question_bank.items import Item

from examserver import clock
from examserver.bank.importing import APPROVED_NOTE, LOADER_NOTE
from examserver.core import audit
from examserver.core.errors import Conflict, Forbidden, NotFound, ServiceError
from examserver.db import db
from examserver.models import BankItem, Topic
from examserver.models.bank_review import ItemReview

# action -> (statuses it starts from, status it leads to)
TRANSITIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "submit": (("draft",), "review"),
    "return": (("review",), "draft"),
    "approve": (("review",), "approved"),
    "retire": (("draft", "review", "approved"), "retired"),
}
MAX_COMMENT = 2000
STATUS_LABELS = {"draft": _l("draft"), "review": _l("in review"), "approved": _l("approved"),
                 "retired": _l("retired")}
# Comments the system writes into the review history (stored in English), shown in words.
SYSTEM_COMMENTS = {APPROVED_NOTE: _l("approved on import by the administrator who imported (bank import --approved)"),
                   "import": _l("retired by a bank import (its file says retired)"),
                   LOADER_NOTE: _l("demo or test data: approved by the system, not reviewed by a person")}
ACTION_LABELS = {"created": _l("created"), "imported": _l("imported"), "submit": _l("sent for review"),
                 "return": _l("returned to the author"), "approve": _l("approved"), "retire": _l("retired")}


def _payload_status(status: str) -> str:
    return "draft" if status == "review" else status


def get_version(item_id: str, version: int | None = None) -> BankItem:
    """One stored version (the latest when ``version`` is None); NotFound otherwise."""
    query = sa.select(BankItem).where(BankItem.item_id == item_id)
    if version is not None:
        query = query.where(BankItem.version == version)
    row = db.session.scalar(query.order_by(BankItem.version.desc()).limit(1))
    if row is None:
        raise NotFound(_("No such item: %(item)s.", item=item_id), "no_item")
    return row


def history(item_id: str) -> list[ItemReview]:
    """Every recorded step of every version of ``item_id``, oldest first."""
    return list(db.session.scalars(sa.select(ItemReview).where(ItemReview.item_id == item_id)
                                   .order_by(ItemReview.at, ItemReview.id)))


def author_of(row: BankItem) -> ItemReview | None:
    """The step that created this version (an edit in the console or an import), if recorded."""
    return db.session.scalar(sa.select(ItemReview).where(
        ItemReview.item_id == row.item_id, ItemReview.version == row.version,
        ItemReview.action.in_(("created", "imported"))).order_by(ItemReview.id).limit(1))


def _log(row: BankItem, action: str, before: str, actor: audit.Actor, comment: str, audited: bool = True) -> ItemReview:
    step = ItemReview(item_id=row.item_id, version=row.version, action=action, from_status=before,
                      to_status=row.status, actor_kind=actor.kind,
                      actor_id=actor.id if actor.kind == "user" else None,
                      actor_name=actor.name[:120], comment=comment, at=clock.now())
    db.session.add(step)
    db.session.flush()
    if audited:  # an import has one audit entry of its own ("bank.import"), not one per item
        audit.record(f"bank.item.{action}", ("bank_item", f"{row.item_id} v{row.version}"), actor=actor,
                     reason=comment, item_id=row.item_id, version=row.version, status=row.status)
    return step


def _check_comment(comment: Any) -> str:
    if not isinstance(comment, str) or len(comment) > MAX_COMMENT:
        raise ServiceError(_("The comment must be text of at most %(n)s characters.", n=MAX_COMMENT),
                           "bad_comment", status=422)
    return comment.strip()


def transition(row: BankItem, action: str, actor: audit.Actor, comment: str = "") -> BankItem:
    """Move one version along the workflow; refuses wrong states and self-approval (four eyes)."""
    comment = _check_comment(comment)
    if action not in TRANSITIONS:
        raise ServiceError(_("Unknown action."), "bad_action", status=422)
    sources, target = TRANSITIONS[action]
    if row.status not in sources:
        raise Conflict(_("Item %(item)s version %(version)s is %(status)s; this step is not possible now.",
                         item=row.item_id, version=row.version, status=STATUS_LABELS.get(row.status, row.status)),
                       "bad_state")
    if action == "approve":
        author = author_of(row)
        if author is not None and author.actor_id is not None and actor.kind == "user" \
                and author.actor_id == actor.id:
            raise Forbidden(_("An author cannot approve their own item; another administrator must review it."),
                            "four_eyes")
    if action == "return" and not comment:
        raise ServiceError(_("Say what must be corrected when returning an item."), "comment_needed", status=422)
    before = row.status
    row.status = target
    payload = dict(row.payload)
    payload["status"] = _payload_status(target)
    row.payload = payload
    row.digest = Item.from_dict(payload).digest()
    db.session.flush()
    _log(row, action, before, actor, comment)
    return row


def new_version(base: BankItem | None, fields: dict[str, Any], actor: audit.Actor, comment: str = "") -> BankItem:
    """Store an edited item as a new draft version (or a new item when ``base`` is None).

    ``fields`` is a native item mapping (as in a bank file: ``text``,
    ``options`` with ``{id, ky, ru}``, ``key``, ``topic``, ``source``...);
    problems are refused with their field names, as a bank import would.
    """
    comment = _check_comment(comment)
    native = item_to_native(Item.from_dict(base.payload)) if base is not None else {}
    native.update({k: v for k, v in fields.items() if k not in ("id", "version", "status")})
    item_id = base.item_id if base is not None else fields.get("id")
    native["id"] = item_id
    latest = None
    if base is not None or isinstance(item_id, str):
        latest = db.session.scalar(sa.select(sa.func.max(BankItem.version)).where(BankItem.item_id == item_id))
    if base is None and latest is not None:
        raise Conflict(_("Item %(item)s already exists; edit it to make a new version.", item=item_id), "exists")
    native["version"] = (latest or 0) + 1
    native["status"] = "draft"
    rep = Reporter("console")
    located = read_item(rep, native, None)
    if located is not None and located.ok and db.session.get(Topic, located.value.topic) is None:
        rep.add(None, item_id, "topic", f"unknown topic {located.value.topic}")
    if rep.problems or located is None or not located.ok:
        raise ServiceError(_("The item has problems: %(problems)s",
                             problems="; ".join(_problem(p) for p in rep.problems)), "bad_item", status=422)
    item: Item = located.value
    row = BankItem(item_id=item.id, version=item.version, topic_code=item.topic, status="draft",
                   bank_id=base.bank_id if base is not None else "", payload=item.to_dict(),
                   digest=item.digest(), imported_at=clock.now())
    db.session.add(row)
    db.session.flush()
    _log(row, "created", "", actor, comment)
    return row


def _problem(p: Problem) -> str:
    return ": ".join(str(x) for x in (p.field, p.message) if x)
