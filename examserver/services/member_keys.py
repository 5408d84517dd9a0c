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

from ..models import User

_SCRYPT_N = 2**15


def _derive(password: str, salt: bytes) -> bytes:
    return Scrypt(salt=salt, length=32, n=_SCRYPT_N, r=8, p=1).derive(password.encode("utf-8"))


def _raw_public(key: Ed25519PrivateKey) -> str:
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode()


def provision_member_key(user: User, password: str, private_key: Ed25519PrivateKey | None = None) -> None:
    """Give ``user`` a key pair (or re-encrypt ``private_key`` under a new password)."""
    key = private_key or Ed25519PrivateKey.generate()
    raw = key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption())
    salt, nonce = os.urandom(16), os.urandom(12)
    sealed = AESGCM(_derive(password, salt)).encrypt(nonce, raw, b"examserver-member-key")
    user.signing_public_key = _raw_public(key)
    user.signing_private_key_enc = ".".join(base64.b64encode(part).decode() for part in (salt, nonce, sealed))


def unlock_member_key(user: User, password: str) -> Ed25519PrivateKey | None:
    """The member's private key, or None if the password is wrong or no key exists."""
    if not user.signing_private_key_enc:
        return None
    try:
        salt, nonce, sealed = (base64.b64decode(part) for part in user.signing_private_key_enc.split("."))
        raw = AESGCM(_derive(password, salt)).decrypt(nonce, sealed, b"examserver-member-key")
    except (InvalidTag, ValueError):
        return None
    return Ed25519PrivateKey.from_private_bytes(raw)
