"""Issue 13 in a real browser: the whole exam with the keyboard alone on a
Russian layout, the time warnings, the display settings kept for the attempt.

Playwright's keyboard is a US layout; what a Kyrgyz/Russian layout produces is
dispatched as a keydown whose ``key`` is Cyrillic and whose ``code`` is the
physical key (the F key gives ``key: "а", code: "KeyF"``). Tab, Enter and Space
are real key presses (the browser's own activation of the focused button).
"""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from examserver.db import db
from examserver.models import JournalEvent
from tests.browser.test_kiosk_exam import _current, _enrol, _options, _world

pytestmark = pytest.mark.browser


@pytest.fixture
def app_config():
    return {"WTF_CSRF_ENABLED": True}


def _ru_key(page, key: str, code: str) -> None:
    """The keydown a Russian layout sends, on the element in focus (it bubbles like a real one)."""
    page.evaluate("([key, code]) => (document.activeElement || document.body).dispatchEvent("
                  "new KeyboardEvent('keydown', {key, code, bubbles: true, cancelable: true}))", [key, code])


def _tab_to(page, selector: str, shift: bool = False, limit: int = 40) -> int:
    """Press Tab until the focused element matches ``selector``; the number of presses."""
    for presses in range(1, limit + 1):
        page.keyboard.press("Shift+Tab" if shift else "Tab")
        if page.evaluate("s => !!document.activeElement && document.activeElement.matches(s)", selector):
            return presses
    raise AssertionError(f"{selector} not reached with Tab in {limit} presses")


def _to_exam(page, live_server, app, keyboard_only: bool = True) -> None:
    room_id, code, _name = _world(app)
    page.goto(live_server.url + "/kiosk/", )
    _enrol(app, room_id, page.text_content("#pairing-code").strip())
    page.wait_for_selector("#code")
    page.focus("#code")
    page.keyboard.type(code)
    page.keyboard.press("Enter")
    page.wait_for_selector("#lang-ru")
    _tab_to(page, "#lang-ru")
    page.keyboard.press("Enter")
    page.wait_for_selector("#start")
    _tab_to(page, "#start")
    page.keyboard.press("Enter")
    page.wait_for_selector(".option")
    page.wait_for_selector('#save-status[data-state="saved"]')


def _events(app, kind: str) -> list[dict]:
    with app.app_context():
        return [e.payload for e in db.session.scalars(sa.select(JournalEvent).where(JournalEvent.kind == kind)
                                                      .order_by(JournalEvent.seq))]


def test_keyboard_only_exam_with_a_russian_layout(live_server, page, loaded_bank):
    app = loaded_bank
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.accept()))
    page.set_viewport_size({"width": 1366, "height": 768})
    _to_exam(page, live_server, app)
    assert page.query_selector("h1#question-heading") is not None
    given = {}

    # Q1: digit 3 (the same key on every layout), then the F key, which is "а" on the Russian layout.
    ids = _options(page)
    _ru_key(page, "3", "Digit3")
    given[1] = ids[2]
    _ru_key(page, "а", "KeyF")
    page.wait_for_selector('.pal.flagged[data-slot="1"]')

    # Tab to "Next" and press Enter: the palette (60 buttons) is a single Tab stop.
    presses = _tab_to(page, "#next")
    assert presses <= 12, f"{presses} Tab presses to reach Next"
    assert len(page.query_selector_all('.pal[tabindex="0"]')) == 1
    page.keyboard.press("Enter")
    page.wait_for_selector('.pal.current[data-slot="2"]')

    # Q2: back to the options with Shift+Tab, choose the focused one with Space.
    _tab_to(page, ".option", shift=True)
    focused = page.evaluate("document.activeElement.getAttribute('data-option')")
    page.keyboard.press("Space")
    page.wait_for_selector(f'.option[data-option="{focused}"][aria-checked="true"]')
    given[2] = focused

    # Q3: the arrow key (same code on every layout) and a digit; Cyrillic letters choose nothing.
    _ru_key(page, "ArrowRight", "ArrowRight")
    assert _current(page) == 3
    ids = _options(page)
    _ru_key(page, "в", "KeyD")
    _ru_key(page, "1", "Digit1")
    given[3] = ids[0]
    page.wait_for_selector('#save-status[data-state="saved"]')

    # Review and finish: Space on "Review and finish", then Tab to "Finish" (visible without scrolling).
    _tab_to(page, "#to-review")
    page.keyboard.press("Space")
    page.wait_for_selector("#review:not([hidden])")
    _tab_to(page, "#finish")
    box = page.query_selector("#finish").bounding_box()
    assert box["y"] + box["height"] <= 768 and page.evaluate("window.scrollY") == 0
    page.keyboard.press("Enter")
    page.wait_for_selector("#kiosk-dialog[open]")
    assert "Завершить тест" in page.text_content("#kiosk-dialog")
    _tab_to(page, "#kiosk-dialog-ok")
    page.keyboard.press("Enter")
    page.wait_for_selector("#result")
    assert page.query_selector("h1") is not None and dialogs == []

    answers = {e["slot"]: e for e in _events(app, "answer")}
    assert {s: answers[s]["selected"] for s in given} == {s: [o] for s, o in given.items()}
    assert answers[1]["input"] == "key:3" and answers[3]["input"] == "key:1"
    assert _events(app, "flag") == [{"slot": 1, "flagged": True}]


def test_time_warnings_at_5_and_1_minutes(live_server, page, loaded_bank, clock):
    app = loaded_bank
    _to_exam(page, live_server, app)
    assert page.text_content("#time-label").strip() == "Осталось времени"
    assert page.is_hidden("#time-warning")
    clock.advance(minutes=25, seconds=5)          # the next state poll brings the server's time
    page.wait_for_selector('#time-warning[data-warning="warn5"]:not([hidden])', timeout=20000)
    assert "Осталось 5 минут" in page.text_content("#time-warning")
    assert "Осталось 5 минут" in page.text_content("#announce")     # the live region for screen readers
    assert re.fullmatch(r"04:\d\d", page.text_content("#timer"))
    # Non-blocking: answering goes on while the notice is shown.
    page.keyboard.press("1")
    page.wait_for_selector('.option[aria-checked="true"]')
    clock.advance(minutes=4)
    page.wait_for_selector('#time-warning[data-warning="warn1"]:not([hidden])', timeout=20000)
    assert "Осталась 1 минута" in page.text_content("#announce")
    page.click("#time-warning-ok")
    assert page.is_hidden("#time-warning")


def test_font_size_and_contrast_are_kept_for_the_attempt(live_server, page, loaded_bank):
    _to_exam(page, live_server, loaded_bank)
    page.click("#font-larger")
    page.click("#font-larger")
    page.click("#contrast")
    assert page.is_disabled("#font-larger")
    page.reload()
    page.wait_for_selector(".option")
    assert "font-2" in page.evaluate("document.body.className").split()
    assert "contrast" in page.evaluate("document.body.className").split()
    assert page.get_attribute("#contrast", "aria-pressed") == "true"
    # Multiple and single choice look different: check boxes or round marks, and the matching roles.
    shape, role = {"multiple": ("check", "checkbox"), "single": ("radio", "radio")}[
        page.evaluate("window.kioskExam.q().type")]
    marks = page.query_selector_all(".option .mark")
    assert marks and all(shape in m.get_attribute("class").split() for m in marks)
    assert all(o.get_attribute("role") == role for o in page.query_selector_all(".option"))
