"""The testing centre's Ed25519 signing keys and the keyring of old public keys.

Layout of ``SIGNING_KEY_DIR`` (default ``<instance>/keys``; never the database,
never the repository)::

    current              fingerprint of the active key (one line)
    <fp>.key             PEM PKCS#8 private key of the active key, mode 0600
    <fp>.pub             PEM public key; kept for ever (the keyring)
    <fp>.crt             self-issued X.509 certificate of the key (PAdES signing)

The fingerprint of a key is ``sha256(raw 32-byte public key)`` in lower-case
hex. Rotation makes a new key current and deletes the old private key, but
keeps the old ``.pub`` (and ``.crt``) so every protocol signed before keeps
verifying. If no key exists when a protocol is signed, one is generated on
first use (and audited); several workers racing to do so end up with the same
key, because the ``current`` pointer is created with an atomic link.
"""
from __future__ import annotations

import base64
import datetime as _dt
import hashlib
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.x509.oid import NameOID
from flask import current_app

from examserver.canonical import canonical_bytes
from examserver.core import metrics
from examserver.core import audit


@dataclass(frozen=True)
class CentreKey:
    """The active private key with its fingerprint and certificate path."""

    fingerprint: str
    private_key: Ed25519PrivateKey
    key_path: Path
    cert_path: Path

    @property
    def public_key(self) -> Ed25519PublicKey:
        return self.private_key.public_key()


@dataclass(frozen=True)
class PublicKeyInfo:
    """One keyring entry."""

    fingerprint: str
    public_key: Ed25519PublicKey
    active: bool
    has_private: bool
    created: str  # file modification time, UTC ISO, for listings only


def raw_public(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def fingerprint_of(public_key: Ed25519PublicKey) -> str:
    """sha256 hex of the raw public key."""
    return hashlib.sha256(raw_public(public_key)).hexdigest()


def public_pem(public_key: Ed25519PublicKey) -> str:
    return public_key.public_bytes(serialization.Encoding.PEM,
                                   serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def load_public_key(data: bytes | str) -> Ed25519PublicKey:
    """A public key from PEM, or from base64/hex of the 32 raw bytes."""
    if isinstance(data, str):
        data = data.encode()
    text = data.strip()
    if text.startswith(b"-----BEGIN"):
        try:
            key = serialization.load_pem_public_key(text)
        except (UnsupportedAlgorithm, TypeError) as exc:
            raise ValueError(f"not a usable public key: {exc}") from exc
        if not isinstance(key, Ed25519PublicKey):
            raise ValueError("not an Ed25519 public key")
        return key
    for decode in (bytes.fromhex, base64.b64decode):
        try:
            raw = decode(text.decode())
        except ValueError:
            continue
        if len(raw) == 32:
            return Ed25519PublicKey.from_public_bytes(raw)
    raise ValueError("not a PEM, hex or base64 Ed25519 public key")


def key_dir() -> Path:
    return Path(current_app.config["SIGNING_KEY_DIR"])


def _write_exclusive(path: Path, data: bytes, mode: int) -> bool:
    """Write ``data`` to ``path`` unless it exists; False if someone else did first.

    The complete file is written under a temporary name, then hard-linked into
    place: nobody ever reads a half-written key, and the link fails atomically
    for the loser of a race.
    """
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    try:
        os.link(tmp, path)
        return True
    except FileExistsError:
        return False
    finally:
        tmp.unlink()


def _self_issued_cert(private_key: Ed25519PrivateKey, fingerprint: str, common_name: str) -> bytes:
    """A self-issued certificate for PAdES: the centre key certifies itself.

    Validity is deliberately long: the certificate only carries the key into
    PDF signatures; trust comes from the fingerprint in the keyring.
    """
    name = x509.Name([
        x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "examserver testing centre"),
        x509.NameAttribute(NameOID.SERIAL_NUMBER, fingerprint[:32]),
    ])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name).issuer_name(name)
        .public_key(private_key.public_key())
        .serial_number(int(fingerprint[:30], 16))
        .not_valid_before(_dt.datetime(2000, 1, 1, tzinfo=_dt.timezone.utc))
        .not_valid_after(_dt.datetime(2099, 12, 31, tzinfo=_dt.timezone.utc))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=True, key_encipherment=False,
                                     data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                     crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
        .sign(private_key, None)
    )
    return cert.public_bytes(serialization.Encoding.PEM)


def _store_new_key(folder: Path, private_key: Ed25519PrivateKey) -> str:
    fp = fingerprint_of(private_key.public_key())
    pem = private_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption())
    _write_exclusive(folder / f"{fp}.key", pem, 0o600)
    _write_exclusive(folder / f"{fp}.pub", public_pem(private_key.public_key()).encode(), 0o644)
    _write_exclusive(folder / f"{fp}.crt", _self_issued_cert(private_key, fp, f"examserver centre key {fp[:16]}"), 0o644)
    return fp


def _read_current(folder: Path) -> str | None:
    try:
        fp = (folder / "current").read_text().strip()
    except FileNotFoundError:
        return None
    return fp or None


def generate_key(reason: str = "", actor: audit.Actor | None = None) -> str:
    """Generate the first centre key; refuse if one exists (use :func:`rotate_key`)."""
    from examserver.core.errors import Conflict

    folder = key_dir()
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    existing = _read_current(folder)
    if existing:
        raise Conflict(f"a centre key already exists: {existing}", code="key_exists")
    fp = _store_new_key(folder, Ed25519PrivateKey.generate())
    if not _write_exclusive(folder / "current", (fp + "\n").encode(), 0o644):
        # Another worker generated one at the same moment: theirs wins, ours goes.
        (folder / f"{fp}.key").unlink(missing_ok=True)
        return _read_current(folder)  # type: ignore[return-value]
    audit.record("signing.key_generated", ("signing_key", fp[:16]), actor=actor, reason=reason, fingerprint=fp)
    return fp


def rotate_key(reason: str = "", actor: audit.Actor | None = None) -> tuple[str | None, str]:
    """Make a new key current; delete the old private key, keep its public key."""
    folder = key_dir()
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    old = _read_current(folder)
    fp = _store_new_key(folder, Ed25519PrivateKey.generate())
    tmp = folder / f".current.{os.getpid()}.{secrets.token_hex(4)}"
    tmp.write_text(fp + "\n")
    os.replace(tmp, folder / "current")
    if old and old != fp:
        (folder / f"{old}.key").unlink(missing_ok=True)
    audit.record("signing.key_rotated", ("signing_key", fp[:16]), actor=actor, reason=reason,
                 fingerprint=fp, previous=old or "")
    return old, fp


def centre_key(create: bool = True) -> CentreKey:
    """The active centre key; generated (and audited) on first use when ``create``."""
    from examserver.core.errors import ServiceError

    folder = key_dir()
    fp = _read_current(folder)
    if fp is None:
        if not create:
            raise ServiceError("no centre signing key: run `examserver keys generate`", code="no_key")
        fp = generate_key(reason="generated on first use")
    key_path = folder / f"{fp}.key"
    try:
        key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
    except FileNotFoundError as exc:
        raise ServiceError(f"private key {key_path} is missing", code="no_key") from exc
    if not isinstance(key, Ed25519PrivateKey) or fingerprint_of(key.public_key()) != fp:
        raise ServiceError(f"{key_path} does not hold the key {fp}", code="bad_key")
    return CentreKey(fp, key, key_path, folder / f"{fp}.crt")


def keyring(folder: Path | None = None) -> dict[str, PublicKeyInfo]:
    """Every public key ever used by this centre, by fingerprint."""
    folder = folder or key_dir()
    current = _read_current(folder) if folder.exists() else None
    out: dict[str, PublicKeyInfo] = {}
    for pub in sorted(folder.glob("*.pub")) if folder.exists() else []:
        try:
            key = load_public_key(pub.read_bytes())
        except ValueError:
            continue
        fp = fingerprint_of(key)
        if fp != pub.stem:
            continue  # a renamed file must not vouch for another key
        mtime = _dt.datetime.fromtimestamp(pub.stat().st_mtime, _dt.timezone.utc)
        out[fp] = PublicKeyInfo(fp, key, fp == current, (folder / f"{fp}.key").exists(),
                                mtime.strftime("%Y-%m-%dT%H:%M:%SZ"))
    return out


def sign_record(record: dict) -> tuple[str, str, str]:
    """Sign the canonical form of ``record``: ``(canonical_text, signature_b64, fingerprint)``."""
    with metrics.timed(metrics.PROTOCOL_SIGNING_SECONDS):
        key = centre_key()
        data = canonical_bytes(record)
        signature = key.private_key.sign(data)
    return data.decode("utf-8"), base64.b64encode(signature).decode(), key.fingerprint


def verify_record(canonical_text: str | bytes, signature_b64: str, public_key: Ed25519PublicKey) -> bool:
    """True iff ``signature_b64`` is a valid Ed25519 signature of exactly these bytes."""
    data = canonical_text.encode("utf-8") if isinstance(canonical_text, str) else canonical_text
    try:
        signature = base64.b64decode(signature_b64, validate=True)
        public_key.verify(signature, data)
    except (InvalidSignature, ValueError):
        return False
    return True
