"""The canonical record of an appeal protocol and its members' signatures.

The record has two layers::

    {"schema": "examserver.appeal-protocol/1", "kind": "appeal", "number": ...,
     "body": {...what the commission saw and decided...},
     "body_digest": sha256_hex(canonical_bytes(body)),
     "member_signatures": [{"username", "full_name", "role", "public_key",
                            "signed_at", "signature"}, ...],
     "corrected_protocol": "<number>" | null, "issued_at": {...}}

Each member present signs, with their personal Ed25519 key (unlocked by
their password at that moment, see ``member_keys``), the bytes
``MEMBER_MESSAGE_PREFIX + body_digest`` (ASCII). The centre key then signs the
whole record like every other protocol. So a verifier checks: the centre
signature over the record; ``body_digest`` against the body; every member
signature against its public key; and that the chair and every member listed
as present in the body have signed.
"""
from __future__ import annotations

import base64
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from examserver.canonical import digest

APPEAL_SCHEMA = "examserver.appeal-protocol/1"
MEMBER_MESSAGE_PREFIX = b"examserver-appeal-protocol/1:"


def member_message(body_digest: str) -> bytes:
    """The exact bytes a commission member signs."""
    return MEMBER_MESSAGE_PREFIX + body_digest.encode("ascii")


def verify_member_signature(public_key_b64: str, signature_b64: str, body_digest: str) -> bool:
    """True iff the member's signature over ``body_digest`` is valid."""
    try:
        key = Ed25519PublicKey.from_public_bytes(base64.b64decode(public_key_b64, validate=True))
        key.verify(base64.b64decode(signature_b64, validate=True), member_message(body_digest))
    except (InvalidSignature, ValueError):
        return False
    return True


def check_appeal_record(record: dict[str, Any]) -> list[str]:
    """Problems with the member layer of an appeal record (empty list: all good).

    Checks the body digest, every member signature, that nobody signed twice,
    and that every member listed as present (chair included) has signed.
    The centre signature over the whole record is checked by the caller.
    """
    problems: list[str] = []
    body = record.get("body")
    if not isinstance(body, dict):
        return ["appeal record has no body"]
    body_digest = digest(body)
    if record.get("body_digest") != body_digest:
        problems.append("body_digest does not match the body")
    present = {m.get("username"): m for m in body.get("commission", {}).get("present", [])}
    signed: set[str] = set()
    for sig in record.get("member_signatures") or []:
        name = sig.get("username")
        if name in signed:
            problems.append(f"member {name} signed twice")
        signed.add(name)
        expected = present.get(name)
        if expected is None:
            problems.append(f"{name} signed but is not listed as present")
            continue
        if expected.get("public_key") != sig.get("public_key"):
            problems.append(f"{name}: public key differs from the one listed as present")
        if not verify_member_signature(sig.get("public_key", ""), sig.get("signature", ""), body_digest):
            problems.append(f"{name}: member signature is not valid")
    for name in present:
        if name not in signed:
            problems.append(f"{name} is listed as present but did not sign")
    if not any(m.get("role") == "chair" for m in present.values()):
        problems.append("the chair is not among the members present")
    return problems
