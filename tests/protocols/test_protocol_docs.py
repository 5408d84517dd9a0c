"""The standalone verifier in docs/protocols.md works with only `cryptography`."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from examserver.protocols import issuing as protocols

from examserver.protocols import signing

DOC = Path(__file__).resolve().parents[2] / "docs" / "protocols.md"


def _snippet(tmp_path) -> Path:
    code = re.search(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S).group(1)
    path = tmp_path / "verify_protocol.py"
    path.write_text(code, encoding="utf-8")
    return path


def test_doc_snippet_verifies_an_export_and_the_record_inside_a_pdf(finished_attempt, tmp_path):
    proto = protocols.create_testing_protocol(finished_attempt)
    script = _snippet(tmp_path)
    pem = tmp_path / "centre.pem"
    pem.write_text(signing.public_pem(signing.keyring()[proto.key_fingerprint].public_key))
    exported = tmp_path / "p.json"
    exported.write_bytes(protocols.export_json(proto))
    run = subprocess.run([sys.executable, str(script), str(exported), str(pem)], capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "Үсөнбаева Айгүл Жеңишбековна 5 meets" in run.stdout
    # The record embedded in the PDF, extracted with pdfdetach, verifies the same way.
    pdf = tmp_path / "p.pdf"
    pdf.write_bytes(protocols.render_pdf(proto))
    attached = tmp_path / "attached.json"
    subprocess.run(["/usr/bin/pdfdetach", "-save", "1", "-o", str(attached), str(pdf)], check=True)
    run = subprocess.run([sys.executable, str(script), str(attached), str(pem)], capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr
    # An altered score is caught.
    exported.write_text(exported.read_text(encoding="utf-8").replace('total_points\\":5', 'total_points\\":6'),
                        encoding="utf-8")
    run = subprocess.run([sys.executable, str(script), str(exported), str(pem)], capture_output=True, text=True)
    assert run.returncode == 1 and "FAIL Ed25519 signature" in run.stdout
