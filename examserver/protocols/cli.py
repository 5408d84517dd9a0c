"""CLI: ``examserver keys generate|list|rotate|export-public``, ``examserver verify FILE``
and ``examserver protocol export NUMBER``."""
from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import with_appcontext

from examserver.core.commands import transaction
from examserver.core import audit


@click.group("keys")
def keys_group():
    """The centre's Ed25519 signing keys (private keys stay in SIGNING_KEY_DIR, mode 0600)."""


@keys_group.command("generate")
@with_appcontext
def keys_generate():
    """Generate the centre key (refused if one exists: use ``keys rotate``)."""
    from examserver.protocols import signing

    with transaction():
        fp = signing.generate_key(reason="keys generate", actor=audit.Actor.cli())
    click.echo(f"generated centre key {fp} in {signing.key_dir()}")


@keys_group.command("rotate")
@click.option("--reason", default="", help="Why the key is rotated (audited).")
@with_appcontext
def keys_rotate(reason: str):
    """Make a new key current; the old public key stays in the keyring."""
    from examserver.protocols import signing

    with transaction():
        old, new = signing.rotate_key(reason=reason or "keys rotate", actor=audit.Actor.cli())
    click.echo(f"new centre key {new}" + (f"; retired {old} (public key kept)" if old else ""))


@keys_group.command("list")
@with_appcontext
def keys_list():
    """List every key of the keyring: fingerprint, active, private key present."""
    from examserver.protocols import signing

    ring = signing.keyring()
    if not ring:
        click.echo(f"no keys in {signing.key_dir()}")
        return
    for fp, info in sorted(ring.items(), key=lambda kv: (not kv[1].active, kv[1].created)):
        flags = "active" if info.active else "retired"
        click.echo(f"{fp}  {flags:<7}  {'private' if info.has_private else 'public only'}  {info.created}")


@keys_group.command("export-public")
@click.option("--all", "export_all", is_flag=True, help="Every key of the keyring, not only the active one.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="File to write (default: stdout).")
@with_appcontext
def keys_export_public(export_all: bool, output: str | None):
    """Print the public key(s) as PEM, to hand to whoever verifies protocols."""
    from examserver.protocols import signing

    ring = signing.keyring()
    chosen = [i for i in ring.values() if export_all or i.active]
    if not chosen:
        click.echo("no key to export", err=True)
        sys.exit(1)
    text = "".join(f"# fingerprint {i.fingerprint}\n{signing.public_pem(i.public_key)}" for i in chosen)
    if output:
        Path(output).write_text(text)
        click.echo(f"{len(chosen)} public key(s) written to {output}", err=True)
    else:
        click.echo(text, nl=False)


def _read_keys(path: str) -> dict:
    """Every PEM public key in a file (one or several), by fingerprint."""
    from examserver.protocols import signing

    text = Path(path).read_text()
    blocks = [b for b in text.split("-----END PUBLIC KEY-----") if "-----BEGIN PUBLIC KEY-----" in b]
    keys = {}
    for block in blocks or [text]:
        pem = block[block.find("-----BEGIN"):] + ("-----END PUBLIC KEY-----\n" if blocks else "")
        key = signing.load_public_key(pem if blocks else text)
        keys[signing.fingerprint_of(key)] = key
    return keys


@click.command("verify")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--public-key", "public_key", type=click.Path(exists=True, dir_okay=False),
              help="Trust only the key(s) in this PEM file instead of the local keyring.")
@with_appcontext
def verify_command(file: str, public_key: str | None):
    """Verify a protocol (exported JSON or PDF) offline; exit 0 only if every check passes."""
    from examserver.protocols.verify import trusted_keys, verify_bytes

    try:
        trusted = _read_keys(public_key) if public_key else trusted_keys()
    except ValueError as exc:
        click.echo(f"error: {public_key}: {exc}", err=True)
        sys.exit(2)
    if not trusted:
        click.echo("error: no public key to trust (no keyring here; use --public-key)", err=True)
        sys.exit(2)
    report = verify_bytes(Path(file).read_bytes(), trusted)
    click.echo(f"{file}: {report.kind.upper()} protocol {report.number or '?'}")
    for check in report.checks:
        click.echo(f"  [{'OK' if check.ok else 'FAIL'}] {check.name}" + (f": {check.detail}" if check.detail else ""))
    click.echo("VALID" if report.ok else "NOT VALID")
    sys.exit(0 if report.ok else 1)


@click.group("protocol")
def protocol_group():
    """Signed protocols."""


@protocol_group.command("export")
@click.argument("number")
@click.option("--pdf", "as_pdf", is_flag=True, help="Write the signed PDF instead of the JSON record.")
@click.option("--lang", default=None, type=click.Choice(["ky", "ru", "en"]))
@click.option("-o", "--output", type=click.Path(dir_okay=False), required=True)
@with_appcontext
def protocol_export(number: str, as_pdf: bool, lang: str | None, output: str):
    """Write a protocol's signed JSON record (or PDF) to a file."""
    from examserver.protocols import issuing as protocols

    with transaction():
        protocol = protocols.get_protocol(number)
        if as_pdf:
            data = protocols.render_pdf(protocol, lang) if lang else protocols.pdf_for(protocol)
        else:
            data = protocols.export_json(protocol)
    Path(output).write_bytes(data)
    click.echo(f"{number} written to {output}")


COMMANDS = [keys_group, verify_command, protocol_group]
