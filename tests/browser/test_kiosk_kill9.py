"""Durability: ``kill -9`` of the whole server (gunicorn master and workers)
while a candidate answers loses no acknowledged answer, and the exam goes on
with the remaining time from the stored deadline once the server is back.

This test runs the real ``examserver serve`` (gunicorn) on a demo database in
its own instance folder, so it uses the wall clock; it waits only for states
of the page, never for amounts of time.
"""
from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
import sqlalchemy as sa

pytestmark = pytest.mark.browser
BIN = Path(sys.executable).parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """``examserver serve`` in its own process group, so kill -9 takes all of it."""

    def __init__(self, env: dict, port: int, log: Path):
        self.env, self.port, self.log, self.proc = env, port, log, None
        self.url = f"http://127.0.0.1:{port}"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [str(BIN / "examserver"), "serve", "--bind", f"127.0.0.1:{self.port}", "--workers", "2"],
            env=self.env, start_new_session=True, stdout=self.log.open("a"), stderr=subprocess.STDOUT)
        for _ in range(300):
            try:
                urllib.request.urlopen(self.url + "/kiosk/api/terminal", timeout=1)
                return
            except OSError:
                try:  # wait a little for the server, failing at once if it died
                    self.proc.wait(timeout=0.1)
                    raise RuntimeError("server exited: " + self.log.read_text()[-2000:])
                except subprocess.TimeoutExpired:
                    pass
        raise RuntimeError("server did not start: " + self.log.read_text()[-2000:])

    def kill(self, sig=signal.SIGKILL) -> None:
        os.killpg(self.proc.pid, sig)
        self.proc.wait(timeout=30)


@pytest.fixture
def demo_server(tmp_path):
    """A demo database and a gunicorn server on it; yields (server, an access code, app)."""
    env = dict(os.environ, EXAM_MODE="demo", EXAM_INSTANCE_PATH=str(tmp_path / "instance"),
               EXAM_SWEEP_INTERVAL_SECONDS="0", GUNICORN_THREADS="4")
    env.pop("EXAM_TEST_POSTGRES_URL", None)
    out = subprocess.run([str(BIN / "examserver"), "demo"], env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    code = re.search(r"seat\s+\d+\s+([0-9A-Z]{4}-[0-9A-Z]{4})", out.stdout).group(1)
    from examserver import create_app

    app = create_app({"MODE": "demo", "INSTANCE_PATH": str(tmp_path / "instance")})
    server = Server(env, _free_port(), tmp_path / "server.log")
    server.start()
    try:
        yield server, code, app
    finally:
        if server.proc.poll() is None:
            server.kill(signal.SIGTERM)


def _enrol(app, pairing: str) -> None:
    from examserver.db import db
    from examserver.models import Room
    from examserver.exam import terminals
    from examserver.core.audit import Actor

    with app.app_context():
        room = db.session.scalar(sa.select(Room).order_by(Room.name))
        terminals.enrol(pairing, room, "1", Actor.cli())
        db.session.commit()
    db.dispose(app)


def test_kill_9_loses_no_acknowledged_answer(demo_server, page):
    server, code, app = demo_server
    page.goto(server.url + "/kiosk/")
    _enrol(app, page.text_content("#pairing-code").strip())
    page.wait_for_selector("#code")
    page.fill("#code", code)
    page.click("#code-submit")
    page.click("button[name=language]")
    page.click("#start")
    page.wait_for_selector(".option")
    given = {}
    for slot in (1, 2, 3):
        ids = [b.get_attribute("data-option") for b in page.query_selector_all(".option")]
        page.keyboard.press("2")
        given[slot] = ids[1]
        page.keyboard.press("ArrowRight")
        page.wait_for_selector(f'.pal.current[data-slot="{slot + 1}"]')
    page.wait_for_selector('#save-status[data-state="saved"]')
    before = page.evaluate("fetch('/kiosk/api/state').then(r => r.json())")

    server.kill()  # SIGKILL to master and workers: no clean shutdown
    for slot in (4, 5):
        ids = [b.get_attribute("data-option") for b in page.query_selector_all(".option")]
        page.keyboard.press("1")
        given[slot] = ids[0]
        page.keyboard.press("ArrowRight")
        page.wait_for_selector(f'.pal.current[data-slot="{slot + 1}"]')
    page.wait_for_selector('#save-status[data-state="offline"]')

    server.start()
    page.wait_for_selector('#save-status[data-state="saved"]', timeout=30000)
    page.reload()
    page.wait_for_selector(".option")
    after = page.evaluate("fetch('/kiosk/api/state?full=1').then(r => r.json())")
    assert {int(k): v for k, v in after["answers"].items()} == {s: [o] for s, o in given.items()}
    assert after["deadline"] == before["deadline"] and after["state"] == "in_progress"
    assert 0 < after["seconds_left"] <= before["seconds_left"]
