"""Issue 16 in a real browser: after "Close", and after a browser restart, the
next person at the terminal sees nothing of the previous candidate; the
terminal itself stays paired across the restart (persistent terminal cookie)."""
from __future__ import annotations

import time

import pytest

from tests.browser.test_kiosk_exam import _enrol, _world

pytestmark = pytest.mark.browser


@pytest.fixture
def app_config():
    return {"WTF_CSRF_ENABLED": True}


def _finish(page, live_server, app) -> None:
    room_id, code, _name = _world(app)
    page.goto(live_server.url + "/kiosk/")
    _enrol(app, room_id, page.text_content("#pairing-code").strip())
    page.wait_for_selector("#code")
    page.fill("#code", code)
    page.click("#code-submit")
    page.click("#lang-ky")
    page.click("#start")
    page.wait_for_selector(".option")
    page.keyboard.press("1")
    page.wait_for_selector('#save-status[data-state="saved"]')
    page.click("#to-review")
    page.click("#finish")
    page.click("#kiosk-dialog-ok")
    page.wait_for_selector("#result")


def _restart(browser, page):
    """A browser restart: a new browser context keeping only the persistent cookies."""
    kept = [c for c in page.context.cookies() if c["expires"] > 0]
    page.context.close()
    context = browser.new_context(viewport={"width": 1024, "height": 768})
    context.add_cookies(kept)
    return context, context.new_page()


def _nothing_shown(page, url) -> None:
    page.goto(url + "/kiosk/")
    page.wait_for_selector("#code")                      # code entry: paired, ready for the next person
    page.goto(url + "/kiosk/result")
    assert page.url.endswith("/kiosk/") and page.query_selector("#result") is None
    assert page.request.get(url + "/kiosk/protocol.pdf").status == 404


def test_close_then_restart_shows_nothing_of_the_previous_candidate(live_server, page, browser, loaded_bank):
    _finish(page, live_server, loaded_bank)
    terminal = next(c for c in page.context.cookies() if c["name"] == "exam_terminal")
    assert terminal["expires"] > time.time() + 365 * 24 * 3600    # survives the browser process
    # "Close" under "File an appeal" asks first; cancelling keeps the result.
    page.click("#done")
    page.wait_for_selector("#kiosk-dialog[open]")
    page.click("#kiosk-dialog-cancel")
    assert page.query_selector("#result") is not None
    page.click("#done")
    page.click("#kiosk-dialog-ok")
    page.wait_for_selector("#code")
    _nothing_shown(page, live_server.url)
    context, page2 = _restart(browser, page)
    try:
        _nothing_shown(page2, live_server.url)
    finally:
        context.close()


def test_restart_without_close_shows_nothing_either(live_server, page, browser, loaded_bank):
    _finish(page, live_server, loaded_bank)
    # Printing never leaves the kiosk: the PDF is printed from a hidden frame of the result page.
    assert page.get_attribute("#print", "target") is None
    page.click("#print")
    page.wait_for_selector("iframe#print-frame", state="attached")
    assert page.get_attribute("#print-frame", "src").endswith("/kiosk/protocol.pdf")
    assert page.url.endswith("/kiosk/result") and page.query_selector("#result") is not None
    context, page2 = _restart(browser, page)
    try:
        _nothing_shown(page2, live_server.url)
    finally:
        context.close()


KEPT_SECRET = """() => new Promise(resolve => {
  const open = indexedDB.open('kiosk-terminal', 1);
  open.onupgradeneeded = () => open.result.createObjectStore('terminal');
  open.onsuccess = () => {
    const get = open.result.transaction('terminal').objectStore('terminal').get('secret');
    get.onsuccess = () => { open.result.close(); resolve(get.result || null); };
  };
})"""


def test_pairing_survives_a_lost_terminal_cookie(live_server, page, loaded_bank):
    """A crash before Chromium wrote the new cookie to disk: the browser comes
    back without it; the secret kept in IndexedDB restores the same terminal."""
    app = loaded_bank
    room_id, _code, _name = _world(app)
    page.goto(live_server.url + "/kiosk/")
    pairing = page.text_content("#pairing-code").strip()
    page.wait_for_function(KEPT_SECRET)
    cookie = next(c for c in page.context.cookies() if c["name"] == "exam_terminal")
    assert page.evaluate(KEPT_SECRET) == cookie["value"]
    _enrol(app, room_id, pairing)
    page.wait_for_selector("#code")
    page.context.clear_cookies()
    page.goto(live_server.url + "/kiosk/")
    # A fresh pairing page appears, restores the old cookie, and moves on to code entry by itself.
    page.wait_for_selector("#code")
    restored = next(c for c in page.context.cookies() if c["name"] == "exam_terminal")
    assert restored["value"] == cookie["value"] and restored["expires"] > 0
    assert page.evaluate(KEPT_SECRET) == cookie["value"]
