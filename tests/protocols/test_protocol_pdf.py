"""The printed protocol: fonts, language, QR code, attachment and PAdES signature."""
from __future__ import annotations

import subprocess

from examserver.protocols import issuing as protocols

from .conftest import KY_NAME


def _pdftotext(data: bytes, tmp_path) -> str:
    path = tmp_path / "p.pdf"
    path.write_bytes(data)
    return subprocess.run(["/usr/bin/pdftotext", "-layout", str(path), "-"], check=True,
                          capture_output=True).stdout.decode("utf-8")


def test_kyrgyz_pdf_shows_name_scores_and_verdict(finished_attempt, tmp_path):
    proto = protocols.create_testing_protocol(finished_attempt)
    pdf = protocols.render_pdf(proto)
    text = " ".join(_pdftotext(pdf, tmp_path).split())
    assert " ".join(KY_NAME) in text
    assert "ТЕСТИРЛӨӨНҮН ПРОТОКОЛУ № BISH-2026-000001" in text
    assert "Жалпы балл: 7 баллдан 5" in text
    assert "Талапкердин баллы квалификациялык талаптарга жооп берет" in text
    assert "Негизги тест: 4 баллдан 4" in text



def test_every_font_is_embedded_and_the_record_attached(finished_attempt, tmp_path):
    proto = protocols.create_testing_protocol(finished_attempt)
    path = tmp_path / "p.pdf"
    path.write_bytes(protocols.render_pdf(proto, "ru"))
    fonts = subprocess.run(["/usr/bin/pdffonts", str(path)], check=True, capture_output=True, text=True).stdout
    rows = fonts.splitlines()[2:]
    assert rows and all(" yes yes yes " in row for row in rows), fonts
    listing = subprocess.run(["/usr/bin/pdfdetach", "-list", str(path)], check=True, capture_output=True,
                             text=True).stdout
    assert f"protocol-{proto.number}.json" in listing
    text = " ".join(_pdftotext(path.read_bytes(), tmp_path).split())
    assert "ПРОТОКОЛ ТЕСТИРОВАНИЯ № BISH-2026-000001" in text
    assert "Балл кандидата соответствует квалификационным требованиям" in text
