"""Durability under load: ``kill -9`` of the whole server while many kiosks
save answers through the fast path and its group commit loses no
acknowledged answer (issue 15, design invariant 2).

The real ``examserver serve`` (gunicorn, 2 workers x 4 threads) runs on a
fresh database of the test's backend (SQLite, PostgreSQL); twelve kiosks start their exams through
the real pages (CSRF, cookies) and then send answers as fast as they are
acknowledged, each remembering every ack (sequence number and chain hash).
When enough acks have come back the master and the workers get SIGKILL
together. Every acknowledged event must then be in the journal with the
acknowledged hash, and every attempt's chain must verify. The test waits for
counts and states, never for amounts of time.
"""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest
import sqlalchemy as sa

from bench.client import Kiosk
from bench.prepare import prepare
from bench.servers import free_port, wait_ready

BIN = Path(sys.executable).parent
KIOSKS = 12
ACKS_BEFORE_KILL = 400


def _saver(kiosk: Kiosk, acks: list, stop: threading.Event, total: list, lock: threading.Lock) -> None:
    """Send answers until the server is gone; remember every acknowledged (seq, hash)."""
    while not stop.is_set():
        q = kiosk.questions[kiosk.n % len(kiosk.questions)]
        kiosk.n += 1
        body = {"seq": kiosk.next_seq, "kind": "answer", "client_time": "t",
                "payload": {"slot": q["slot"], "selected": [q["options"][kiosk.n % len(q["options"])]["id"]],
                            "input": "click"}}
        try:
            status, reply = kiosk.browser.post_json("/kiosk/api/events", body)
        except OSError:
            return  # the server is gone
        if status != 200:
            return
        acks.append((reply["ack"]["seq"], reply["ack"]["hash"]))
        kiosk.next_seq += 1
        with lock:
            total[0] += 1


def test_kill_9_during_a_save_storm_loses_no_acknowledged_answer(db_url, tmp_path):
    database = db_url  # a fresh migrated database of the test's backend
    folder = str(tmp_path / "instance")
    env = dict(os.environ, EXAM_MODE="demo", EXAM_INSTANCE_PATH=folder, EXAM_SWEEP_INTERVAL_SECONDS="0",
               GUNICORN_WORKERS="2", GUNICORN_THREADS="4", GUNICORN_ACCESSLOG="", EXAM_KIOSK_FAST_PATH="true")
    env.pop("EXAM_TEST_POSTGRES_URL", None)
    env["EXAM_DATABASE_URL"] = database
    saved_env = {k: os.environ.get(k) for k in ("EXAM_MODE", "EXAM_INSTANCE_PATH")}
    os.environ.update(EXAM_MODE="demo", EXAM_INSTANCE_PATH=folder)
    try:
        pairs = prepare(folder, KIOSKS, database)["pairs"]
    finally:
        for key, value in saved_env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    port = free_port()
    log = (tmp_path / "server.log").open("a")
    server = subprocess.Popen([str(BIN / "examserver"), "serve", "--bind", f"127.0.0.1:{port}"], env=env,
                              start_new_session=True, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_ready(port, "/kiosk/api/terminal")
        kiosks = []
        for secret, code in pairs:
            kiosk = Kiosk("127.0.0.1", port, secret, code)
            kiosk.open()
            kiosk.start()
            kiosks.append(kiosk)
        attempt_ids = [k.browser.get_json("/kiosk/api/state?full=1")[1]["attempt"] for k in kiosks]
        acks = [[] for _ in kiosks]
        stop, lock, total = threading.Event(), threading.Lock(), [0]
        threads = [threading.Thread(target=_saver, args=(k, a, stop, total, lock)) for k, a in zip(kiosks, acks)]
        for t in threads:
            t.start()
        while total[0] < ACKS_BEFORE_KILL and any(t.is_alive() for t in threads):
            time.sleep(0.01)
        # Its own connection: each kiosk's belongs to its saver thread.
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=30) as response:
            metrics = response.read().decode()
        os.killpg(server.pid, signal.SIGKILL)  # master and workers at once: no clean shutdown
        server.wait(timeout=30)
        stop.set()
        for t in threads:
            t.join(60)
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=30)
        log.close()
    assert total[0] >= ACKS_BEFORE_KILL, (tmp_path / "server.log").read_text()[-3000:]
    # The saves went through the group commit (its histogram counts commits).
    commits = re.search(r"^examserver_group_commit_jobs_count ([0-9.e+]+)$", metrics, re.M)
    assert commits and float(commits.group(1)) > 0, metrics[-2000:]

    from examserver import create_app
    from examserver.db import db
    from examserver.exam import journal
    from examserver.models import JournalEvent

    app = create_app({"MODE": "demo", "INSTANCE_PATH": folder, "DATABASE_URL": database})
    try:
        with app.app_context():
            for attempt_id, acknowledged in zip(attempt_ids, acks):
                events = list(db.session.scalars(sa.select(JournalEvent).where(JournalEvent.attempt_id == attempt_id)))
                assert journal.verify_chain(events).ok, attempt_id
                stored = {e.seq: e.hash for e in events}
                lost = [(seq, h) for seq, h in acknowledged if stored.get(seq) != h]
                assert not lost, f"attempt {attempt_id}: acknowledged but not stored: {lost[:5]}"
    finally:
        db.dispose(app)
