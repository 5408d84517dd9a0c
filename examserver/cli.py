"""The ``examserver`` command line (click, registered with Flask's CLI).

This module collects the commands: the app-level ones defined here (db, demo,
serve) and each feature package's ``cli.COMMANDS``. Each command runs in one
transaction (``examserver.core.commands.transaction``): it commits once at the
end, and rolls back everything if it fails.
"""
from __future__ import annotations

import contextlib
import importlib
import os
import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext

from examserver.core.commands import progress_printer, transaction
from examserver.db import db


# --- db ---------------------------------------------------------------------
@click.group("db")
def db_group():
    """Database schema (Alembic migrations)."""


@db_group.command("upgrade")
@click.option("--revision", default="heads", show_default=True)
@with_appcontext
def db_upgrade(revision: str):
    """Create or update the schema by running the migrations."""
    from examserver.migrate import upgrade

    upgrade(current_app, revision)
    click.echo(f"database at {revision}: {current_app.config['DATABASE_URL'].split('@')[-1]}")


@db_group.command("current")
@with_appcontext
def db_current():
    """Show the schema revision of the database."""
    from examserver.migrate import current_revisions

    click.echo(", ".join(current_revisions(current_app)) or "empty database")


# --- demo and serve -----------------------------------------------------------
@click.command("demo")
@click.option("--reset", is_flag=True, help="Delete the SQLite database first and start afresh.")
@click.option("--url", default="http://127.0.0.1:8000", show_default=True, help="Base URL to print.")
@with_appcontext
def demo_command(reset: bool, url: str):
    """Load the demo: banks, blueprints, a centre, accounts and an open session.

    Without ``--reset`` an existing database is kept (what was done in it
    stays) and a new open session with fresh access codes is added; with
    ``--reset`` the SQLite database is deleted first. Either way the command
    says which it did and where the database is.
    """
    from examserver.demo import load_demo
    from examserver.migrate import current_revisions, upgrade

    database_url = current_app.config["DATABASE_URL"]
    where = database_url.split("@")[-1]
    if reset:
        if not database_url.startswith("sqlite:///"):
            raise click.UsageError("--reset only works on the SQLite database")
        db.dispose(current_app)
        for suffix in ("", "-wal", "-shm"):
            with contextlib.suppress(FileNotFoundError):
                os.remove(database_url[len("sqlite:///"):] + suffix)
        click.echo(f"Database: {where} (deleted and created afresh: --reset).")
    else:
        existing = current_revisions(current_app)
        click.echo(f"Database: {where} " + ("(kept: earlier data stays, a new demo session is added; "
                                             "'make demo RESET=1' starts afresh)." if existing else "(new)."))
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

    The default number of workers depends on the database (gunicorn_conf.py):
    SQLite writers queue on a write gate shared by the processes, readers
    never wait (examserver/db_engines.py).
    """
    conf = Path(__file__).resolve().parent / "gunicorn_conf.py"
    args = [sys.executable, "-m", "gunicorn", "-c", str(conf), "--bind", bind]
    os.environ["GUNICORN_DATABASE_DIALECT"] = current_app.config["DATABASE_URL"].split(":")[0].split("+")[0]
    if workers:
        args += ["--workers", str(workers)]
    args.append("examserver.wsgi:app")
    _prepare_metrics_dir(bind)
    os.execvp(args[0], args)


def _prepare_metrics_dir(bind: str) -> None:
    """An empty folder for this server's per-worker metric files (prometheus
    multiprocess mode); one per bind address, so two instances on one machine
    never mix or wipe each other's samples."""
    import re
    import shutil

    folder = Path(current_app.config["INSTANCE_PATH"]) / "metrics" / re.sub(r"[^A-Za-z0-9.-]", "_", bind)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(folder)


COMMANDS = [db_group, demo_command, serve_command]


def register_commands(app: Flask) -> None:
    """Add the examserver commands to ``flask`` (and to the ``examserver`` script)."""
    for command in COMMANDS:
        app.cli.add_command(command)
    for feature_cli in FEATURE_CLIS:
        for command in importlib.import_module(feature_cli).COMMANDS:
            app.cli.add_command(command)


# Each feature package with commands lists them in its ``cli.COMMANDS``; this
# module is the one place that collects them, and nothing below imports it.
FEATURE_CLIS = ("examserver.core.cli", "examserver.bank.cli", "examserver.exam.cli",
                "examserver.protocols.cli", "examserver.protocols.retention_cli", "examserver.appeals.cli",
                "examserver.ops.cli", "examserver.competitions.cli", "examserver.consolidation.cli",
                "examserver.registration.cli", "examserver.bank.stats_cli")


def main() -> None:
    """Entry point of the ``examserver`` console script."""
    from examserver import create_app

    def factory():
        try:
            return create_app()
        except Exception as exc:  # ConfigError and friends: a clear message, no traceback
            from examserver.config import ConfigError

            if isinstance(exc, ConfigError):
                click.echo(f"configuration error: {exc}", err=True)
                sys.exit(2)
            raise

    group = FlaskGroup(create_app=factory, add_default_commands=True, add_version_option=False,
                       help="examserver: computer-based testing server.")
    group(prog_name="examserver")
