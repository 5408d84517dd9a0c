"""Start, stop and measure the two servers of a benchmark run.

The real server is ``examserver serve`` (gunicorn with examserver/gunicorn_conf.py);
the floor is bench/floor_app.py under the same gunicorn settings.
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

TICKS = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_ready(port: int, path: str, timeout: float = 120) -> float:
    """Seconds until ``path`` answers (any HTTP status)."""
    t0 = time.time()
    while time.time() - t0 < timeout:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=2)
            return time.time() - t0
        except urllib.error.HTTPError:
            return time.time() - t0
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"server on port {port} did not answer within {timeout} s")


class Server:
    """One gunicorn process tree in its own process group."""

    def __init__(self, args: list[str], env: dict, log: str):
        self.args, self.env, self.log = args, env, log
        self.proc: subprocess.Popen | None = None

    def start(self) -> float:
        """Start; returns the wall time of the start (``time.time()``)."""
        t0 = time.time()
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(self.args, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                         start_new_session=True)
        return t0

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=40)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.proc = None

    def cpu_seconds(self) -> float:
        """User + system CPU of the server's process tree so far (live processes)."""
        if self.proc is None:
            return 0.0
        stats = {}
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat") as fh:
                    fields = fh.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            stats[int(entry)] = (int(fields[1]), int(fields[11]) + int(fields[12]))  # ppid, utime+stime
        tree, total, frontier = set(), 0, {self.proc.pid}
        while frontier:
            pid = frontier.pop()
            if pid in tree or pid not in stats:
                continue
            tree.add(pid)
            total += stats[pid][1]
            frontier |= {p for p, (ppid, _) in stats.items() if ppid == pid}
        return total / TICKS


def real_server(port: int, workers: int | None, env: dict, log: str) -> Server:
    args = [sys.executable, "-m", "examserver", "serve", "--bind", f"127.0.0.1:{port}"]
    if workers:
        args += ["--workers", str(workers)]
    return Server(args, env, log)


def floor_server(port: int, workers: int, threads: int, env: dict, log: str) -> Server:
    args = [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
            "--worker-class", "gthread", "--threads", str(threads), "--keep-alive", "75", "--preload",
            "bench.floor_app:app"]
    return Server(args, env, log)
