"""Hall start over HTTP against the real server (gunicorn via ``examserver serve``).

N terminals (threads with their own cookies) wait at a barrier, then all type
their access code at the same moment, confirm the language, start the exam,
and send ANSWERS answer events each through the kiosk JSON API, as kiosk.js
does (CSRF token in ``X-CSRFToken``). Prints latency percentiles of the start
(code → first state) and of the answer saves, and the throughput.

    .venv/bin/python -m bench.hall_http [--terminals 100] [--answers 30] [--workers 4]

The load generator runs on the same 2-core machine as the server, so the
figures are a floor for what a dedicated server does. The issue-15 table
(B1-B5, the floor ratio) is ``bench/hall.py`` (``make bench``).
"""
from __future__ import annotations

import argparse
import http.cookiejar
import json
import multiprocessing
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

from bench.run import percentile

CSRF_RE = re.compile(r'name="csrf[-_]token" (?:content|value)="([^"]+)"')


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def prepare(folder: str, terminals: int, database: str | None) -> list[tuple[str, str]]:
    """Demo data plus ``terminals`` enrolled terminals and admitted candidates;
    returns (terminal secret, access code) pairs (see bench/prepare.py)."""
    from bench.prepare import prepare as prepare_hall

    return prepare_hall(folder, terminals, database)["pairs"]


class Terminal:
    """One kiosk browser: its own cookie jar, CSRF token and sequence number."""

    def __init__(self, base: str, secret: str):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.jar.set_cookie(http.cookiejar.Cookie(
            0, "exam_terminal", secret, None, False, "127.0.0.1", False, False, "/kiosk", True,
            False, None, False, None, None, {}))
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        self.csrf = ""

    def get(self, path: str) -> str:
        with self.opener.open(self.base + path, timeout=60) as response:
            text = response.read().decode()
        match = CSRF_RE.search(text)
        if match:
            self.csrf = match.group(1)
        return text

    def post_form(self, path: str, **fields) -> str:
        data = urllib.parse.urlencode(dict(fields, csrf_token=self.csrf)).encode()
        with self.opener.open(self.base + path, data=data, timeout=60) as response:
            text = response.read().decode()
        match = CSRF_RE.search(text)
        if match:
            self.csrf = match.group(1)
        return text

    def post_json(self, path: str, body: dict) -> dict:
        request = urllib.request.Request(self.base + path, data=json.dumps(body).encode(), method="POST",
                                         headers={"Content-Type": "application/json", "X-CSRFToken": self.csrf})
        try:
            with self.opener.open(request, timeout=60) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as exc:
            raise RuntimeError(f"{path}: {exc.code} {exc.read()[:200]!r}") from None


def run_terminal(base, secret, code, answers, barrier, starts, saves, errors):
    terminal = Terminal(base, secret)
    try:
        terminal.get("/kiosk/")
        barrier.wait()
        t0 = time.perf_counter()
        terminal.post_form("/kiosk/code", code=code)
        terminal.post_form("/kiosk/confirm", language="ru")
        terminal.post_form("/kiosk/instructions")
        with terminal.opener.open(base + "/kiosk/api/state?full=1", timeout=60) as response:
            state = json.loads(response.read())
        starts.append(time.perf_counter() - t0)
        slots = state["questions"]
        for seq in range(1, answers + 1):
            slot = slots[(seq - 1) % len(slots)]
            options = [o["id"] for o in slot["options"]]
            t0 = time.perf_counter()
            terminal.post_json("/kiosk/api/events", {
                "seq": seq, "kind": "answer", "client_time": "2026-11-23T09:00:00Z",
                "payload": {"slot": slot["slot"], "selected": [options[seq % len(options)]], "input": "click"}})
            saves.append(time.perf_counter() - t0)
        terminal.post_json("/kiosk/api/finish", {"confirm": True})
    except Exception as exc:  # reported at the end; one broken terminal must not hide the figures
        errors.append(repr(exc))


def client_process(base, pairs, answers, barrier, results) -> None:
    """One load-generator process driving its share of the terminals with threads."""
    starts, saves, errors = [], [], []
    threads = [threading.Thread(target=run_terminal, args=(base, s, c, answers, barrier, starts, saves, errors))
               for s, c in pairs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    results.put((starts, saves, errors))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--terminals", type=int, default=100)
    parser.add_argument("--answers", type=int, default=30)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--clients", type=int, default=4, help="load-generator processes")
    parser.add_argument("--database", default=None, help="SQLAlchemy URL of an EMPTY database (default: SQLite file)")
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="examserver-hall-")
    os.environ.update(EXAM_MODE="demo", EXAM_INSTANCE_PATH=folder)
    if args.database:
        os.environ["EXAM_DATABASE_URL"] = args.database
    pairs = prepare(folder, args.terminals, args.database)
    port = _free_port()
    server = subprocess.Popen([sys.executable, "-m", "examserver", "serve", "--bind", f"127.0.0.1:{port}",
                               "--workers", str(args.workers)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/kiosk/api/terminal", timeout=1)
                break
            except urllib.error.HTTPError:
                break
            except OSError:
                time.sleep(0.2)
        # Several client processes, so the load generator's GIL is not the bottleneck.
        barrier = multiprocessing.Barrier(len(pairs))
        results = multiprocessing.Queue()
        groups = [pairs[i::args.clients] for i in range(args.clients)]
        procs = [multiprocessing.Process(target=client_process, args=(base, g, args.answers, barrier, results))
                 for g in groups if g]
        wall = time.perf_counter()
        for proc in procs:
            proc.start()
        starts, saves, errors = [], [], []
        for _ in procs:
            s, v, e = results.get()
            starts += s
            saves += v
            errors += e
        for proc in procs:
            proc.join()
        wall = time.perf_counter() - wall
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    backend = (args.database or "sqlite").split(":")[0]
    workers = 1 if backend == "sqlite" else args.workers  # `examserver serve` runs SQLite in one process
    print(f"hall start over HTTP ({backend}, gunicorn {workers} worker(s)): {args.terminals} terminals, "
          f"{args.answers} answers each; errors: {len(errors)}")
    for label, samples in (("start (code→exam)", starts), ("save answer", saves)):
        if samples:
            ms = [s * 1000 for s in samples]
            print(f"{label:<18} n={len(ms):>6}  p50={statistics.median(ms):7.1f} ms  "
                  f"p95={percentile(ms, 95):7.1f} ms  max={max(ms):7.1f} ms")
    print(f"answers/s: {len(saves) / wall:.0f}; wall {wall:.1f} s")
    for error in errors[:5]:
        print("  error:", error)


if __name__ == "__main__":
    main()
