"""axe-core on the kiosk's pages, in Kyrgyz and Russian, along a candidate's
way: pairing code, access code, confirmation and language, a question, the
result. No critical or serious violation, no empty table header. (The kiosk is
KIOSK FRONT's; this test only watches it.)"""
from __future__ import annotations

import json

import pytest

from examserver.core.audit import Actor
from examserver.db import db
from examserver.exam import codes, terminals
from examserver.models import Room
from tests.factories import make_admitted_candidate, make_centre, make_open_session, make_room

from tests.browser.test_console_axe import AXE, _violations

pytestmark = pytest.mark.browser


@pytest.fixture
def page(browser):
    """A page whose context lets the injected axe script past the kiosk's CSP."""
    context = browser.new_context(viewport={"width": 1280, "height": 800}, bypass_csp=True)
    context.set_default_timeout(15000)
    yield context.new_page()
    context.close()


@pytest.mark.parametrize("language", ["ky", "ru"])
def test_kiosk_pages_have_no_serious_axe_violations(live_server, page, loaded_bank, language):
    if not AXE.exists():
        pytest.fail(f"axe-core missing at {AXE}: run `make axe`")
    app = loaded_bank
    with app.app_context():
        centre = make_centre()
        room = make_room(centre)
        session = make_open_session(centre, room)
        _p, code = make_admitted_candidate(session, Actor("user", None, "proctor"))
        db.session.commit()
        room_id, code = room.id, codes.format_code(code)
    problems = {}

    def check(step):
        page.wait_for_load_state("networkidle")
        found = _violations(page)
        if found:
            problems[step] = found

    page.goto(f"{live_server.url}/kiosk/?lang={language}")
    pairing = page.text_content("#pairing-code").strip()
    check("pairing")
    with app.app_context():
        terminals.enrol(pairing, db.session.get(Room, room_id), "A-01", Actor("user", None, "proctor"))
        db.session.commit()
    page.wait_for_selector("#code")
    check("code")
    page.fill("#code", code)
    page.click("#code-submit")
    page.wait_for_selector("#candidate-name")
    check("confirm")
    page.click(f"#lang-{language}")
    page.click("#start")
    page.wait_for_selector(".option")
    check("question")
    page.click("#to-review")
    page.click("#finish")
    page.wait_for_selector("#kiosk-dialog[open]")
    check("finish dialog")
    page.click("#kiosk-dialog-ok")
    page.wait_for_selector("#result")
    check("result")
    assert not problems, json.dumps(problems, ensure_ascii=False, indent=1)
