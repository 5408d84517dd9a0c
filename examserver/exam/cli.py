"""``examserver sweep``: finish attempts past their deadline from the command line;
``examserver predraw``: draw a session's forms ahead of the start."""
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


@click.command("predraw")
@click.option("--session", "session_id", type=int, required=True, help="Exam session id.")
@with_appcontext
def predraw_command(session_id: int):
    """Draw and freeze the forms of a session's admitted participants ahead of
    the start, so that a hall starting at once does not draw (issue 15).

    Issuing a code already draws the form; this is for codes issued before
    that, or after the bank changed (a form still current is kept)."""
    from examserver.core.audit import Actor
    from examserver.exam.predraw import predraw_session
    from examserver.models import ExamSession
    from examserver.db import db

    with transaction():
        session = db.session.get(ExamSession, session_id)
        if session is None:
            raise click.UsageError(f"no exam session {session_id}")
        ready = predraw_session(session, Actor.cli("predraw"))
    click.echo(f"{ready} form(s) drawn ahead for session {session_id}")


COMMANDS = [sweep_command, predraw_command]
