"""Printable access-code slips: A4 pages of 8 slips with dashed cut lines.

Each slip has the session, the candidate's name and seat, the code (in two
groups of four), a QR code of the code, and instructions in Kyrgyz and
Russian. Codes are only known at the moment they are issued, so slips are
rendered right after ``codes.issue_code`` and never stored.
"""
from __future__ import annotations

import io
from dataclasses import dataclass

from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from examserver.exam.codes import format_code

FONT_DIR = "/usr/share/fonts/truetype/dejavu"
COLUMNS, ROWS = 2, 4

# The slips always carry both languages: the candidate chooses at the kiosk.
INSTRUCTIONS = (
    ("ky", "Терминалда «Кирүү кодун» киргизиңиз. Тамгалардын чоң-кичинеси жана сызыкча маанилүү эмес. "
           "Кодду эч кимге көрсөтпөңүз; ал бир гана жолу берилет. Суроо болсо, проктордон жардам сураңыз."),
    ("ru", "Введите «код доступа» на терминале. Регистр букв и дефис не важны. "
           "Никому не показывайте код; он выдаётся один раз. Если есть вопрос, обратитесь к проктору."),
)


@dataclass(frozen=True)
class Slip:
    name: str
    seat: str
    code: str
    session_title: str
    session_when: str
    position: str = ""


# Own names, so other PDF modules registering DejaVu under other names never clash.
FONTS = {"Slip-Regular": "DejaVuSans.ttf", "Slip-Bold": "DejaVuSans-Bold.ttf", "Slip-Mono": "DejaVuSansMono-Bold.ttf"}


def _fonts() -> tuple[str, str]:
    registered = pdfmetrics.getRegisteredFontNames()
    for name, filename in FONTS.items():
        if name not in registered:
            pdfmetrics.registerFont(TTFont(name, f"{FONT_DIR}/{filename}"))
    return "Slip-Regular", "Slip-Bold"


def _wrap(text: str, font: str, size: float, width: float) -> list[str]:
    lines, current = [], ""
    for word in text.split():
        trial = f"{current} {word}".strip()
        if pdfmetrics.stringWidth(trial, font, size) <= width or not current:
            current = trial
        else:
            lines.append(current)
            current = word
    if current:
        lines.append(current)
    return lines


def _qr(pdf: canvas.Canvas, value: str, x: float, y: float, size: float) -> None:
    widget = QrCodeWidget(value, barLevel="M")
    x0, y0, x1, y1 = widget.getBounds()
    drawing = Drawing(size, size, transform=[size / (x1 - x0), 0, 0, size / (y1 - y0), 0, 0])
    drawing.add(widget)
    renderPDF.draw(drawing, pdf, x, y)


def _slip(pdf: canvas.Canvas, slip: Slip, x: float, y: float, w: float, h: float) -> None:
    regular, bold = _fonts()
    pad = 5 * mm
    top = y + h - pad
    pdf.setFont(regular, 8)
    pdf.drawString(x + pad, top - 8, f"{slip.session_title} · {slip.session_when}"[:90])
    qr_size = 28 * mm
    room = w - 2 * pad - qr_size - 2 * mm
    size = 11.0
    while size > 6 and pdfmetrics.stringWidth(slip.name, bold, size) > room:
        size -= 0.5
    pdf.setFont(bold, size)
    pdf.drawString(x + pad, top - 22, slip.name[:80])
    pdf.setFont(regular, 9)
    seat = f"Орун / Место: {slip.seat or '—'}"
    pdf.drawString(x + pad, top - 35, seat)
    if slip.position:
        pdf.drawString(x + pad, top - 46, slip.position[:45])
    pdf.setFont("Slip-Mono", 20)
    pdf.drawString(x + pad, top - 72, format_code(slip.code))
    _qr(pdf, slip.code, x + w - pad - qr_size, top - qr_size, qr_size)
    text_y = top - 88
    for _lang, text in INSTRUCTIONS:
        for line in _wrap(text, regular, 7, w - 2 * pad):
            pdf.setFont(regular, 7)
            pdf.drawString(x + pad, text_y, line)
            text_y -= 8.5
        text_y -= 2


def render_slips(slips: list[Slip]) -> bytes:
    """A PDF with one slip per entry, 8 per A4 page, cut lines between them."""
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, pageCompression=1)
    pdf.setTitle("Access codes / Кирүү коддору / Коды доступа")
    page_w, page_h = A4
    margin = 8 * mm
    w = (page_w - 2 * margin) / COLUMNS
    h = (page_h - 2 * margin) / ROWS
    per_page = COLUMNS * ROWS
    for index, slip in enumerate(slips):
        if index and index % per_page == 0:
            pdf.showPage()
        position = index % per_page
        col, row = position % COLUMNS, position // COLUMNS
        x = margin + col * w
        y = page_h - margin - (row + 1) * h
        pdf.setDash(4, 3)
        pdf.setLineWidth(0.5)
        pdf.rect(x, y, w, h)
        pdf.setDash()
        _slip(pdf, slip, x, y, w, h)
    if not slips:
        pdf.setFont(_fonts()[0], 12)
        pdf.drawString(margin, page_h - margin - 20, "—")
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()
