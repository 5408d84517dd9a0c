"""Verification: any flipped byte of a JSON export or of a PDF makes it fail."""
from __future__ import annotations

import json

import pytest

from examserver.protocols import issuing as protocols

from examserver.protocols import signing
from examserver.protocols.verify import trusted_keys, verify_bytes


def _flip(data: bytes, pos: int) -> bytes:
    return data[:pos] + bytes([data[pos] ^ 0x01]) + data[pos + 1:]


def test_json_export_verifies_and_every_flipped_byte_fails(finished_attempt):
    proto = protocols.create_testing_protocol(finished_attempt)
    raw = protocols.export_json(proto)
    trusted = trusted_keys()
    report = verify_bytes(raw, trusted)
    assert report.ok, [c for c in report.checks if not c.ok]
    assert report.number == proto.number
    survivors = [pos for pos in range(len(raw)) if verify_bytes(_flip(raw, pos), trusted).ok]
    assert survivors == [], [raw[max(0, p - 40):p + 20] for p in survivors]


def test_pdf_verifies_with_every_check(finished_attempt):
    proto = protocols.create_testing_protocol(finished_attempt)
    report = verify_bytes(protocols.render_pdf(proto), trusted_keys())
    assert report.ok, [c for c in report.checks if not c.ok]
    names = " ".join(c.name for c in report.checks)
    for expected in ("Ed25519 signature", "printed candidate", "printed total score", "printed verdict",
                     "PAdES signature valid", "entire file"):
        assert expected in names


def _positions(pdf: bytes) -> list[int]:
    """~50 deterministic positions: spread over the file, plus the signature
    dictionary (ByteRange, Contents hex and its zero padding), the embedded record
    stream and the end of the file."""
    n = len(pdf)
    spread = [i * n // 30 for i in range(30)]
    contents = pdf.rindex(b"/Contents <") + len(b"/Contents <")
    contents_end = pdf.index(b">", contents)
    byterange = pdf.rindex(b"/ByteRange")
    ef = pdf.index(b"stream", pdf.index(b"/EmbeddedFile")) + len(b"stream\n")
    special = [byterange + 12, byterange + 20, contents, contents + 1, contents + 200, contents + 1000,
               contents_end - 1, contents_end - 300, contents_end, (contents + contents_end) // 2,
               ef, ef + 10, ef + 40, ef + 100, pdf.rindex(b"%%EOF"), n - 1, n - 3, pdf.rindex(b"startxref") + 12,
               pdf.index(b"/Type /Catalog") if b"/Type /Catalog" in pdf else 9, 0]
    return sorted(set(p for p in spread + special if 0 <= p < n))


def test_flipping_any_sampled_byte_of_the_pdf_fails(finished_attempt, backend):
    if backend != "sqlite":
        pytest.skip("the PDF bytes do not depend on the database; slow, so SQLite only")
    proto = protocols.create_testing_protocol(finished_attempt)
    pdf = protocols.render_pdf(proto)
    trusted = trusted_keys()
    positions = _positions(pdf)
    assert len(positions) >= 45
    survivors = [p for p in positions if verify_bytes(_flip(pdf, p), trusted).ok]
    assert survivors == [], [pdf[max(0, p - 30):p + 10] for p in survivors]


def test_old_protocols_verify_after_key_rotation(finished_attempt, runner):
    proto = protocols.create_testing_protocol(finished_attempt)
    raw, pdf = protocols.export_json(proto), protocols.render_pdf(proto)
    old, new = signing.rotate_key(reason="yearly rotation")
    assert old == proto.key_fingerprint and new != old
    assert not (signing.key_dir() / f"{old}.key").exists()
    ring = signing.keyring()
    assert ring[old].active is False and ring[new].active is True
    assert verify_bytes(raw, trusted_keys()).ok
    assert verify_bytes(pdf, trusted_keys()).ok
    # A re-print after the rotation is PAdES-signed with the new key and still verifies.
    reprint = protocols.render_pdf(proto, "ru")
    assert verify_bytes(reprint, trusted_keys()).ok
    # A key from outside the keyring is not trusted, whatever the file carries.
    (signing.key_dir() / f"{old}.pub").unlink()
    assert not verify_bytes(raw, trusted_keys()).ok


def test_record_with_a_different_key_fails(finished_attempt):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    proto = protocols.create_testing_protocol(finished_attempt)
    data = json.loads(protocols.export_json(proto))
    forger = Ed25519PrivateKey.generate()
    import base64
    data["signature"] = base64.b64encode(forger.sign(data["record"].encode())).decode()
    data["key_fingerprint"] = signing.fingerprint_of(forger.public_key())
    data["public_key"] = signing.public_pem(forger.public_key())
    report = verify_bytes(json.dumps(data).encode(), trusted_keys())
    assert not report.ok
    assert [c.name for c in report.checks if not c.ok] == ["signing key is trusted", "Ed25519 signature of the record"]


def test_session_protocol_pdf_verifies(world, finished_attempt):
    from examserver.models import SessionState

    protocols.create_testing_protocol(finished_attempt)
    world["session"].state = SessionState.CLOSED
    proto = protocols.create_session_protocol_if_complete(world["session"])
    report = verify_bytes(protocols.render_pdf(proto, "ru"), trusted_keys())
    assert report.ok, [c for c in report.checks if not c.ok]
    assert any(c.name.startswith("printed participant 1") for c in report.checks)


def test_changing_the_case_of_a_signature_hex_digit_fails(finished_attempt, backend):
    """A PDF reader decodes /Contents hex case-insensitively; the verifier must not."""
    if backend != "sqlite":
        pytest.skip("the PDF bytes do not depend on the database")
    proto = protocols.create_testing_protocol(finished_attempt)
    pdf = protocols.render_pdf(proto)
    trusted = trusted_keys()
    start = pdf.rindex(b"/Contents <") + len(b"/Contents <")
    end = pdf.index(b">", start)
    letters = [start + i for i, b in enumerate(pdf[start:end]) if chr(b) in "ABCDEFabcdef"]
    assert len(letters) > 10
    for pos in letters[:3] + letters[len(letters) // 2:len(letters) // 2 + 2] + letters[-3:]:
        changed = pdf[:pos] + pdf[pos:pos + 1].swapcase() + pdf[pos + 1:]
        report = verify_bytes(changed, trusted)
        assert not report.ok
        assert [c.name for c in report.checks if not c.ok] == ["signature bytes canonically encoded"]
