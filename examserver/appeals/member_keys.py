"""Personal signing keys of commission members.

Each chair/member has an Ed25519 key pair; the private key is stored encrypted
under a key derived from their password (scrypt + AES-256-GCM), so only the
member, typing their password at the moment of signing, can produce their
signature on an appeal protocol.
"""
from __future__ import annotations

import base64
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from examserver.models import User

from flask import current_app

# scrypt cost (log2 N): 15 in production; testing mode uses 10 so the suite can
# create many commission members. The cost is stored with each sealed key.
_LOG2_N = {"testing": 10}
_DEFAULT_LOG2_N = 15


def _derive(password: str, salt: bytes, log2_n: int) -> bytes:
    return Scrypt(salt=salt, length=32, n=2**log2_n, r=8, p=1).derive(password.encode("utf-8"))


def _raw_public(key: Ed25519PrivateKey) -> str:
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode()


def provision_member_key(user: User, password: str, private_key: Ed25519PrivateKey | None = None) -> None:
    """Give ``user`` a key pair (or re-encrypt ``private_key`` under a new password)."""
    key = private_key or Ed25519PrivateKey.generate()
    raw = key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption())
    salt, nonce = os.urandom(16), os.urandom(12)
    log2_n = _LOG2_N.get(current_app.config.get("MODE"), _DEFAULT_LOG2_N)
    sealed = AESGCM(_derive(password, salt, log2_n)).encrypt(nonce, raw, b"examserver-member-key")
    user.signing_public_key = _raw_public(key)
    user.signing_private_key_enc = f"{log2_n}$" + ".".join(
        base64.b64encode(part).decode() for part in (salt, nonce, sealed))


def unlock_member_key(user: User, password: str) -> Ed25519PrivateKey | None:
    """The member's private key, or None if the password is wrong or no key exists."""
    if not user.signing_private_key_enc:
        return None
    try:
        cost, _, parts = user.signing_private_key_enc.partition("$")
        salt, nonce, sealed = (base64.b64decode(part) for part in parts.split("."))
        raw = AESGCM(_derive(password, salt, int(cost))).decrypt(nonce, sealed, b"examserver-member-key")
    except (InvalidTag, ValueError):
        return None
    return Ed25519PrivateKey.from_private_bytes(raw)
