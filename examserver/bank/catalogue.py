"""Reading the bank for the console: item search, versions and their differences."""
from __future__ import annotations

import difflib
from dataclasses import dataclass

import sqlalchemy as sa
import sqlalchemy.orm

from examserver.db import db
from examserver.models import BankItem, Topic
from examserver.models.bank_review import ItemReview

MAX_QUERY = 200


@dataclass
class ItemRow:
    """One line of the item list: the latest version of an item."""

    item_id: str
    version: int
    topic: str
    status: str
    text: dict
    author: str


def search(query: str = "", topic: str = "", status: str = "", author: str = "",
           limit: int = 50, offset: int = 0) -> tuple[list[ItemRow], int]:
    """Latest versions matching every given filter; ``query`` looks in the id, the texts
    (either language) and the source (law/article). Returns (rows, total)."""
    newer = sa.orm.aliased(BankItem)
    is_latest = ~sa.select(newer.id).where(newer.item_id == BankItem.item_id,
                                            newer.version > BankItem.version).exists()
    creator = (sa.select(ItemReview.actor_name).where(ItemReview.item_id == BankItem.item_id,
                                                      ItemReview.version == BankItem.version,
                                                      ItemReview.action.in_(("created", "imported")))
               .order_by(ItemReview.id).limit(1).scalar_subquery())
    cond = [is_latest]
    if topic:
        cond.append(BankItem.topic_code == topic[:40])
    if status:
        cond.append(BankItem.status == status[:16])
    if author:
        cond.append(creator == author[:120])
    rows = db.session.execute(sa.select(BankItem, creator).where(*cond).order_by(BankItem.item_id)).all()
    q = " ".join(query.split())[:MAX_QUERY].casefold()
    if q:
        # Texts are JSON (escaped differently per backend): match in Python, in every language.
        rows = [(r, name) for r, name in rows if q in _haystack(r.payload)]
    return [ItemRow(r.item_id, r.version, r.topic_code, r.status, dict(r.payload["text"]), name or "")
            for r, name in rows[offset:offset + limit]], len(rows)


def _haystack(payload: dict) -> str:
    parts = [payload["id"], payload["topic"], payload.get("source", ""), *payload["text"].values()]
    parts += [t for opt in payload["options"] for t in opt["text"].values()]
    return " ".join(" ".join(parts).split()).casefold()


def versions(item_id: str) -> list[BankItem]:
    """Every stored version of an item, newest first."""
    return list(db.session.scalars(sa.select(BankItem).where(BankItem.item_id == item_id)
                                   .order_by(BankItem.version.desc())))


def _lines(payload: dict) -> list[str]:
    out = [f"topic: {payload['topic']}", f"source: {payload.get('source', '')}"]
    for lang, text in sorted(payload["text"].items()):
        out.append(f"text[{lang}]: {text}")
    for opt in payload["options"]:
        mark = "*" if opt["id"] in payload["key"] else " "
        for lang, text in sorted(opt["text"].items()):
            out.append(f"{mark} {opt['id']}[{lang}]: {text}")
    return out


def diff(old: BankItem, new: BankItem) -> list[str]:
    """A unified diff of two versions, one line per text ('*' marks a key option)."""
    return list(difflib.unified_diff(_lines(old.payload), _lines(new.payload), f"v{old.version}",
                                     f"v{new.version}", lineterm="", n=0))


def topics() -> list[Topic]:
    """All topics, by code."""
    return list(db.session.scalars(sa.select(Topic).order_by(Topic.code)))


def authors() -> list[str]:
    """Names of everyone who created or imported an item version."""
    return list(db.session.scalars(sa.select(ItemReview.actor_name).where(
        ItemReview.action.in_(("created", "imported"))).distinct().order_by(ItemReview.actor_name)))
