"""Importing and exporting question banks, blueprints and positions.

Every import is all-or-nothing: the files are parsed and validated in full by
``question_bank``, then checked against what the database already holds
(immutable item versions, known topics, fillable blueprints); only when no
problem is left is anything written. A bank import, with its status policy,
is ``bank.importing``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

import sqlalchemy as sa
import sqlalchemy.orm

from question_bank.blueprint import Blueprint, check_fill
from question_bank.blueprint_files import load_blueprints_located, load_positions_located
from question_bank.errors import BankError, Problem
from question_bank.formats import load_bank
from question_bank.items import Bank, Item, Topic as BankTopic

from examserver import clock
from examserver.bank import drawn
from examserver.db import db
from examserver.models import BankItem, ExamBlueprint, Position, Topic
from examserver.core import audit

Progress = Callable[[int, int], None]


@dataclass
class ImportSummary:
    """What an import did (or, with ``dry_run``, would do)."""

    topics_added: int = 0
    items_added: int = 0
    items_unchanged: int = 0
    items_status_changed: int = 0
    items_status_kept: int = 0       # a stored version whose file status the workflow overrides
    blueprints_added: int = 0
    blueprints_unchanged: int = 0
    positions_added: int = 0
    positions_updated: int = 0
    messages: list[str] = field(default_factory=list)
    added: list[tuple[str, int]] = field(default_factory=list)  # (id, version) of the new item versions
    blueprints: list[ExamBlueprint] = field(default_factory=list)  # the new blueprint rows


def known_topics() -> dict[str, BankTopic]:
    """Topics in the database, as question_bank topics."""
    return {
        t.code: BankTopic(code=t.code, section=t.section, title=dict(t.title))
        for t in db.session.scalars(sa.select(Topic))
    }


def stored_items() -> list[Item]:
    """Every stored item version, of every status, as a question_bank Item.

    All versions and statuses are returned on purpose: drawing and fill checks
    use the latest version of each item and only if that one is approved, so a
    retired v2 must not let an approved v1 back in.
    """
    return [Item.from_dict(payload) for payload in db.session.scalars(sa.select(BankItem.payload))]


# Parsed items by the digest stored beside them. An (id, version) never changes
# content and the digest covers the status too, so a digest always names the
# same Item: this cache only saves JSON parsing (no mutable state in workers).
_PARSED: dict[str, Item] = {}


def _parsed(rows: list[tuple[int, str]]) -> list[Item]:
    """Items for ``(row id, digest)`` pairs; payloads are read only for digests not parsed yet."""
    missing = [row_id for row_id, digest in rows if digest not in _PARSED]
    if missing:
        for digest, payload in db.session.execute(
                sa.select(BankItem.digest, BankItem.payload).where(BankItem.id.in_(missing))):
            _PARSED[digest] = Item.from_dict(payload)
    return [_PARSED[digest] for _row_id, digest in rows]


# The latest approved items' (row id, digest) per set of topics, as read under one
# bank stamp (migration 0012: a trigger renews the stamp on every write to
# bank_item). A cache checked against the database, not state: the caller reads
# the stamp in its own transaction, and a different stamp empties the cache.
_LATEST: tuple[int | None, dict[tuple[str, ...], list[tuple[int, str]]]] = (None, {})
_MAX_LATEST = 256


def latest_items(topics: Iterable[str], stamp: int | None = None) -> list[Item]:
    """The latest version of every item in ``topics``, when that version is approved.

    The form draw runs at every code issue (and at a start without a form drawn
    ahead); reading only the blueprint's topics, newest versions only, keeps it
    cheap on a big bank. ``stamp``: the bank's stamp read in the caller's
    transaction (``exam.predraw.bank_stamp``); the rows read under the same stamp
    are kept per process, so a batch of issues (the slips of a session) reads
    the bank once per worker and set of topics. None: always read.
    """
    global _LATEST
    key = tuple(sorted(set(topics)))
    known_stamp, known = _LATEST
    if stamp is not None and known_stamp == stamp and key in known:
        return _parsed(known[key])
    newer = sa.orm.aliased(BankItem)
    is_latest = ~sa.select(newer.id).where(newer.item_id == BankItem.item_id,
                                            newer.version > BankItem.version).exists()
    # The review status is the gate: only an approved latest version is drawn
    # (bank/workflow.py; drawable_items checks the payload status as well).
    query = sa.select(BankItem.id, BankItem.digest).where(BankItem.topic_code.in_(key), is_latest,
                                                          BankItem.status == "approved")
    rows = [tuple(row) for row in db.session.execute(query)]
    if stamp is not None:
        if known_stamp != stamp or len(known) >= _MAX_LATEST:
            known = {}
        _LATEST = (stamp, {**known, key: rows})
    return _parsed(rows)


def items_for_refs(refs: Iterable[tuple[str, int]]) -> dict[tuple[str, int], Item]:
    """The exact item versions ``refs`` name (a frozen form's items)."""
    wanted = set(refs)
    rows = [(row_id, digest) for row_id, item_id, version, digest in db.session.execute(
        sa.select(BankItem.id, BankItem.item_id, BankItem.version, BankItem.digest)
        .where(BankItem.item_id.in_(sorted({item_id for item_id, _v in wanted}))))
        if (item_id, version) in wanted]
    return {item.ref: item for item in _parsed(rows)}


def _stored_content(bank: Bank) -> dict[tuple[str, int], tuple[int, str, str]]:
    """``(id, version) -> (row id, status, content digest)`` of the stored versions the bank names.

    Only the ids in the files are read (in chunks, to stay under the
    backends' bind-parameter limits), so a small import into a big bank
    stays cheap.
    """
    wanted = {item.ref for item in bank.items}
    ids = sorted({item_id for item_id, _v in wanted})
    out: dict[tuple[str, int], tuple[int, str, str]] = {}
    for start in range(0, len(ids), 500):
        rows = db.session.execute(
            sa.select(BankItem.id, BankItem.item_id, BankItem.version, BankItem.status, BankItem.payload)
            .where(BankItem.item_id.in_(ids[start:start + 500])))
        for row_id, item_id, version, status, payload in rows:
            if (item_id, version) in wanted:
                out[(item_id, version)] = (row_id, status, Item.from_dict(payload).content_digest())
    return out


def validate_bank(path: str | Path) -> tuple[Bank, dict[tuple[str, int], tuple[int, str, str]]]:
    """Everything ``bank import`` checks, without writing: the files in full, then
    the database (known topics, immutable stored versions). ``bank check`` runs
    exactly this, so check and import never disagree.

    Raises BankError listing every problem as ``file:line: item: field: message``.
    """
    bank: Bank = load_bank(path, known_topics=known_topics())
    stored = _stored_content(bank)
    problems: list[Problem] = []
    for item in bank.items:
        old = stored.get(item.ref)
        # The status (draft/approved/retired) may change in place; the content may not.
        if old is not None and old[2] != item.content_digest():
            file, line = bank.origin(item.id)
            problems.append(Problem(file or str(path), line, item.id, "version",
                                    f"version {item.version} is already imported with different content; "
                                    f"an edited item needs a new version number"))
    if problems:
        raise BankError(problems)
    return bank, stored


Located = tuple  # (value, file, line) as question_bank.blueprint_files returns them


def check_blueprints(blueprints: Iterable[Blueprint | Located], items: list[Item]) -> list[Problem]:
    """Refuse blueprints the approved items cannot fill, naming the short topic
    (and the blueprint's file and line when it is given as ``(blueprint, file, line)``)."""
    problems = []
    for entry in blueprints:
        bp, file, line = entry if isinstance(entry, tuple) else (entry, "", None)
        for message in check_fill(bp, items):
            problems.append(Problem(file, line, None, f"blueprint {bp.code}: sections", message))
    return problems


def import_blueprints(path: str | Path, actor: audit.Actor, extra_items: list[Item] | None = None, *,
                      approver: audit.Actor | None = None, note: str = drawn.APPROVED_NOTE) -> ImportSummary:
    """Import blueprint files (and positions files in the same set).

    A file holding ``positions:`` is read as a positions file. Every blueprint is
    checked against the approved items in the database. Every refusal names the
    file and line of the blueprint or position concerned.

    New versions come in unapproved: they are not drawn until an administrator
    approves them (``bank/drawn``). With an ``approver`` (``blueprint import
    --approved --by ADMIN``, or the demo and test loaders as the system actor)
    the new versions come in approved by them, ``note`` as the approval's
    comment. A stored version is never approved by an import.
    """
    blueprint_files, position_files = _split_blueprint_paths(Path(path))
    if not blueprint_files and not position_files:
        raise BankError([Problem(str(path), None, None, None, "no blueprints or positions found")])
    located_bps = [entry for f in blueprint_files for entry in load_blueprints_located(f)]
    located_positions = [entry for f in position_files for entry in load_positions_located(f)]
    blueprints = [bp for bp, _f, _l in located_bps]
    positions = [p for p, _f, _l in located_positions]
    items = stored_items() + list(extra_items or [])
    problems = check_blueprints(located_bps, items)
    stored = {(b.code, b.version): b.digest for b in db.session.scalars(sa.select(ExamBlueprint))}
    for bp, file, line in located_bps:
        if stored.get((bp.code, bp.version)) not in (None, bp.digest()):
            problems.append(Problem(file, line, None, f"blueprint {bp.code}: version",
                                    f"version {bp.version} already exists with different content; "
                                    f"an edited blueprint needs a new version number"))
    known_codes = {code for code, _v in stored} | {bp.code for bp in blueprints}
    for position, file, line in located_positions:
        if position.blueprint not in known_codes:
            problems.append(Problem(file, line, None, f"position {position.code}: blueprint",
                                    f"unknown blueprint {position.blueprint}"))
    if problems:
        raise BankError(problems)

    summary = ImportSummary()
    now = clock.now()
    for bp in blueprints:
        if (bp.code, bp.version) in stored:
            summary.blueprints_unchanged += 1
            continue
        row = ExamBlueprint(code=bp.code, version=bp.version, group_code=bp.group,
                            payload=bp.to_dict(), digest=bp.digest(), imported_at=now)
        db.session.add(row)
        summary.blueprints.append(row)
        summary.blueprints_added += 1
    existing_positions = {p.code: p for p in db.session.scalars(sa.select(Position))}
    for position in positions:
        row = existing_positions.get(position.code)
        values = dict(title=dict(position.title), department=dict(position.department),
                      group_code=position.group, blueprint_code=position.blueprint)
        if row is None:
            db.session.add(Position(code=position.code, updated_at=now, **values))
            summary.positions_added += 1
        elif any(getattr(row, k) != v for k, v in values.items()):
            for key, value in values.items():
                setattr(row, key, value)
            row.updated_at = now
            summary.positions_updated += 1
    db.session.flush()
    approved = [f"{row.code} v{row.version}" for row in summary.blueprints] if approver is not None else []
    for row in summary.blueprints if approver is not None else ():
        drawn.record_approval(row, approver, note, audited=False)   # the import's own entry names them
    audit.record("blueprint.import", ("blueprint", ""), actor=actor, path=str(path),
                 blueprints_added=summary.blueprints_added, positions_added=summary.positions_added,
                 positions_updated=summary.positions_updated,
                 **({"blueprints": approved, "approved_by": approver.name}
                    if approved and approver.kind == "user" else {}))
    return summary


def latest_blueprint(code: str) -> ExamBlueprint | None:
    """The newest version of blueprint ``code``, approved or not: what the workbench shows.
    A draw uses the newest approved version instead (``bank.drawn.drawn_blueprint``)."""
    return db.session.scalar(
        sa.select(ExamBlueprint).where(ExamBlueprint.code == code).order_by(ExamBlueprint.version.desc()).limit(1)
    )


def _split_blueprint_paths(path: Path) -> tuple[list[Path], list[Path]]:
    files = sorted(p for p in path.iterdir() if p.is_file() and not p.name.startswith(".")
                   and p.suffix.lower() in (".yaml", ".yml", ".json")) if path.is_dir() else [path]
    blueprint_files, position_files = [], []
    for f in files:
        head = f.read_text(encoding="utf-8", errors="replace")
        if _has_top_key(head, "positions"):
            position_files.append(f)
        if _has_top_key(head, "blueprints"):
            blueprint_files.append(f)
    return blueprint_files, position_files


def _has_top_key(text: str, key: str) -> bool:
    return any(line.startswith(f"{key}:") or line.startswith(f'"{key}"') or f'"{key}":' in line[:40]
               for line in text.splitlines())
