"""The command line: keys generate/list/rotate/export-public, verify, protocol export."""
from __future__ import annotations

import os
import stat

from examserver.protocols import issuing as protocols


def test_keys_generate_list_rotate_export(runner, app, tmp_path):
    result = runner.invoke(args=["keys", "list"])
    assert result.exit_code == 0 and "no keys" in result.output
    result = runner.invoke(args=["keys", "generate"])
    assert result.exit_code == 0, result.output
    first = result.output.split()[3]
    key_file = os.path.join(app.config["SIGNING_KEY_DIR"], f"{first}.key")
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    again = runner.invoke(args=["keys", "generate"])
    assert again.exit_code == 1 and "already exists" in again.output
    result = runner.invoke(args=["keys", "rotate", "--reason", "test"])
    assert result.exit_code == 0 and f"retired {first}" in result.output
    listing = runner.invoke(args=["keys", "list"]).output
    assert f"{first}  retired  public only" in listing
    assert "active   private" in listing
    out = tmp_path / "keys.pem"
    result = runner.invoke(args=["keys", "export-public", "--all", "-o", str(out)])
    assert result.exit_code == 0
    assert out.read_text().count("BEGIN PUBLIC KEY") == 2


def test_verify_command_json_and_pdf(runner, finished_attempt, tmp_path, ctx):
    proto = protocols.create_testing_protocol(finished_attempt)
    ctx.commit()
    json_path, pdf_path = tmp_path / "p.json", tmp_path / "p.pdf"
    assert runner.invoke(args=["protocol", "export", proto.number, "-o", str(json_path)]).exit_code == 0
    result = runner.invoke(args=["protocol", "export", proto.number, "--pdf", "-o", str(pdf_path)])
    assert result.exit_code == 0, result.output
    pub = tmp_path / "centre.pem"
    assert runner.invoke(args=["keys", "export-public", "-o", str(pub)]).exit_code == 0
    for path in (json_path, pdf_path):
        result = runner.invoke(args=["verify", str(path)])
        assert result.exit_code == 0, result.output
        assert "[OK] Ed25519 signature of the record" in result.output and "VALID" in result.output
        result = runner.invoke(args=["verify", str(path), "--public-key", str(pub)])
        assert result.exit_code == 0, result.output
    assert "[OK] printed verdict agrees with the record (ky)" in result.output
    assert "[OK] PAdES signature valid and intact" in result.output
    # One flipped byte: the command says which check failed and exits 1.
    raw = bytearray(json_path.read_bytes())
    raw[raw.index(b"total_points") + len(b"total_points\\\":")] ^= 0x01  # the score digit
    bad = tmp_path / "bad.json"
    bad.write_bytes(bytes(raw))
    result = runner.invoke(args=["verify", str(bad)])
    assert result.exit_code == 1
    assert "[FAIL] Ed25519 signature of the record" in result.output and "NOT VALID" in result.output


def test_verify_with_a_foreign_public_key_fails(runner, finished_attempt, tmp_path, ctx):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from examserver.protocols import signing

    proto = protocols.create_testing_protocol(finished_attempt)
    path = tmp_path / "p.json"
    path.write_bytes(protocols.export_json(proto))
    other = tmp_path / "other.pem"
    other.write_text(signing.public_pem(Ed25519PrivateKey.generate().public_key()))
    result = runner.invoke(args=["verify", str(path), "--public-key", str(other)])
    assert result.exit_code == 1
    assert "[FAIL] signing key is trusted" in result.output
