"""The proctor's day in a real browser: log in, plan and open a session, import
a CSV list, print code slips (the PDF carries the codes), enrol a kiosk that
shows a pairing code in a second browser context, and watch a candidate's
progress change live while the candidate answers. CSRF is on, as in
production, so the live view's JSON actions must send X-CSRFToken."""
from __future__ import annotations

import io
import re

import pypdf
import pytest
import sqlalchemy as sa

from examserver.db import db
from examserver.models import AuditEntry, Centre, Participant, Role, Room, Terminal, TerminalState
from examserver.core import accounts
from examserver.exam import attempts
from examserver.exam import code_login
from examserver.exam import codes
from examserver.exam.attempts import form_of

PASSWORD = "correct horse battery"

pytestmark = pytest.mark.browser

CSV = ("surname;name;patronymic;pin;id_document;position;language;competition;seat\n"
       "Токтогулова;Айпери;Бакытовна;21505199012345;ID1234567;TEST-POS-1;ky;;1\n"
       "Өмүрбеков;Үмүт;;10102200000017;ID7654321;TEST-POS-1;ru;;2\n")


@pytest.fixture
def app_config():
    return {"WTF_CSRF_ENABLED": True}


def test_proctor_runs_a_session(app, loaded_bank, live_server, browser, page, tmp_path):
    with app.app_context():
        centre = Centre(code="A", name={"ru": "Центр А", "ky": "А борбору"}, address="Бишкек")
        db.session.add(centre)
        db.session.flush()
        room = Room(centre_id=centre.id, name="101", seats=30)
        db.session.add(room)
        db.session.flush()
        accounts.create_user("proctor_a", PASSWORD, Role.PROCTOR, "Proctor A", centre)
        db.session.commit()
        room_id = room.id
    base = live_server.url
    page.goto(f"{base}/admin/?lang=ru")
    page.fill("input[name=username]", "proctor_a")
    page.fill("input[name=password]", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_selector("#logout")

    # Plan and open a session.
    page.goto(f"{base}/admin/sessions/")
    page.fill("input[name=title]", "Конкурс 23.11")
    page.select_option("select[name=room_id]", str(room_id))
    page.fill("input[name=session_date]", "2026-11-23")
    page.fill("input[name=start_time]", "09:00")
    page.click("#session-form button[type=submit]")
    page.wait_for_selector("#open-session")
    session_url = page.url
    page.click("#open-session")
    page.wait_for_selector("#session-state.open")

    # Import the CSV list and admit everyone.
    csv_path = tmp_path / "list.csv"
    csv_path.write_bytes(CSV.encode("utf-8"))
    page.set_input_files("#import-form input[type=file]", str(csv_path))
    page.check("#import-form input[name=consent]")  # everyone signed the consent (annex 3)
    page.click("#import-button")
    page.wait_for_selector("#participants >> text=Токтогулова Айпери Бакытовна")
    page.click("#admit-all")
    page.wait_for_selector("#participants >> text=допущен")

    # Print slips: a PDF download with both codes.
    with page.expect_download() as download_info:
        page.click("#print-slips")
    pdf_path = tmp_path / "slips.pdf"
    download_info.value.save_as(pdf_path)
    text = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf_path.read_bytes())).pages)
    printed = re.findall(r"\b([0-9A-Z]{4}-[0-9A-Z]{4})\b", text)
    assert len(printed) == 2 and "Өмүрбеков Үмүт" in text
    with app.app_context():
        owners = {codes.find_participant(c).full_name for c in printed}
        assert owners == {"Токтогулова Айпери Бакытовна", "Өмүрбеков Үмүт"}
        code = next(c for c in printed if codes.find_participant(c).surname == "Токтогулова")

    # A kiosk in a second browser context shows a pairing code; the proctor enrols it.
    kiosk_context = browser.new_context()
    kiosk = kiosk_context.new_page()
    kiosk.goto(f"{base}/kiosk")
    pairing = kiosk.inner_text("#pairing-code").strip()
    page.goto(f"{base}/admin/terminals/")
    page.fill("input[name=pairing_code]", pairing)
    page.select_option("#enrol-form select[name=room_id]", str(room_id))
    page.fill("#enrol-form input[name=seat]", "1")
    page.click("#enrol-form button[type=submit]")
    page.wait_for_selector("#terminals .badge.enrolled")
    kiosk.wait_for_selector("#pairing-code", state="detached")
    kiosk_context.close()

    # The candidate starts and answers (through the services the kiosk API uses).
    with app.app_context():
        terminal = db.session.scalar(sa.select(Terminal).where(Terminal.state == TerminalState.ENROLLED))
        participant = code_login.login_with_code(terminal, code)
        attempt = attempts.start_attempt(participant, terminal, "ky")
        attempt_id = attempt.id
        db.session.commit()

    page.goto(session_url.replace("/sessions/", "/room/"))
    row = page.locator("#live-table tr", has_text="Токтогулова")
    row.locator("td.answered", has_text="0/7").wait_for()
    assert "идёт" in row.locator("td.state").inner_text()

    with app.app_context():
        from examserver.models import Attempt

        attempt = db.session.get(Attempt, attempt_id)
        for slot in (1, 2):
            option = form_of(attempt).slot(slot).option_order[0]
            attempts.record_event(attempt, attempt.last_seq + 1, "answer",
                                  {"slot": slot, "selected": [option], "input": "click"}, "")
        db.session.commit()
    row.locator("td.answered", has_text="2/7").wait_for()

    # An intervention from the live view: extend by 5 minutes with a reason (JSON + CSRF header).
    before = row.locator("td.time-left").inner_text()
    row.locator("button[data-action=extend]").click()
    page.fill("#action-form input[name=minutes]", "5")
    page.fill("#action-form textarea[name=reason]", "сбой питания")
    page.click("#action-confirm")
    page.wait_for_selector("#action-dialog", state="hidden")
    assert row.locator("td.time-left").inner_text() != before
    with app.app_context():
        entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "attempt.extend"))
        assert entry is not None and entry.reason == "сбой питания"
        assert db.session.scalar(sa.select(sa.func.count(Participant.id))) == 2
