"""Results letters (seed 003 §37): every participant is told the result in
writing within 5 days of the winner's determination.

One A4 PDF per applicant in their language (ky or ru), built from the signed
competition protocol (so a letter never says anything the protocol does not),
and a CSV list of all letters. The first issue of each letter is recorded
(``competition_applicant.letter_issued_at``) and audited.
"""
from __future__ import annotations

import csv
import io
import json

from flask_babel import force_locale
from flask_babel import gettext as _
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from examserver import clock
from examserver.models import Competition, Participant
from examserver.core import audit
from examserver.core.errors import Conflict
from examserver.protocols.store import record_digest
from examserver.protocols.wording import pick
from examserver.competitions import announce, issuing, ranking
from examserver.competitions.texts import FAILURES, score_text

FONT_DIR = "/usr/share/fonts/truetype/dejavu"
FONT, FONT_BOLD = "Letter-Sans", "Letter-Sans-Bold"


def _fonts() -> None:
    names = pdfmetrics.getRegisteredFontNames()
    for name, filename in ((FONT, "DejaVuSans.ttf"), (FONT_BOLD, "DejaVuSans-Bold.ttf")):
        if name not in names:
            pdfmetrics.registerFont(TTFont(name, f"{FONT_DIR}/{filename}"))


def _signed_record(competition: Competition) -> tuple[dict, str]:
    protocol = issuing.current_protocol(competition)
    if protocol is None:
        raise Conflict(_("Sign the competition protocol before issuing the letters."), "no_protocol")
    return json.loads(protocol.record), record_digest(protocol)


def result_of(record: dict, pin: str) -> str:
    """The participant's result code in the signed record."""
    outcome = record["outcome"]
    if outcome["winner"] and outcome["winner"]["pin"] == pin:
        return "winner"
    if any(m["pin"] == pin for m in record["reserve"]["members"]):
        return "reserve" if record["reserve"]["kind"] == "reserve" else "internal_reserve"
    status = next((a["status"] for a in record["applicants"] if a["pin"] == pin), "absent")
    if status != "tested":
        return status
    if outcome["status"] == "failed":
        return "failed"
    row = next(r for r in record["ranking"] if r["pin"] == pin)
    return "not_selected" if row["reached"] else "below_threshold"


def result_text(record: dict, pin: str) -> str:
    """One sentence of the result, in the current locale."""
    code = result_of(record, pin)
    texts = {
        "winner": _("You are the winner of the competition."),
        "reserve": _("You are not the winner; you are included in the reserve (§32, §37)."),
        "internal_reserve": _("You are not appointed; you are proposed for the internal reserve."),
        "not_selected": _("You reached the threshold but are not the winner of the competition."),
        "below_threshold": _("Your score did not reach the threshold."),
        "withdrawn": _("You withdrew your application."),
        "not_admitted": _("You were not admitted to testing."),
        "absent": _("You did not come to the test."),
        "failed": _("The competition has failed: %(reason)s.",
                    reason=str(FAILURES.get(record["outcome"]["failure"], ""))),
    }
    text = texts.get(code, code)
    if record["outcome"]["status"] == "failed" and code not in ("failed",):
        text += " " + _("The competition has failed: %(reason)s.", reason=str(FAILURES[record["outcome"]["failure"]]))
    return text


def letter_pdf(competition: Competition, participant: Participant, actor: audit.Actor) -> bytes:
    """The participant's letter in their language; records its first issue."""
    record, digest = _signed_record(competition)
    lang = participant.language if participant.language in ("ky", "ru") else "ru"
    if participant.id not in {a.participant.id for a in ranking.applicants(competition)}:
        raise Conflict(_("This person is not an applicant of the competition."), "not_applicant")
    _mark_issued(competition, participant, lang, result_of(record, participant.pin), actor)
    return _draw(record, digest, participant, lang)


def _mark_issued(competition, participant, lang, result, actor) -> None:
    row = announce.applicant_row(competition, participant)
    if row.letter_issued_at is None:
        row.letter_issued_at, row.letter_language, row.letter_result = clock.now(), lang, result
        audit.record("competition.letter", competition, actor=actor, centre_id=competition.centre_id,
                     participant=participant.id, language=lang, result=result)


def issue_all(competition: Competition, actor: audit.Actor) -> int:
    """Record the issue of every letter not yet issued; returns how many were new."""
    record, _digest = _signed_record(competition)
    count = 0
    for a in ranking.applicants(competition):
        if a.row is None or a.row.letter_issued_at is None:
            lang = a.participant.language if a.participant.language in ("ky", "ru") else "ru"
            _mark_issued(competition, a.participant, lang, result_of(record, a.participant.pin), actor)
            count += 1
    return count


def _draw(record: dict, digest: str, participant: Participant, lang: str) -> bytes:
    _fonts()
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4, invariant=1, initialFontName=FONT)
    left, width, y = 22 * mm, A4[0] - 44 * mm, A4[1] - 25 * mm

    def line(text: str, size: float = 11, bold: bool = False) -> None:
        nonlocal y
        for part in simpleSplit(text, FONT_BOLD if bold else FONT, size, width) or [""]:
            c.setFont(FONT_BOLD if bold else FONT, size)
            c.drawString(left, y, part)
            y -= size * 1.5

    with force_locale(lang):
        comp = record["competition"]
        line(pick(record["centre"]["name"], lang), 10)
        y -= 10
        line(_("RESULTS OF THE COMPETITION"), 14, bold=True)
        line(_("Competition %(code)s: %(title)s", code=comp["code"], title=comp["title"]))
        line(_("Position: %(title)s (%(code)s), group %(group)s", title=pick(record["position"]["title"], lang),
               code=record["position"]["code"], group=record["position"]["group"]))
        y -= 8
        line(_("To: %(name)s (PIN %(pin)s)", name=participant.full_name, pin=participant.pin), bold=True)
        row = next((r for r in record["ranking"] if r["pin"] == participant.pin), None)
        if row is not None:
            line(_("Your score: %(score)s; place %(place)s of %(n)s", score=score_text(row["total_points"],
                                                                                          row["max_points"]),
                   place=row["place"], n=len(record["ranking"])))
        y -= 6
        line(result_text(record, participant.pin), 12, bold=True)
        y -= 8
        line(_("Competition protocol No. %(number)s of %(date)s", number=record["number"],
               date=record["issued_at"]["local"][:10]))
        c.setFont(FONT, 7)
        c.drawString(left, 15 * mm, _("Protocol record SHA-256: %(digest)s", digest=digest))
    c.showPage()
    c.save()
    return buf.getvalue()


def letters_csv(competition: Competition) -> str:
    """Every applicant's letter: result, language and the date it was issued."""
    record, _digest = _signed_record(competition)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(["pin", "full_name", "language", "status", "place", "total_points", "max_points", "result",
                     "letter_issued_at", "protocol"])
    places = {r["pin"]: r for r in record["ranking"]}
    for a in ranking.applicants(competition):
        p, row = a.participant, places.get(a.participant.pin)
        issued = a.row.letter_issued_at if a.row is not None else None
        writer.writerow([p.pin, p.full_name, p.language, a.candidate.status, row["place"] if row else "",
                         row["total_points"] if row else "", row["max_points"] if row else "",
                         result_of(record, p.pin), clock.to_local(issued).isoformat() if issued else "",
                         record["number"]])
    return out.getvalue()
