"""``examserver sweep``: finish attempts past their deadline from the command line."""
from __future__ import annotations

import click
from flask.cli import with_appcontext

from examserver.core.commands import transaction
from examserver.exam.sweep import sweep_expired


@click.command("sweep")
@with_appcontext
def sweep_command():
    """Finish attempts past their deadline (+ grace) and create due session protocols."""
    with transaction():
        count = sweep_expired()
    click.echo(f"finished {count} attempt(s)")


COMMANDS = [sweep_command]
