"""Stored protocols: find them and export them as signed files.

The lowest module of the protocols feature: it reads ``protocol`` rows and the
keyring and imports nothing else of the feature, so the record builders, the
PDF renderer and the issuer can all use it.
"""
from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from examserver.canonical import sha256_hex
from examserver.core.errors import NotFound
from examserver.db import db
from examserver.models import Attempt, ExamSession, Protocol, ProtocolKind
from examserver.protocols import signing

EXPORT_FORMAT = "examserver.signed-protocol/1"


def record_digest(protocol: Protocol) -> str:
    """SHA-256 hex of the signed record bytes (printed and in the QR code)."""
    return sha256_hex(protocol.record.encode("utf-8"))


def protocol_for_attempt(attempt: Attempt) -> Protocol | None:
    """The attempt's latest testing or correction protocol (None if none yet)."""
    return db.session.scalar(sa.select(Protocol).where(
        Protocol.attempt_id == attempt.id,
        Protocol.kind.in_([ProtocolKind.TESTING, ProtocolKind.CORRECTION]))
        .order_by(Protocol.created_at.desc(), Protocol.id.desc()).limit(1))


def protocols_for_attempt(attempt: Attempt) -> list[Protocol]:
    """The original testing protocol and all its corrections, oldest first."""
    return list(db.session.scalars(sa.select(Protocol).where(
        Protocol.attempt_id == attempt.id,
        Protocol.kind.in_([ProtocolKind.TESTING, ProtocolKind.CORRECTION])).order_by(Protocol.id)))


def session_protocol(session: ExamSession) -> Protocol | None:
    return db.session.scalar(sa.select(Protocol).where(
        Protocol.session_id == session.id, Protocol.kind == ProtocolKind.SESSION).order_by(Protocol.id).limit(1))


def get_protocol(number: str) -> Protocol:
    protocol = db.session.scalar(sa.select(Protocol).where(Protocol.number == number))
    if protocol is None:
        raise NotFound(_("No protocol with this number."), code="no_protocol")
    return protocol


def export_dict(protocol: Protocol) -> dict[str, Any]:
    """The exported signed protocol (a ``.json`` file anyone can verify offline).

    ``record`` is the canonical text exactly as signed (a string, so no JSON
    tool can re-order or re-format the signed bytes); ``public_key`` is the
    PEM of the signing key, for convenience only: a verifier must trust the
    key by its fingerprint, never because the file says so.
    """
    ring = signing.keyring()
    info = ring.get(protocol.key_fingerprint)
    return {"format": EXPORT_FORMAT, "number": protocol.number, "record": protocol.record,
            "signature": protocol.signature, "key_fingerprint": protocol.key_fingerprint,
            "public_key": signing.public_pem(info.public_key) if info else None}


def export_json(protocol: Protocol) -> bytes:
    return (json.dumps(export_dict(protocol), ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode("utf-8")


def record_of(protocol: Protocol) -> dict[str, Any]:
    return json.loads(protocol.record)
