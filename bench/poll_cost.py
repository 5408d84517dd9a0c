"""Server CPU per kiosk request over real HTTP (gunicorn), one request type at a time.

    .venv/bin/python -m bench.poll_cost [--n 3000] [--database URL]

Starts ``examserver serve`` (1 worker, so the figure is one process's), opens
one terminal's exam through the real pages and sends N heartbeats
(``GET /kiosk/api/state``), then N answer saves, on one keep-alive connection;
prints the server's CPU time per request (``/proc``) for each. The B5 budget of
issue 15 is made of these (docs/benchmarks.md).
"""
from __future__ import annotations

import argparse
import os
import tempfile
import time

from bench import servers
from bench.client import Kiosk
from bench.prepare import prepare


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=3000)
    parser.add_argument("--database", default=None)
    parser.add_argument("--no-fast-path", action="store_true")
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="examserver-poll-")
    env = dict(os.environ, EXAM_MODE="demo", EXAM_INSTANCE_PATH=folder, GUNICORN_ACCESSLOG="",
               EXAM_SWEEP_INTERVAL_SECONDS="0", EXAM_KIOSK_FAST_PATH=str(not args.no_fast_path).lower())
    if args.database:
        env["EXAM_DATABASE_URL"] = args.database
    os.environ.update({k: env[k] for k in ("EXAM_MODE", "EXAM_INSTANCE_PATH")})
    secret, code = prepare(folder, 1, args.database)["pairs"][0]
    port = servers.free_port()
    server = servers.real_server(port, 1, env, os.path.join(folder, "server.log"))
    server.start()
    servers.wait_ready(port, "/kiosk/api/terminal")
    try:
        kiosk = Kiosk("127.0.0.1", port, secret, code)
        kiosk.open()
        kiosk.start()
        for label, call in (("heartbeat", kiosk.poll), ("answer save", kiosk.save)):
            for _ in range(50):
                call()
            cpu, wall = server.cpu_seconds(), time.perf_counter()
            for _ in range(args.n):
                call()
            took = time.perf_counter() - wall
            print(f"{label:<12} {(server.cpu_seconds() - cpu) / args.n * 1000:6.3f} ms server CPU   "
                  f"{took / args.n * 1000:6.3f} ms round trip")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
