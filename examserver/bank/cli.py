"""``examserver bank check|import|export`` and ``examserver blueprint import``."""
from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import with_appcontext

from question_bank.errors import BankError

from examserver.core import audit
from examserver.db import db
from examserver.core.commands import progress_printer, transaction


MAX_MESSAGES = 50


# --- bank -------------------------------------------------------------------
@click.group("bank")
def bank_group():
    """Question banks: check, import, export."""


@bank_group.command("check")
@click.argument("path", type=click.Path(exists=True))
@click.option("--overlap", "overlap_path", type=click.Path(exists=True), metavar="BLUEPRINTS",
              help="Also print, for each blueprint in this file or folder, the expected share of "
                   "questions two forms drawn from PATH have in common, per section.")
@with_appcontext
def bank_check(path: str, overlap_path: str | None = None):
    """Validate a bank file or folder without importing it; list every problem.

    With a database that has a schema this is ``bank import --dry-run``
    (known topics, versions already imported with other content); without one,
    the files are checked on their own and the output says so.
    """
    from question_bank.formats import load_bank

    from examserver.bank.store import validate_bank

    with_db = _db_ready()
    try:
        if with_db:
            try:
                bank, _stored = validate_bank(path)
            finally:
                db.session.rollback()  # check never writes
        else:
            bank = load_bank(path)
    except BankError as exc:
        _exit_with_problems(exc, path)
    by_topic: dict[str, int] = {}
    for item in bank.items:
        by_topic[item.topic] = by_topic.get(item.topic, 0) + 1
    click.echo(f"{path}: OK, {len(bank.items)} items in {len(by_topic)} topics"
               + ("" if with_db else " (files only: no database schema to check against)"))
    for code in sorted(by_topic):
        click.echo(f"  {code}: {by_topic[code]}")
    if overlap_path:
        _echo_overlap(overlap_path, bank.items)


def _exit_with_problems(exc: BankError, path: str) -> None:
    """Print every problem (``file:line: item: field``) and how many, then exit 1."""
    for problem in exc.problems:
        click.echo(str(problem), err=True)
    click.echo(f"{len(exc.problems)} problem(s) in {path}", err=True)
    sys.exit(1)


def _echo_overlap(path: str, items) -> None:
    """Expected overlap of two forms per blueprint and section (question_bank.quality)."""
    from question_bank.blueprint_files import load_blueprints
    from question_bank.quality import section_overlaps

    try:
        blueprints = load_blueprints(path)
    except BankError as exc:
        _exit_with_problems(exc, path)
    click.echo("Expected share of common questions between two forms of one blueprint:")
    for bp in blueprints:
        shares = section_overlaps(bp, items)
        parts = ", ".join(f"{s.code} {shares[s.code]:.1%}" for s in bp.sections)
        click.echo(f"  {bp.code} v{bp.version}: {shares['']:.1%} ({parts})")


def _db_ready() -> bool:
    """True when the database is reachable and has the bank tables (bank check works without)."""
    import sqlalchemy as sa

    try:
        return sa.inspect(db.engine).has_table("bank_item")
    except sa.exc.SQLAlchemyError:  # unreachable: check the files on their own
        return False


@bank_group.command("import")
@click.argument("path", type=click.Path(exists=True))
@click.option("--dry-run", is_flag=True, help="Validate and report, write nothing.")
@click.option("--approved", is_flag=True, help="Approve every new version; needs --by.")
@click.option("--drafts", is_flag=True, help="Every new version comes in as a draft (the default; kept for scripts).")
@click.option("--by", metavar="USER", help="The active administrator who imports (and, with --approved, approves).")
@with_appcontext
def bank_import(path: str, dry_run: bool, approved: bool = False, drafts: bool = False, by: str | None = None):
    """Import a bank file or folder, all-or-nothing.

    New versions come in as drafts, whatever their file says, to be reviewed
    in the console (Banks); a version the file marks retired stays retired.
    With ``--approved --by USER`` (an active administrator) they come in
    approved and USER is recorded as their approver (the review history says
    "import --approved"). Stored versions keep the workflow's status: an
    import may retire one, never approve or reopen one.
    """
    if approved and drafts:
        click.echo("--approved and --drafts exclude each other", err=True)
        sys.exit(2)
    from examserver.bank.importing import import_bank

    actor = _importer(by, approved) if (approved or by) else audit.Actor.cli()
    with transaction():
        summary = import_bank(path, actor, approver=actor if approved else None,
                              progress=progress_printer("items"), dry_run=dry_run)
        if dry_run:
            db.session.rollback()
    for message in summary.messages[:MAX_MESSAGES]:
        click.echo(message, err=True)
    if len(summary.messages) > MAX_MESSAGES:
        click.echo(f"... and {len(summary.messages) - MAX_MESSAGES} more", err=True)
    added = ("approved" if approved else "drafts") if summary.items_added else ""
    click.echo(f"topics added: {summary.topics_added}; items added: {summary.items_added}"
               f"{f' ({added})' if added else ''}; status changed: {summary.items_status_changed}; "
               f"unchanged: {summary.items_unchanged}; status kept: {summary.items_status_kept}"
               f"{' (dry run)' if dry_run else ''}")


def _importer(username: str | None, approved: bool) -> audit.Actor:
    """The administrator named by --by, as the actor of the import (exits 2 otherwise)."""
    import sqlalchemy as sa

    from examserver.models import Role, User

    if not username:
        click.echo("--approved needs --by USER, the active administrator who approves", err=True)
        sys.exit(2)
    user = db.session.scalar(sa.select(User).where(User.username == username))
    if user is None or user.role != Role.ADMIN or not user.active:
        click.echo(f"--by {username}: no active administrator account of that name"
                   + (" (only an administrator may approve an import)" if approved else ""), err=True)
        sys.exit(2)
    return audit.Actor.for_user(user)


@bank_group.command("export")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="File to write (default: stdout).")
@click.option("--topic", multiple=True, help="Only these topics.")
@with_appcontext
def bank_export(output: str | None, topic: tuple[str, ...]):
    """Export stored topics and items in the native YAML format."""
    from question_bank.formats import dump_bank
    from question_bank.items import Bank

    from examserver.bank.store import known_topics, stored_items

    topics = known_topics()
    # A fixed order (id, then version), whatever order the database returns:
    # export -> import -> export gives the same bytes on every backend.
    items = sorted((i for i in stored_items() if not topic or i.topic in topic), key=lambda i: (i.id, i.version))
    text = dump_bank(Bank(meta=None, topics={c: t for c, t in topics.items() if not topic or c in topic}, items=items))
    if output:
        Path(output).write_text(text, encoding="utf-8")
        click.echo(f"{len(items)} items written to {output}", err=True)
    else:
        click.echo(text)


# --- blueprint --------------------------------------------------------------
@click.group("blueprint")
def blueprint_group():
    """Exam blueprints and positions."""


@blueprint_group.command("import")
@click.argument("path", type=click.Path(exists=True))
@click.option("--approved", is_flag=True, help="Approve every new version and its thresholds; needs --by.")
@click.option("--by", metavar="USER", help="The active administrator who imports (and, with --approved, approves).")
@with_appcontext
def blueprint_import(path: str, approved: bool = False, by: str | None = None):
    """Import blueprint and positions files; refuse blueprints the bank cannot fill.

    New versions come in unapproved: the newest approved version of each code
    stays the one drawn until an administrator approves them in the console
    (Banks, Blueprints). With ``--approved --by USER`` (an active
    administrator) they come in approved, USER recorded as their approver
    (the approval's comment says "import --approved"). A stored version is
    never approved by an import.
    """
    from examserver.bank.store import import_blueprints

    actor = _importer(by, approved) if (approved or by) else audit.Actor.cli()
    with transaction():
        summary = import_blueprints(path, actor, approver=actor if approved else None)
    added = (" (approved)" if approved else " (awaiting approval)") if summary.blueprints_added else ""
    click.echo(f"blueprints added: {summary.blueprints_added}{added} (unchanged {summary.blueprints_unchanged}); "
               f"positions added: {summary.positions_added}, updated: {summary.positions_updated}")


COMMANDS = [bank_group, blueprint_group]
