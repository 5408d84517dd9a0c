"""At the authority: trust a centre's keys, import its bundles, all or nothing.

A bundle is imported only if every check passes: its manifest is signed by a
key the authority trusts *for that centre*, every listed file is there with
its digest, nothing unlisted rides along, every protocol verifies against
the trusted keys and names the same centre, and no protocol contradicts one
already received under the same number. Otherwise nothing is written and
every problem is listed. The same bundle twice changes nothing; a bundle
older than the newest one already imported from the centre is refused
(a replay) unless the operator says it was never imported.
"""
from __future__ import annotations

import base64
import hashlib
import json
import tarfile
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path

import sqlalchemy as sa
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from examserver import clock
from examserver.core import audit
from examserver.core.errors import ServiceError
from examserver.db import db
from examserver.models import ConsolidatedProtocol, ResultBundle, TrustedCentreKey
from examserver.protocols import signing
from examserver.protocols.verify import verify_export
from examserver.consolidation.bundles import MANIFEST, SIGNATURE, read_manifest

MAX_MEMBER_BYTES = 16 * 1024 * 1024


class BundleRefused(ServiceError):
    """The bundle was not imported; ``problems`` says every reason."""

    status = 422

    def __init__(self, problems: list[str]):
        super().__init__(f"the bundle was not imported, nothing was written ({len(problems)} problem(s)):",
                         code="bundle_refused")
        self.problems = problems


@dataclass
class ImportResult:
    centre_code: str
    protocols: int
    new: int
    already_imported: bool = False
    skipped: list[str] = field(default_factory=list)


def trust_key(centre_code: str, pem_text: str, actor: audit.Actor) -> list[str]:
    """Trust every public key in ``pem_text`` for ``centre_code``; return the new fingerprints.

    A key already trusted for another centre is refused: one key, one centre.
    """
    centre_code = (centre_code or "").strip()
    if not centre_code or len(centre_code) > 32:
        raise ServiceError("give the centre's code (at most 32 characters)", code="bad_centre")
    blocks = [b for b in pem_text.split("-----END PUBLIC KEY-----") if "-----BEGIN PUBLIC KEY-----" in b]
    if not blocks:
        raise ServiceError("no PEM public key in the file", code="no_key")
    added = []
    for block in blocks:
        pem = block[block.index("-----BEGIN PUBLIC KEY-----"):] + "-----END PUBLIC KEY-----\n"
        try:
            key = signing.load_public_key(pem)
        except ValueError as exc:
            raise ServiceError(f"not an Ed25519 public key: {exc}", code="bad_key") from exc
        fp = signing.fingerprint_of(key)
        existing = db.session.scalar(sa.select(TrustedCentreKey).where(TrustedCentreKey.fingerprint == fp))
        if existing is not None:
            if existing.centre_code != centre_code:
                raise ServiceError(f"key {fp[:16]} is already trusted for the centre {existing.centre_code}",
                                   code="key_of_other_centre")
            continue
        db.session.add(TrustedCentreKey(centre_code=centre_code, fingerprint=fp, public_key=signing.public_pem(key),
                                        added_at=clock.now(), added_by=actor.name or actor.kind))
        added.append(fp)
    db.session.flush()
    for fp in added:
        audit.record("results.key_trusted", ("trusted_centre_key", fp[:16]), actor=actor, centre=centre_code,
                     fingerprint=fp)
    return added


def trusted_for(centre_code: str) -> dict[str, Ed25519PublicKey]:
    rows = db.session.scalars(sa.select(TrustedCentreKey).where(TrustedCentreKey.centre_code == centre_code))
    return {row.fingerprint: signing.load_public_key(row.public_key) for row in rows}


def _read_members(path: Path) -> dict[str, bytes]:
    try:
        tar = tarfile.open(path, "r")
    except (tarfile.TarError, OSError) as exc:
        raise BundleRefused([f"{path}: not a results bundle ({exc})"]) from exc
    members: dict[str, bytes] = {}
    with tar:
        for member in tar.getmembers():
            if not member.isfile():
                continue
            if member.size > MAX_MEMBER_BYTES:
                raise BundleRefused([f"{member.name}: larger than {MAX_MEMBER_BYTES} bytes"])
            members[member.name] = tar.extractfile(member).read()
    return members


def _values(record: dict) -> dict:
    """The searchable values of a verified record (None where the kind has none)."""
    result = record.get("result") if isinstance(record.get("result"), dict) else {}
    position = record.get("position") if isinstance(record.get("position"), dict) else {}
    session = record.get("session") if isinstance(record.get("session"), dict) else {}
    candidate = record.get("candidate") if isinstance(record.get("candidate"), dict) else {}
    try:
        session_date = date.fromisoformat(session["date"]) if session.get("date") else None
    except (TypeError, ValueError):
        session_date = None
    return {"session_date": session_date, "position_group": position.get("group"),
            "position_code": position.get("code"), "candidate": (candidate.get("full_name") or None),
            "verdict": result.get("verdict"), "total_points": result.get("total_points"),
            "max_points": result.get("max_points")}


def _parse_time(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)


def import_bundle(path: Path, actor: audit.Actor, accept_older: bool = False) -> ImportResult:
    """Verify the bundle at ``path`` completely, then store what is new (see module doc)."""
    members = _read_members(Path(path))
    if MANIFEST not in members or SIGNATURE not in members:
        raise BundleRefused([f"{path}: no signed manifest ({MANIFEST}, {SIGNATURE}); not a results bundle"])
    raw_manifest = members[MANIFEST]
    try:
        manifest = read_manifest(raw_manifest)
        centre_code = str(manifest["centre"]["code"])
        created_at = _parse_time(manifest["created_at"])
        entries = list(manifest["protocols"])
    except (KeyError, TypeError, ValueError, UnicodeDecodeError) as exc:
        raise BundleRefused([f"{MANIFEST}: {exc}"]) from exc
    trusted = trusted_for(centre_code)
    if not trusted:
        raise BundleRefused([f"no key is trusted for the centre {centre_code}: "
                             f"run 'examserver results trust {centre_code} KEYFILE' with the key the centre gave you"])
    key = trusted.get(manifest.get("key_fingerprint"))
    try:
        if key is None:
            raise InvalidSignature("unknown key")
        key.verify(base64.b64decode(members[SIGNATURE], validate=True), raw_manifest)
    except (InvalidSignature, ValueError):
        raise BundleRefused([f"{MANIFEST}: not signed by a key trusted for the centre {centre_code}"]) from None
    digest = hashlib.sha256(raw_manifest).hexdigest()
    if db.session.scalar(sa.select(ResultBundle.id).where(ResultBundle.digest == digest)) is not None:
        return ImportResult(centre_code, len(entries), 0, already_imported=True)
    newest = db.session.scalar(sa.select(sa.func.max(ResultBundle.created_at))
                               .where(ResultBundle.centre_code == centre_code))
    if newest is not None and created_at < newest and not accept_older:
        raise BundleRefused([f"this bundle was made {manifest['created_at']}, before the newest bundle already "
                             f"imported from {centre_code} ({newest:%Y-%m-%d %H:%M} UTC): a replay? If it was never "
                             "imported, say --accept-older"])
    problems: list[str] = []
    listed = {MANIFEST, SIGNATURE, "keyring.pem"}
    verified: list[tuple[dict, dict, str]] = []
    for entry in entries:
        name = entry.get("file") if isinstance(entry, dict) else None
        listed.add(name)
        data = members.get(name)
        if data is None:
            problems.append(f"{name}: listed in the manifest but missing")
            continue
        if hashlib.sha256(data).hexdigest() != entry.get("sha256"):
            problems.append(f"{name}: does not match its digest in the signed manifest")
            continue
        try:
            export = json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            problems.append(f"{name}: not JSON ({exc})")
            continue
        report = verify_export(export, trusted)
        if not report.ok:
            failed = ", ".join(c.name for c in report.checks if not c.ok)
            problems.append(f"{name}: does not verify ({failed})")
            continue
        record = report.record
        if (record.get("centre") or {}).get("code") != centre_code:
            problems.append(f"{name}: the protocol is of another centre")
            continue
        if record.get("number") != entry.get("number"):
            problems.append(f"{name}: the number differs from the manifest")
            continue
        verified.append((entry, export, record))
    problems += [f"{name}: not listed in the signed manifest" for name in sorted(set(members) - listed)]
    result = ImportResult(centre_code, len(entries), 0)
    rows = []
    for entry, export, record in verified:
        record_digest = hashlib.sha256(export["record"].encode("utf-8")).hexdigest()
        known = db.session.scalar(sa.select(ConsolidatedProtocol).where(
            ConsolidatedProtocol.centre_code == centre_code, ConsolidatedProtocol.number == record["number"]))
        if known is not None:
            if known.record_digest != record_digest:
                problems.append(f"{entry['file']}: a different record was already received under the number "
                                f"{record['number']}")
            else:
                result.skipped.append(record["number"])
            continue
        rows.append(ConsolidatedProtocol(centre_code=centre_code, number=record["number"], kind=str(record.get("kind")),
                                         record=export["record"], signature=export["signature"],
                                         key_fingerprint=export["key_fingerprint"], record_digest=record_digest,
                                         **_values(record)))
    if problems:
        raise BundleRefused(problems)
    bundle = ResultBundle(centre_code=centre_code, digest=digest, created_at=created_at, imported_at=clock.now(),
                          protocol_count=len(entries), new_count=len(rows))
    db.session.add(bundle)
    db.session.flush()
    for row in rows:
        row.bundle_id = bundle.id
    db.session.add_all(rows)
    db.session.flush()
    result.new = len(rows)
    audit.record("results.bundle_imported", bundle, actor=actor, centre=centre_code, protocols=len(entries),
                 new=len(rows))
    return result
