"""``examserver person export PIN``: everything stored about a person, on their request."""
from __future__ import annotations

import json
from pathlib import Path

import click
from flask.cli import with_appcontext

from examserver.core import audit
from examserver.core.commands import transaction


@click.group("person")
def person_group():
    """A person's personal data (by personal number)."""


@person_group.command("export")
@click.argument("pin")
@click.option("-o", "--output", type=click.Path(dir_okay=False), required=True, help="JSON file to write.")
@click.option("--reason", default="", help="Why (e.g. the request's reference); audited.")
@with_appcontext
def person_export(pin: str, output: str, reason: str):
    """Write every registration, attempt, journal and protocol of the person with PIN as JSON (audited)."""
    from examserver.registration.personal_data import export_person

    with transaction():
        data = export_person(pin, audit.Actor.cli("person export" + (f": {reason}" if reason else "")))
    Path(output).write_text(json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    Path(output).chmod(0o600)
    click.echo(f"{len(data['registrations'])} registration(s) of {data['pin']} written to {output}")


COMMANDS = [person_group]
