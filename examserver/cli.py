"""The ``examserver`` command line (click, registered with Flask's CLI).

Each command runs in one transaction: it commits once at the end, and rolls
back everything if it fails.
"""
from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext

from question_bank.errors import BankError

from .db import db
from .services import audit


@contextlib.contextmanager
def transaction():
    """Commit once if the block succeeds; roll back and exit 1 on a refusal."""
    from .services.errors import ServiceError

    try:
        yield
        db.session.commit()
    except BankError as exc:
        db.session.rollback()
        for problem in exc.problems:
            click.echo(str(problem), err=True)
        click.echo(f"{len(exc.problems)} problem(s); nothing was imported.", err=True)
        sys.exit(1)
    except ServiceError as exc:
        db.session.rollback()
        click.echo(f"error: {exc.message}", err=True)
        sys.exit(1)
    except BaseException:
        db.session.rollback()
        raise


def progress_printer(label: str):
    interactive = sys.stderr.isatty()

    def show(done: int, total: int) -> None:
        # A live counter on a terminal; just the final count in logs.
        if interactive:
            click.echo(f"\r{label}: {done}/{total}", nl=done == total, err=True)
        elif done == total:
            click.echo(f"{label}: {done}/{total}", err=True)

    return show


# --- db ---------------------------------------------------------------------
@click.group("db")
def db_group():
    """Database schema (Alembic migrations)."""


@db_group.command("upgrade")
@click.option("--revision", default="heads", show_default=True)
@with_appcontext
def db_upgrade(revision: str):
    """Create or update the schema by running the migrations."""
    from .migrate import upgrade

    upgrade(current_app, revision)
    click.echo(f"database at {revision}: {current_app.config['DATABASE_URL'].split('@')[-1]}")


@db_group.command("current")
@with_appcontext
def db_current():
    """Show the schema revision of the database."""
    from .migrate import current_revisions

    click.echo(", ".join(current_revisions(current_app)) or "empty database")


# --- bank -------------------------------------------------------------------
@click.group("bank")
def bank_group():
    """Question banks: check, import, export."""


@bank_group.command("check")
@click.argument("path", type=click.Path(exists=True))
@with_appcontext
def bank_check(path: str):
    """Validate a bank file or folder without importing it; list every problem."""
    from .services.bank import known_topics
    from question_bank.formats import load_bank

    try:
        bank = load_bank(path, known_topics=_topics_if_db_ready())
    except BankError as exc:
        for problem in exc.problems:
            click.echo(str(problem), err=True)
        click.echo(f"{len(exc.problems)} problem(s) in {path}", err=True)
        sys.exit(1)
    by_topic: dict[str, int] = {}
    for item in bank.items:
        by_topic[item.topic] = by_topic.get(item.topic, 0) + 1
    click.echo(f"{path}: OK, {len(bank.items)} items in {len(by_topic)} topics")
    for code in sorted(by_topic):
        click.echo(f"  {code}: {by_topic[code]}")
    _ = known_topics


def _topics_if_db_ready():
    """Topics from the database when it has a schema (bank check works without one)."""
    from .services.bank import known_topics

    try:
        return known_topics()
    except Exception:  # no schema yet: check the files on their own
        db.session.rollback()
        return None


@bank_group.command("import")
@click.argument("path", type=click.Path(exists=True))
@click.option("--dry-run", is_flag=True, help="Validate and report, write nothing.")
@with_appcontext
def bank_import(path: str, dry_run: bool):
    """Import a bank file or folder, all-or-nothing."""
    from .services.bank import import_bank

    with transaction():
        summary = import_bank(path, audit.Actor.cli(), progress=progress_printer("items"), dry_run=dry_run)
        if dry_run:
            db.session.rollback()
    click.echo(f"topics added: {summary.topics_added}; items added: {summary.items_added}; "
               f"status changed: {summary.items_status_changed}; "
               f"unchanged: {summary.items_unchanged}{' (dry run)' if dry_run else ''}")


@bank_group.command("export")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="File to write (default: stdout).")
@click.option("--topic", multiple=True, help="Only these topics.")
@with_appcontext
def bank_export(output: str | None, topic: tuple[str, ...]):
    """Export stored topics and items in the native YAML format."""
    from question_bank.formats import dump_bank
    from question_bank.items import Bank

    from .services.bank import known_topics, stored_items

    topics = known_topics()
    items = [i for i in stored_items() if not topic or i.topic in topic]
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
@with_appcontext
def blueprint_import(path: str):
    """Import blueprint and positions files; refuse blueprints the bank cannot fill."""
    from .services.bank import import_blueprints

    with transaction():
        summary = import_blueprints(path, audit.Actor.cli())
    click.echo(f"blueprints added: {summary.blueprints_added} (unchanged {summary.blueprints_unchanged}); "
               f"positions added: {summary.positions_added}, updated: {summary.positions_updated}")


# --- users ------------------------------------------------------------------
@click.group("user")
def user_group():
    """Staff accounts."""


@user_group.command("create")
@click.argument("username")
@click.option("--role", required=True, type=click.Choice(["admin", "proctor", "chair", "member"]))
@click.option("--name", "full_name", default="", help="Full name.")
@click.option("--centre", "centre_code", default=None, help="Centre code (required except for admin).")
@click.password_option(envvar="EXAM_NEW_USER_PASSWORD")
@with_appcontext
def user_create(username: str, role: str, full_name: str, centre_code: str | None, password: str):
    """Create a staff account."""
    import sqlalchemy as sa

    from .models import Centre
    from .services.accounts import create_user
    from .services.errors import ServiceError

    with transaction():
        centre = None
        if centre_code:
            centre = db.session.scalar(sa.select(Centre).where(Centre.code == centre_code))
            if centre is None:
                raise ServiceError(f"unknown centre {centre_code}")
        user = create_user(username, password, role, full_name or username, centre, actor=audit.Actor.cli())
    click.echo(f"created {user.role.value} {user.username}")


# --- demo and serve -----------------------------------------------------------
@click.command("demo")
@click.option("--reset", is_flag=True, help="Delete the SQLite database first (demo mode only).")
@click.option("--url", default="http://127.0.0.1:8000", show_default=True, help="Base URL to print.")
@with_appcontext
def demo_command(reset: bool, url: str):
    """Load the demo: banks, blueprints, a centre, accounts and an open session."""
    from .demo import load_demo
    from .migrate import upgrade

    if reset:
        url = current_app.config["DATABASE_URL"]
        if not url.startswith("sqlite:///"):
            raise click.UsageError("--reset only works on the SQLite database")
        db.dispose(current_app)
        for suffix in ("", "-wal", "-shm"):
            with contextlib.suppress(FileNotFoundError):
                os.remove(url[len("sqlite:///"):] + suffix)
    upgrade(current_app, "heads")
    with transaction():
        info = load_demo(progress=progress_printer, base_url=url.rstrip("/"))
    click.echo(info)


@click.command("serve")
@click.option("--bind", default="127.0.0.1:8000", show_default=True)
@click.option("--workers", default=None, type=int, help="gunicorn workers (default from gunicorn.conf.py).")
@with_appcontext
def serve_command(bind: str, workers: int | None):
    """Run the server under gunicorn with the project's gunicorn.conf.py.

    On the embedded SQLite database the server runs one worker process with
    many threads: SQLite has one writer at a time, and queueing requests inside
    one process is much faster than processes polling the file lock.
    """
    conf = Path(__file__).resolve().parent / "gunicorn_conf.py"
    args = [sys.executable, "-m", "gunicorn", "-c", str(conf), "--bind", bind]
    if current_app.config["DATABASE_URL"].startswith("sqlite"):
        if workers and workers > 1:
            click.echo("SQLite: serving with one worker process (threads serve the requests)", err=True)
        workers = 1
    if workers:
        args += ["--workers", str(workers)]
    args.append("examserver.wsgi:app")
    os.execvp(args[0], args)


COMMANDS = [db_group, bank_group, blueprint_group, user_group, demo_command, serve_command]


def register_commands(app: Flask) -> None:
    """Add the examserver commands to ``flask`` (and to the ``examserver`` script)."""
    for command in COMMANDS:
        app.cli.add_command(command)
    from .services import sweep  # noqa: F401  (registers `examserver sweep`)
    from . import keys_cli  # noqa: F401  (registers `examserver keys|verify|protocol`)
    from . import retention_cli  # noqa: F401  (registers `examserver purge`)
    for extra in _EXTRA_COMMANDS:
        app.cli.add_command(extra)


# Feature modules (protocols, keys, verify, sweep...) append their commands here
# at import time via ``add_command``.
_EXTRA_COMMANDS: list[click.Command] = []


def add_command(command: click.Command) -> click.Command:
    _EXTRA_COMMANDS.append(command)
    return command


def main() -> None:
    """Entry point of the ``examserver`` console script."""
    from . import create_app

    def factory():
        try:
            return create_app()
        except Exception as exc:  # ConfigError and friends: a clear message, no traceback
            from .config import ConfigError

            if isinstance(exc, ConfigError):
                click.echo(f"configuration error: {exc}", err=True)
                sys.exit(2)
            raise

    group = FlaskGroup(create_app=factory, add_default_commands=True, add_version_option=False,
                       help="examserver: computer-based testing server.")
    group(prog_name="examserver")
