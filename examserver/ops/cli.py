"""``examserver backup``, ``examserver restore`` and ``examserver check``."""
from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from examserver import clock


@click.command("backup")
@click.option("-o", "--output", type=click.Path(dir_okay=False),
              help="File to write (default: examserver-backup-<UTC time>.tar in the current folder).")
@with_appcontext
def backup_command(output: str | None):
    """Write a consistent backup (database, public keyring, manifest) while the server runs."""
    from examserver.ops.backup import BackupError, create_backup

    path = Path(output or f"examserver-backup-{clock.now():%Y%m%dT%H%M%SZ}.tar")
    try:
        manifest = create_backup(current_app, path)
    except BackupError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    rows = sum(manifest["tables"].values())
    click.echo(f"backup written to {path}: {manifest['backend']}, schema {', '.join(manifest['schema_revisions'])}, "
               f"{len(manifest['tables'])} tables, {rows} rows, {manifest['public_keys']} public key(s), "
               f"sha256 {manifest['database_sha256'][:16]}")


@click.command("restore")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@with_appcontext
def restore_command(file: str):
    """Restore a backup into the configured (empty) database, then prove it whole."""
    from examserver.ops.backup import BackupError, restore_backup

    try:
        result = restore_backup(current_app, Path(file))
    except BackupError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    manifest = result.manifest
    click.echo(f"restored {file} (taken {manifest['created_at']}): {sum(result.counts.values())} rows in "
               f"{len(result.counts)} tables")
    for table, count in sorted(result.counts.items()):
        if count:
            click.echo(f"  {table}: {count}")
    click.echo(result.integrity.summary())
    for failure in result.integrity.failures:
        click.echo(f"  FAILED {failure}", err=True)
    if not result.integrity.ok:
        sys.exit(1)


@click.command("check")
@with_appcontext
def check_command():
    """Verify every stored protocol signature and every journal chain."""
    from examserver.ops.integrity import check_integrity

    report = check_integrity()
    click.echo(report.summary())
    for failure in report.failures:
        click.echo(f"  FAILED {failure}", err=True)
    if not report.ok:
        sys.exit(1)


COMMANDS = [backup_command, restore_command, check_command]
