"""Profile the kiosk hot path in-process (pyinstrument): answer saves and state polls.

    .venv/bin/pip install pyinstrument==5.1.3      # a developer tool, not in requirements.txt
    .venv/bin/python -m bench.profile_save [--saves 300] [--polls 300] [--database URL]

Prints the call tree of the saves, then of the polls; the top frames go into
docs/benchmarks.md. The requests go through the real app (Flask test client,
the same views, services, hooks and commit as under gunicorn).
"""
from __future__ import annotations

import argparse
import os
import tempfile


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--saves", type=int, default=300)
    parser.add_argument("--polls", type=int, default=300)
    parser.add_argument("--database", default=None)
    parser.add_argument("--interval", type=float, default=0.0005)
    args = parser.parse_args()
    from pyinstrument import Profiler

    folder = tempfile.mkdtemp(prefix="examserver-profile-")
    os.environ.update(EXAM_MODE="demo", EXAM_INSTANCE_PATH=folder)
    from bench.prepare import prepare
    from examserver import create_app

    prepared = prepare(folder, 1, args.database)
    secret, code = prepared["pairs"][0]
    app = create_app({"MODE": "demo", "INSTANCE_PATH": folder,
                      **({"DATABASE_URL": args.database} if args.database else {}), "WTF_CSRF_ENABLED": False})
    client = app.test_client()
    client.set_cookie("exam_terminal", secret, path="/kiosk")
    client.get("/kiosk/")
    client.post("/kiosk/code", data={"code": code})
    client.post("/kiosk/confirm", data={"language": "ru"})
    client.post("/kiosk/instructions")
    state = client.get("/kiosk/api/state?full=1").get_json()
    questions = state["questions"]

    def save(seq):
        q = questions[(seq - 1) % len(questions)]
        r = client.post("/kiosk/api/events", json={
            "seq": seq, "kind": "answer", "client_time": "2026-11-29T10:00:00Z",
            "payload": {"slot": q["slot"], "selected": [q["options"][seq % len(q["options"])]["id"]], "input": "click"}})
        assert r.status_code == 200, r.get_json()

    for seq in range(1, 21):
        save(seq)
    profiler = Profiler(interval=args.interval)
    profiler.start()
    for seq in range(21, 21 + args.saves):
        save(seq)
    profiler.stop()
    print(f"=== {args.saves} answer saves ===")
    print(profiler.output_text(unicode=False, color=False, show_all=False))
    profiler = Profiler(interval=args.interval)
    profiler.start()
    for _ in range(args.polls):
        assert client.get("/kiosk/api/state").status_code == 200
    profiler.stop()
    print(f"=== {args.polls} state polls ===")
    print(profiler.output_text(unicode=False, color=False, show_all=False))


if __name__ == "__main__":
    main()
