"""``examserver results export|trust|import|list``: central consolidation."""
from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import with_appcontext

from examserver.core import audit
from examserver.core.commands import transaction


@click.group("results")
def results_group():
    """Signed results between a centre and the authority."""


@results_group.command("export")
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="Only protocols issued on or after this date (UTC).")
@click.option("--centre", "centre_code", default=None, help="Centre code (needed when the server has several).")
@click.option("-o", "--output", type=click.Path(dir_okay=False), required=True, help="Bundle file to write.")
@with_appcontext
def results_export(since, centre_code: str | None, output: str):
    """Write the centre's signed protocols and public keyring into one signed bundle."""
    from examserver.consolidation.bundles import export_bundle

    with transaction():
        manifest = export_bundle(Path(output), since.date() if since else None, centre_code)
    click.echo(f"{len(manifest['protocols'])} protocol(s) of {manifest['centre']['code']} written to {output}")


@results_group.command("trust")
@click.argument("centre_code")
@click.argument("keyfile", type=click.Path(exists=True, dir_okay=False))
@with_appcontext
def results_trust(centre_code: str, keyfile: str):
    """Trust the public key(s) in KEYFILE (from `examserver keys export-public --all` at the centre)."""
    from examserver.consolidation.intake import trust_key

    with transaction():
        added = trust_key(centre_code, Path(keyfile).read_text(encoding="utf-8", errors="replace"),
                          audit.Actor.cli("results trust"))
    click.echo(f"{len(added)} new key(s) trusted for {centre_code}" +
               "".join(f"\n  {fp}" for fp in added))


@results_group.command("import")
@click.argument("bundle", type=click.Path(exists=True, dir_okay=False))
@click.option("--accept-older", is_flag=True, help="Import a bundle older than the newest one already imported.")
@with_appcontext
def results_import(bundle: str, accept_older: bool):
    """Verify a centre's bundle completely and store the protocols not yet received."""
    from examserver.consolidation.intake import import_bundle

    with transaction():  # a refused bundle: every problem printed, nothing written
        result = import_bundle(Path(bundle), audit.Actor.cli("results import"), accept_older=accept_older)
    if result.already_imported:
        click.echo(f"{bundle}: already imported from {result.centre_code}; nothing changed")
        return
    click.echo(f"{bundle}: {result.protocols} protocol(s) of {result.centre_code} verified, {result.new} new, "
               f"{len(result.skipped)} already received")


@results_group.command("list")
@click.option("--centre", default="")
@click.option("--group", default="", help="Position group, e.g. У-А.")
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]), default=None)
@click.option("--until", type=click.DateTime(["%Y-%m-%d"]), default=None)
@click.option("--verdict", default="", type=click.Choice(["", "meets", "does_not_meet"]))
@click.option("--format", "fmt", default="table", type=click.Choice(["table", "csv"]))
@with_appcontext
def results_list(centre: str, group: str, since, until, verdict: str, fmt: str):
    """Results received from every centre, filtered."""
    from examserver.consolidation.queries import ResultFilter, find, to_csv

    flt = ResultFilter(centre, group, since.date() if since else None, until.date() if until else None, verdict)
    rows, total = find(flt)
    if fmt == "csv":
        sys.stdout.write(to_csv(rows))
        return
    for r in rows:
        score = f"{r.total_points}/{r.max_points}" if r.total_points is not None else ""
        click.echo(f"{r.centre_code:<8} {r.number:<22} {r.kind:<11} {r.session_date or '':<10} "
                   f"{r.position_group or '':<5} {score:<8} {r.verdict or '':<14} {r.candidate or ''}")
    click.echo(f"{total} result(s)")


COMMANDS = [results_group]
