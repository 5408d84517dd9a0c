"""Printable protocols: A4 PDF with embedded DejaVu fonts, a QR code, the signed
record attached, and a PAdES signature (pyHanko) by the centre key.

The PDF is built in two steps: reportlab draws the pages (``invariant`` mode,
so the same record and language always give the same page bytes), then pyHanko
adds the record as an embedded file (``protocol-<number>.json``, the export of
``protocols.export_dict``) and signs the whole file with the centre's Ed25519
key and its self-issued certificate (``signing``; PAdES baseline B-B).
"""
from __future__ import annotations

import io
import json
from typing import Any

from flask_babel import force_locale
from flask_babel import gettext as _
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from examserver.models import Protocol
from examserver.protocols import signing
from examserver.protocols.texts import lines_for

FONT_DIR = "/usr/share/fonts/truetype/dejavu"
# Own names, so another PDF module registering DejaVu differently never clashes.
FONT, FONT_BOLD, FONT_MONO = "Protocol-Sans", "Protocol-Sans-Bold", "Protocol-Mono"
FONT_FILES = {FONT: "DejaVuSans.ttf", FONT_BOLD: "DejaVuSans-Bold.ttf", FONT_MONO: "DejaVuSansMono.ttf"}
QR_PREFIX = "EXAMPROT1"


def _register_fonts() -> None:
    registered = pdfmetrics.getRegisteredFontNames()
    for name, filename in FONT_FILES.items():
        if name not in registered:
            pdfmetrics.registerFont(TTFont(name, f"{FONT_DIR}/{filename}"))


def qr_payload(number: str, digest: str, signature: str) -> str:
    """What the QR code carries: ``EXAMPROT1|<number>|<sha256 of record>|<signature b64>``."""
    return "|".join((QR_PREFIX, number, digest, signature))


class _Page:
    """A cursor over reportlab pages: writes wrapped lines, breaks pages."""

    LEFT, RIGHT, TOP, BOTTOM = 20 * mm, A4[0] - 20 * mm, A4[1] - 18 * mm, 22 * mm

    def __init__(self, c: canvas.Canvas, footer: str):
        self.c, self.footer, self.page = c, footer, 1
        self.y = self.TOP

    def _footer(self) -> None:
        self.c.setFont(FONT, 7)
        self.c.drawString(self.LEFT, 12 * mm, self.footer)
        self.c.drawRightString(self.RIGHT, 12 * mm, str(self.page))

    def need(self, height: float) -> None:
        if self.y - height < self.BOTTOM:
            self._footer()
            self.c.showPage()
            self.page += 1
            self.y = self.TOP

    def line(self, text: str, size: float = 9.5, bold: bool = False, mono: bool = False,
             indent: float = 0, width: float | None = None) -> None:
        font = FONT_MONO if mono else FONT_BOLD if bold else FONT
        width = width or (self.RIGHT - self.LEFT - indent)
        for part in simpleSplit(text, font, size, width) or [""]:
            self.need(size * 1.45)
            self.c.setFont(font, size)
            self.c.drawString(self.LEFT + indent, self.y - size, part)
            self.y -= size * 1.45

    def gap(self, height: float = 4) -> None:
        self.y -= height

    def finish(self) -> None:
        self._footer()
        self.c.showPage()


def _draw_qr(c: canvas.Canvas, payload: str, x: float, y: float, size: float) -> None:
    """A vector QR code (qrcode computes the modules, reportlab draws squares)."""
    import qrcode

    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=0)
    qr.add_data(payload)
    qr.make(fit=True)
    matrix = qr.get_matrix()
    cell = size / len(matrix)
    c.setFillColorRGB(0, 0, 0)
    for row, cells in enumerate(matrix):
        for col, dark in enumerate(cells):
            if dark:
                c.rect(x + col * cell, y + size - (row + 1) * cell, cell, cell, stroke=0, fill=1)


def draw_pdf(record: dict[str, Any], number: str, digest: str, signature: str, lang: str) -> bytes:
    """The unsigned pages of a protocol in ``lang`` (ky, ru or en)."""
    _register_fonts()
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4, invariant=1, pageCompression=1, initialFontName=FONT, initialFontSize=9)
    with force_locale(lang):
        # Appeal protocols print their own lines (appeal_texts, appeals feature).
        title, blocks, sign_lines = lines_for(record, lang)
        footer = _("Protocol No. %(number)s · record SHA-256 %(digest)s", number=number, digest=digest[:16] + "…")
        c.setTitle(title)
        c.setAuthor((record.get("centre") or {}).get("code", ""))
        c.setSubject(number)
        page = _Page(c, footer)
        qr_size = 34 * mm
        _draw_qr(c, qr_payload(number, digest, signature), page.RIGHT - qr_size, page.TOP - qr_size, qr_size)
        head_width = page.RIGHT - page.LEFT - qr_size - 6 * mm
        page.line(title, size=13, bold=True, width=head_width)
        for text in blocks[0]:
            page.line(text, width=head_width)
        page.y = min(page.y, page.TOP - qr_size - 4 * mm)
        for block in blocks[1:]:
            page.gap(3)
            for item in block:
                kind, text = item if isinstance(item, tuple) else ("text", item)
                if kind == "head":
                    page.line(text, size=10.5, bold=True)
                elif kind == "strong":
                    page.line(text, size=10.5, bold=True)
                elif kind == "mono":
                    page.line(text, size=7.5, mono=True)
                else:
                    page.line(text, indent=4 * mm if kind == "item" else 0)
        page.gap(10)
        page.need(len(sign_lines) * 16 * mm)
        for label in sign_lines:
            page.gap(12 * mm)
            c.setLineWidth(0.5)
            c.line(page.RIGHT - 55 * mm, page.y - 9, page.RIGHT, page.y - 9)
            page.line(label, size=9, width=page.RIGHT - page.LEFT - 60 * mm)
        page.finish()
    c.save()
    return buf.getvalue()


def sign_pdf(pdf: bytes, attachment_name: str, attachment: bytes, reason: str, location: str) -> bytes:
    """Attach the signed record and PAdES-sign the file with the centre key."""
    from pyhanko.pdf_utils import embed, generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    key = signing.centre_key()
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    data = embed.EmbeddedFileObject.from_file_data(
        writer, data=attachment, mime_type="application/json",
        params=embed.EmbeddedFileParams(embed_size=True, embed_checksum=True))
    embed.embed_file(writer, embed.FileSpec(
        file_spec_string=attachment_name, file_name=attachment_name, embedded_data=data,
        description="Signed canonical protocol record", af_relationship=generic.pdf_name("/Data")))
    signer = signers.SimpleSigner.load(str(key.key_path), str(key.cert_path))
    meta = signers.PdfSignatureMetadata(field_name="CentreSignature", reason=reason, location=location,
                                        subfilter=fields.SigSeedSubFilter.PADES)
    out = signers.sign_pdf(writer, meta, signer=signer)
    return out.getvalue()


def attachment_name(number: str) -> str:
    return f"protocol-{number}.json"


def render_signed_pdf(protocol: Protocol, lang: str | None = None) -> bytes:
    """The full signed PDF of ``protocol``; ``lang`` defaults to the record's language."""
    from examserver.protocols.store import export_json, record_digest

    record = json.loads(protocol.record)
    lang = lang or record.get("language") or "ru"
    if lang not in ("ky", "ru", "en"):
        lang = "ru"
    digest = record_digest(protocol)
    pages = draw_pdf(record, protocol.number, digest, protocol.signature, lang)
    return sign_pdf(pages, attachment_name(protocol.number), export_json(protocol),
                    reason=f"Protocol {protocol.number}", location=(record.get("centre") or {}).get("code", ""))
