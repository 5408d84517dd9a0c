"""``examserver user create``: accounts from the command line."""
from __future__ import annotations

import click
from flask.cli import with_appcontext

from examserver.core import audit
from examserver.db import db
from examserver.core.commands import transaction


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

    from examserver.models import Centre
    from examserver.core.accounts import create_user
    from examserver.core.errors import ServiceError

    with transaction():
        centre = None
        if centre_code:
            centre = db.session.scalar(sa.select(Centre).where(Centre.code == centre_code))
            if centre is None:
                raise ServiceError(f"unknown centre {centre_code}")
        user = create_user(username, password, role, full_name or username, centre, actor=audit.Actor.cli())
    click.echo(f"created {user.role.value} {user.username}")


COMMANDS = [user_group]
