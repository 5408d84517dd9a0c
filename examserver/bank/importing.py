"""Importing a question bank with the review workflow's status policy.

Issue 11: "a bank import may bring items as drafts or, for an administrator
who says so, approved with the importer recorded as approver".

* **New versions** come in as **drafts**, to be reviewed in the console: a
  file's *approved* is only a proposal. With an ``approver`` (``bank import
  --approved --by ADMIN``, or the demo loader as a named system actor) the
  versions the file marks approved come in **approved**, and the approver is
  recorded in the review history with the policy's note. A version the file
  marks *draft* stays a draft and one it marks *retired* stays retired either
  way (retired is never drawn and needs nobody's approval).
* **Stored versions** belong to the workflow: an import may retire one (the
  file says *retired*; recorded as a ``retire`` step by the importer) but
  never approves, reopens or returns one. A stored version that has what the
  file says, or what this import would make of it, is unchanged (so running
  the same import twice changes nothing; *in review* reads as *draft*, since
  files know draft/approved/retired only); any other difference is kept and
  counted (``status kept``).

Everything is all-or-nothing (``store.validate_bank`` first); the history
rows are written in bulk (a big bank is tens of thousands of versions) and
the import has one audit entry of its own.
"""
from __future__ import annotations

import dataclasses
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa

from examserver import clock
from examserver.bank.store import ImportSummary, Progress, validate_bank
from examserver.core import audit
from examserver.db import db
from examserver.models import BankItem, Topic
from examserver.models.bank_review import ItemReview

BATCH = 500
APPROVED_NOTE = "import --approved"
# The comment of a system approval (demo and test data): no person reviewed these versions.
LOADER_NOTE = "loaded as demo or test data: approved by the system, not reviewed by a person"


def _file_status(status: str) -> str:
    return "draft" if status == "review" else status


def new_status(file_status: str, approved: bool) -> str:
    """The status a new version gets: the file's *approved* is a proposal that holds only when an
    administrator approves the import; *draft* and *retired* stay what they are."""
    if file_status == "approved":
        return "approved" if approved else "draft"
    return file_status


def _step(actor: audit.Actor, now: datetime, item_id: str, version: int, action: str, before: str, after: str,
          comment: str = "") -> dict:
    return dict(item_id=item_id, version=version, action=action, from_status=before, to_status=after,
                actor_kind=actor.kind, actor_id=actor.id if actor.kind == "user" else None,
                actor_name=actor.name[:120], comment=comment, at=now)


def import_bank(path: str | Path, actor: audit.Actor, *, approver: audit.Actor | None = None,
                note: str = APPROVED_NOTE, progress: Progress | None = None, dry_run: bool = False) -> ImportSummary:
    """Import a bank file or folder, all-or-nothing, with the status policy above.

    ``actor`` is the importer (recorded as the author of every new version);
    ``approver`` approves the new versions (``note`` is the history comment).
    Raises BankError listing every problem. With ``dry_run`` nothing is
    written and the summary says what would be.
    """
    bank, stored = validate_bank(path)
    summary = ImportSummary()
    now = clock.now()
    stored_topics = set(db.session.scalars(sa.select(Topic.code)))
    for code in sorted(bank.topics):
        topic = bank.topics[code]
        if topic.code not in stored_topics:
            summary.topics_added += 1
            if not dry_run:
                db.session.add(Topic(code=topic.code, section=topic.section, title=dict(topic.title)))
    if not dry_run:
        db.session.flush()
    bank_id = bank.meta.id if bank.meta else ""
    total = len(bank.items)
    rows: list[dict] = []
    steps: list[dict] = []
    approved_count = 0
    for index, item in enumerate(bank.items, 1):
        old = stored.get(item.ref)
        if old is None:
            status = new_status(item.status, approver is not None)
            item = dataclasses.replace(item, status=status)
            summary.items_added += 1
            summary.added.append(item.ref)
            rows.append(dict(item_id=item.id, version=item.version, topic_code=item.topic, status=status,
                             bank_id=bank_id, payload=item.to_dict(), digest=item.digest(), imported_at=now))
            steps.append(_step(actor, now, item.id, item.version, "imported", "",
                               "retired" if status == "retired" else "draft"))
            if status == "approved":
                approved_count += 1
                steps.append(_step(approver, now, item.id, item.version, "approve", "draft", "approved", note))
        elif _file_status(old[1]) in (item.status, new_status(item.status, approver is not None)):
            # what the file says, or what this import would have made of it (a re-run is a no-op)
            summary.items_unchanged += 1
        elif item.status == "retired":
            summary.items_status_changed += 1
            if not dry_run:
                db.session.execute(sa.update(BankItem).where(BankItem.id == old[0]).values(
                    status="retired", payload=item.to_dict(), digest=item.digest()))
            steps.append(_step(actor, now, item.id, item.version, "retire", old[1], "retired", "import"))
        else:
            summary.items_status_kept += 1
            summary.messages.append(f"{item.id} v{item.version}: the file says {item.status}, "
                                    f"the bank keeps {old[1]} (the review workflow decides)")
        if not dry_run and (len(rows) >= BATCH or len(steps) >= BATCH or index == total):
            # Plain multi-row INSERTs: a 20 MB bank is tens of thousands of rows.
            if rows:
                db.session.execute(sa.insert(BankItem), rows)
            if steps:
                db.session.execute(sa.insert(ItemReview), steps)
            rows, steps = [], []
        if progress and (index % 50 == 0 or index == total):
            progress(index, total)
    if not dry_run:
        db.session.flush()
        audit.record("bank.import", ("bank", bank_id), actor=actor, path=str(path),
                     topics_added=summary.topics_added, items_added=summary.items_added,
                     items_approved=approved_count,
                     **({"approved_by": approver.name} if approver is not None and approver.kind == "user" else {}),
                     items_unchanged=summary.items_unchanged, items_status_changed=summary.items_status_changed,
                     items_status_kept=summary.items_status_kept)
    return summary

