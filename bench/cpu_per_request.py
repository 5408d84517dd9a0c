"""CPU seconds per kiosk request, in-process (Flask test client, no HTTP).

    .venv/bin/python -m bench.cpu_per_request [--n 500] [--database URL] [--no-fast-path]

Measures ``time.process_time`` over N answer saves, N heartbeat polls and N
terminal polls through the real app (views, hooks, commit): a figure that
does not depend on how busy the machine's other cores are, to compare
commits with each other (docs/benchmarks.md).
"""
from __future__ import annotations

import argparse
import os
import tempfile
import time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=500)
    parser.add_argument("--database", default=None)
    parser.add_argument("--no-fast-path", action="store_true", help="every request through Flask (kiosk/fastpath.py off)")
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="examserver-cpu-")
    os.environ.update(EXAM_MODE="demo", EXAM_INSTANCE_PATH=folder)
    from bench.prepare import prepare
    from examserver import create_app

    secret, code = prepare(folder, 1, args.database)["pairs"][0]
    app = create_app({"MODE": "demo", "INSTANCE_PATH": folder, "WTF_CSRF_ENABLED": False,
                      "KIOSK_FAST_PATH": not args.no_fast_path,
                      **({"DATABASE_URL": args.database} if args.database else {})})
    client = app.test_client()
    client.set_cookie("exam_terminal", secret, path="/kiosk")
    client.get("/kiosk/")
    client.post("/kiosk/code", data={"code": code})
    client.post("/kiosk/confirm", data={"language": "ru"})
    client.post("/kiosk/instructions")
    questions = client.get("/kiosk/api/state?full=1").get_json()["questions"]
    seq = [0]

    def save():
        seq[0] += 1
        q = questions[(seq[0] - 1) % len(questions)]
        r = client.post("/kiosk/api/events", json={
            "seq": seq[0], "kind": "answer", "client_time": "2026-11-29T10:00:00Z",
            "payload": {"slot": q["slot"], "selected": [q["options"][seq[0] % len(q["options"])]["id"]],
                        "input": "click"}})
        assert r.status_code == 200, r.get_json()

    def measure(label, fn):
        for _ in range(20):
            fn()
        cpu, wall = time.process_time(), time.perf_counter()
        for _ in range(args.n):
            fn()
        print(f"{label:<16} {(time.process_time() - cpu) / args.n * 1000:6.2f} ms CPU   "
              f"{(time.perf_counter() - wall) / args.n * 1000:6.2f} ms wall")

    measure("answer save", save)
    measure("state poll", lambda: client.get("/kiosk/api/state"))
    measure("terminal poll", lambda: client.get("/kiosk/api/terminal"))


if __name__ == "__main__":
    main()
