"""Shared fixtures of the real-browser tests (headless Chromium via Playwright).

* ``live_server``: the test ``app`` served over HTTP on 127.0.0.1 in a
  background thread (``werkzeug.serving.make_server``, threaded). Browser tests
  run on SQLite only (tests/conftest.py does not give them a PostgreSQL parameter).
  Override ``app_config`` in a test module to change settings (e.g. turn CSRF
  back on with ``{"WTF_CSRF_ENABLED": True}``).
* ``browser``: one Chromium per test session, from /usr/bin/chromium (never
  downloaded).
* ``page``: a fresh browser context (own cookies and localStorage) and page
  per test, 1024x768.
"""
from __future__ import annotations

import os
import threading
from dataclasses import dataclass

import pytest
from flask import Flask
from werkzeug.serving import make_server

CHROMIUM = os.environ.get("EXAM_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


@dataclass
class LiveServer:
    """A running server: ``url`` is the base URL (no trailing slash)."""

    app: Flask
    url: str


@pytest.fixture
def live_server(app, backend):
    """Serve ``app`` on a free port for the duration of one test (SQLite only)."""
    if backend != "sqlite":
        pytest.skip("browser tests run on SQLite only")
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(app, f"http://127.0.0.1:{server.server_port}")
    finally:
        server.shutdown()
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser():
    """Headless Chromium, shared by the whole test session."""
    if not os.path.exists(CHROMIUM):
        # A missing browser is a broken set-up (make test installs it), not a reason to skip.
        pytest.fail(f"no Chromium at {CHROMIUM}: run `make system-deps` (Debian packages chromium, chromium-driver)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    """A new page in its own context (cookies, localStorage), 1024x768."""
    context = browser.new_context(viewport={"width": 1024, "height": 768})
    context.set_default_timeout(15000)
    pg = context.new_page()
    yield pg
    context.close()
