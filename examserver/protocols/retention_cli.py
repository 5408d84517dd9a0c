"""The ``examserver purge`` command (retention purge)."""
from __future__ import annotations

import click
from flask.cli import with_appcontext

from examserver.core.commands import transaction
from examserver.core import audit


@click.command("purge")
@click.option("--dry-run", is_flag=True, help="Count what has expired; delete nothing.")
@with_appcontext
def purge_command(dry_run: bool):
    """Delete appeal materials and protocols past their retention date (audited)."""
    from examserver.protocols.retention import purge

    with transaction():
        summary = purge(audit.Actor.cli("purge"), dry_run=dry_run)
    prefix = "would delete" if dry_run else "deleted"
    click.echo(f"{prefix}: {summary.appeals} appeal(s), {summary.signatures} member signature(s), "
               f"{summary.protocols} protocol(s); personal data of {summary.participants} participant(s) "
               f"with {summary.attempts} attempt(s) and {summary.events} journal event(s)")


COMMANDS = [purge_command]
