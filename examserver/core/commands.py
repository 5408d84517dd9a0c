"""What every ``examserver`` command shares: one transaction per command and a
progress counter. Feature CLIs import this module, never ``examserver.cli``
(which collects them), so no service or feature imports the collector."""
from __future__ import annotations

import contextlib
import sys

import click

from question_bank.errors import BankError

from examserver.db import db


@contextlib.contextmanager
def transaction():
    """Commit once if the block succeeds; roll back and exit 1 on a refusal."""
    from examserver.core.errors import ServiceError  # errors imports nothing of the CLI

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
        for problem in getattr(exc, "problems", ()):  # refusals that list every reason
            click.echo(f"  {problem}", err=True)
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
