"""Issue 14 in a real browser: no unacknowledged answer is ever dropped.

The kiosk keeps its queue when the session cookie is gone, when the server
comes back with another secret key, and when the page itself is reloaded
during an outage (the service worker shows a page that retries by itself);
the status never says "saved" while anything is queued, and does not stay
"offline" once the server is back. Every answer lands in the journal.
"""
from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa
from werkzeug.serving import make_server

from examserver import create_app
from examserver.db import db
from examserver.models import JournalEvent
from tests.browser.test_kiosk_exam import _enrol, _options, _world

pytestmark = pytest.mark.browser


@pytest.fixture
def app_config():
    """CSRF on, as in production."""
    return {"WTF_CSRF_ENABLED": True}


class Server:
    """A live server that can be stopped and started again on the same port, with another app."""

    def __init__(self, app):
        self.port = 0
        self.start(app)

    def start(self, app):
        self.app = app
        self.httpd = make_server("127.0.0.1", self.port, app, threaded=True)
        self.port = self.httpd.server_port
        self.thread = threading.Thread(target=self.httpd.serve_forever, name="live-server", daemon=True)
        self.thread.start()

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=10)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@pytest.fixture
def server(loaded_bank, backend):
    """The test app served on a port that survives a restart (SQLite only)."""
    if backend != "sqlite":
        pytest.skip("browser tests run on SQLite only")
    srv = Server(loaded_bank)
    yield srv
    srv.stop()


# Records, every time the indicator turns "saved", how many events were still queued.
WATCH_SAVED = """() => {
  window.savedWhileQueued = [];
  const el = document.getElementById('save-status');
  new MutationObserver(() => {
    if (el.getAttribute('data-state') === 'saved') {
      window.savedWhileQueued.push(window.kioskExam.queue.length);
    }
  }).observe(el, {attributes: true});
}"""


def _exam(page, server) -> None:
    app = server.app
    room_id, code, _name = _world(app)
    page.goto(server.url + "/kiosk/")
    _enrol(app, room_id, page.text_content("#pairing-code").strip())
    page.wait_for_selector("#code")
    page.fill("#code", code)
    page.click("#code-submit")
    page.click("#lang-ru")
    page.click("#start")
    page.wait_for_selector(".option")
    page.wait_for_selector('#save-status[data-state="saved"]')


def _answer(page, slot: int, index: int) -> str:
    page.click(f'.pal[data-slot="{slot}"]')
    page.wait_for_selector(f'.pal.current[data-slot="{slot}"]')
    option = _options(page)[index]
    page.keyboard.press(str(index + 1))
    page.wait_for_selector(f'.option[data-option="{option}"][aria-checked="true"]')
    return option


def _journal(app) -> dict[int, list[str]]:
    """The last answer per slot, as recorded in the journal."""
    with app.app_context():
        rows = db.session.scalars(sa.select(JournalEvent).where(JournalEvent.kind == "answer")
                                  .order_by(JournalEvent.seq)).all()
        return {row.payload["slot"]: row.payload["selected"] for row in rows}


def _queued(page) -> int:
    return page.evaluate("window.kioskExam.queue.length")


def test_lost_session_cookie_keeps_the_queue(server, page):
    _exam(page, server)
    page.evaluate(WATCH_SAVED)
    given = {1: _answer(page, 1, 0)}
    page.wait_for_selector('#save-status[data-state="saved"]')
    # Answers wait while the API is unreachable; meanwhile the session cookie disappears.
    page.route("**/kiosk/api/**", lambda route: route.abort())
    given[2] = _answer(page, 2, 1)
    given[3] = _answer(page, 3, 2)
    page.wait_for_selector('#save-status[data-state="offline"]')
    page.context.clear_cookies(name="session")
    assert _queued(page) >= 2
    page.unroute("**/kiosk/api/**")
    # 400 csrf -> a fresh session with the terminal cookie -> resent in order.
    page.wait_for_function("() => window.kioskExam.queue.length === 0")
    page.wait_for_selector('#save-status[data-state="saved"]')
    assert set(page.evaluate("window.savedWhileQueued")) <= {0}
    assert {s: _journal(server.app)[s] for s in given} == {s: [o] for s, o in given.items()}


def test_changed_secret_key_keeps_the_queue(server, page, tmp_path):
    _exam(page, server)
    page.evaluate(WATCH_SAVED)
    given = {1: _answer(page, 1, 1)}
    page.wait_for_selector('#save-status[data-state="saved"]')
    first = server.app
    server.stop()
    given[2] = _answer(page, 2, 0)
    given[3] = _answer(page, 3, 3)
    page.wait_for_selector('#save-status[data-state="offline"]')
    # The server comes back with another secret key: the old session cookie and CSRF token are void.
    other = create_app({"MODE": "testing", "DATABASE_URL": first.config["DATABASE_URL"],
                        "INSTANCE_PATH": str(tmp_path / "other"), "CLOCK": first.config["CLOCK"],
                        "WTF_CSRF_ENABLED": True, "SECRET_KEY": "a-different-secret-" + "k" * 40})
    server.start(other)
    try:
        page.wait_for_function("() => window.kioskExam.queue.length === 0")
        page.wait_for_selector('#save-status[data-state="saved"]')
        assert set(page.evaluate("window.savedWhileQueued")) <= {0}
        assert {s: _journal(first)[s] for s in given} == {s: [o] for s, o in given.items()}
    finally:
        server.stop()
        db.dispose(other)
        server.start(first)   # the fixture stops it


def test_reload_during_an_outage_recovers_by_itself(server, page):
    _exam(page, server)
    # The service worker controls the kiosk pages once it is active.
    page.wait_for_function("() => navigator.serviceWorker && navigator.serviceWorker.controller !== null")
    given = {1: _answer(page, 1, 2)}
    page.wait_for_selector('#save-status[data-state="saved"]')
    app = server.app
    server.stop()
    given[2] = _answer(page, 2, 1)
    page.wait_for_selector('#save-status[data-state="offline"]')
    # The page itself cannot be loaded: the retry page replaces the browser's dead-end error page.
    page.reload()
    page.wait_for_selector("#offline-page")
    assert "Нет связи с сервером" in page.text_content("#offline-page")
    server.start(app)
    # It reloads by itself; the exam restores and resends the answer kept in localStorage.
    page.wait_for_selector(".option", timeout=30000)
    page.wait_for_function("() => window.kioskExam && window.kioskExam.queue.length === 0")
    page.wait_for_selector('#save-status[data-state="saved"]')
    assert {s: _journal(app)[s] for s in given} == {s: [o] for s, o in given.items()}


def test_status_is_saved_again_after_a_failed_heartbeat(server, page):
    _exam(page, server)
    app = server.app
    server.stop()
    page.wait_for_selector('#save-status[data-state="offline"]', timeout=20000)   # the 5 s heartbeat failed
    server.start(app)
    page.wait_for_selector('#save-status[data-state="saved"]', timeout=20000)


def test_finish_waits_until_every_answer_is_saved(server, page):
    _exam(page, server)
    page.route("**/kiosk/api/**", lambda route: route.abort())
    _answer(page, 1, 0)
    page.click("#to-review")
    assert page.is_visible("#review-offline")
    page.click("#finish")
    page.wait_for_selector("#kiosk-dialog[open]")
    assert "не все ответы сохранены" in page.text_content("#kiosk-dialog-text")
    assert page.is_hidden("#kiosk-dialog-cancel")       # a notice, not a choice
    page.click("#kiosk-dialog-ok")
    assert _queued(page) == 1
    page.unroute("**/kiosk/api/**")
    page.wait_for_selector('#save-status[data-state="saved"]')
    page.click("#finish")
    page.click("#kiosk-dialog-ok")
    page.wait_for_selector("#result")


@pytest.mark.parametrize("status, content_type, body", [
    (200, "text/html", "<html><body>Proxy login</body></html>"),      # not an acknowledgement
    (502, "text/html", "<html><body>Bad gateway</body></html>"),
    (422, "application/json", '{"error": "bad_payload", "message": "?"}'),   # only finished/deadline drop
])
def test_other_replies_keep_the_queue(server, page, status, content_type, body):
    _exam(page, server)
    page.route("**/kiosk/api/events", lambda route: route.fulfill(status=status, content_type=content_type, body=body))
    option = _answer(page, 1, 1)
    page.wait_for_selector('#save-status[data-state="offline"]')
    assert _queued(page) == 1
    assert page.evaluate("() => JSON.parse(localStorage.getItem(window.kioskExam.key)).length") == 1
    page.unroute("**/kiosk/api/events")
    page.wait_for_function("() => window.kioskExam.queue.length === 0")
    page.wait_for_selector('#save-status[data-state="saved"]')
    assert _journal(server.app)[1] == [option]
