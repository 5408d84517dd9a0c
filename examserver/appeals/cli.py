"""``examserver verify-attempt ID``: check an attempt in the database against its signed testing protocol."""
from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext

from examserver.db import db


@click.command("verify-attempt")
@click.argument("attempt_id", type=click.IntRange(1, 2**31 - 1))
@with_appcontext
def verify_attempt_command(attempt_id: int):
    """Check a finished attempt's journal, form and scores against the values
    signed in its testing protocol (the signature checked with the keyring);
    list every difference; exit 0 only if there is none, 1 otherwise, 2 if
    there is no such finished attempt. Nothing is written."""
    from flask_babel import force_locale

    from examserver.appeals.replay import replay_attempt
    from examserver.appeals.texts import discrepancy_text
    from examserver.core.errors import ServiceError
    from examserver.models import Attempt, AttemptState

    try:
        attempt = db.session.get(Attempt, attempt_id)
        if attempt is None or attempt.state != AttemptState.FINISHED:
            click.echo(f"error: no finished attempt {attempt_id}", err=True)
            sys.exit(2)
        try:
            rp = replay_attempt(attempt)
        except ServiceError as exc:  # a stored form that no longer fits the bank
            click.echo(f"  [FAIL] {exc.code}: {exc.message}")
            click.echo("NOT VALID")
            sys.exit(1)
        number = rp.signed.number if rp.signed else "?"
        click.echo(f"attempt {attempt_id}: testing protocol {number}, {len(rp.steps)} journal events, "
                   f"recomputed {rp.recomputed.total_points}/{rp.recomputed.max_points} {rp.recomputed.verdict}")
        with force_locale("en"):
            for d in rp.discrepancies:
                text = discrepancy_text({"code": d.code, "signed": d.signed, "found": d.found})
                click.echo(f"  [FAIL] {d.code}: {text}")
    finally:
        db.session.rollback()  # read only
    click.echo("VALID: the journal and the scores are exactly as signed" if rp.ok else "NOT VALID")
    sys.exit(0 if rp.ok else 1)


COMMANDS = [verify_attempt_command]
