"""``examserver results export``: a centre's signed protocols in one bundle.

A bundle is a tar file:

* ``bundle.json``: canonical JSON (the manifest): format, the centre, when it
  was made, the period, and for every protocol its number, kind, file name and
  SHA-256;
* ``bundle.sig``: the centre key's Ed25519 signature of exactly those bytes,
  so a file cannot be added, removed or swapped without the authority
  noticing;
* ``keyring.pem``: the centre's public keys, for information only (the
  authority verifies with the keys it trusts, never with keys a file carries);
* ``protocols/<number>.json``: each protocol's signed export, as
  ``examserver protocol export`` writes it.
"""
from __future__ import annotations

import base64
import hashlib
import io
import json
import tarfile
from datetime import date, datetime, time, timezone
from pathlib import Path

import sqlalchemy as sa

from examserver import clock
from examserver.canonical import canonical_bytes
from examserver.core.errors import ServiceError
from examserver.db import db
from examserver.models import Centre, Protocol
from examserver.protocols import signing
from examserver.protocols.store import export_json

FORMAT = "examserver.results-bundle/1"
MANIFEST = "bundle.json"
SIGNATURE = "bundle.sig"
KEYRING = "keyring.pem"


def _centre_for_export(centre_code: str | None) -> Centre:
    centres = list(db.session.scalars(sa.select(Centre).order_by(Centre.code)))
    if centre_code:
        chosen = [c for c in centres if c.code == centre_code]
        if not chosen:
            raise ServiceError(f"no centre with the code {centre_code!r}", code="no_centre")
        return chosen[0]
    if len(centres) != 1:
        raise ServiceError("this server has %d centres: say which with --centre CODE" % len(centres),
                           code="which_centre")
    return centres[0]


def export_bundle(output: Path, since: date | None = None, centre_code: str | None = None) -> dict:
    """Write the bundle of the centre's protocols issued on or after ``since``; return the manifest."""
    centre = _centre_for_export(centre_code)
    query = sa.select(Protocol).where(Protocol.centre_id == centre.id).order_by(Protocol.id)
    if since is not None:
        query = query.where(Protocol.created_at >= datetime.combine(since, time.min, tzinfo=timezone.utc))
    files: dict[str, bytes] = {}
    entries = []
    for protocol in db.session.scalars(query):
        name = f"protocols/{protocol.number}.json"
        data = export_json(protocol)
        files[name] = data
        entries.append({"number": protocol.number, "kind": protocol.kind.value, "file": name,
                        "sha256": hashlib.sha256(data).hexdigest()})
    key = signing.centre_key()
    manifest = {"format": FORMAT, "centre": {"code": centre.code, "name": dict(centre.name or {})},
                "created_at": clock.now().strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
                "since": since.isoformat() if since else None, "protocols": entries,
                "key_fingerprint": key.fingerprint}
    manifest_bytes = canonical_bytes(manifest)
    signature = base64.b64encode(key.private_key.sign(manifest_bytes))
    keyring = "".join(f"# fingerprint {fp}\n{signing.public_pem(info.public_key)}"
                      for fp, info in sorted(signing.keyring().items())).encode()
    partial = Path(str(output) + ".partial")
    with tarfile.open(partial, "w") as tar:
        for name, data in [(MANIFEST, manifest_bytes), (SIGNATURE, signature), (KEYRING, keyring), *files.items()]:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mode = 0o600
            tar.addfile(info, io.BytesIO(data))
    partial.replace(output)
    return manifest


def read_manifest(raw: bytes) -> dict:
    """The manifest of a bundle, parsed (ValueError if it is not canonical JSON of this format)."""
    manifest = json.loads(raw.decode("utf-8"))
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ValueError(f"not a {FORMAT} manifest")
    if canonical_bytes(manifest) != raw:
        raise ValueError("the manifest is not in canonical form")
    return manifest
