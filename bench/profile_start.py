"""Profile the start storm (B1) in-process: every request of a terminal's start.

    .venv/bin/python -m bench.profile_start [--terminals 200] [--database URL] [--no-predraw] [--tree]

Each terminal does what bench/client.py ``Kiosk.start`` does over HTTP: type
the code (POST /kiosk/code, then the confirm page it is sent to), choose the
language (POST /kiosk/confirm, then the instructions page), start (POST
/kiosk/instructions, then the exam page) and load the exam
(/kiosk/api/state?full=1). The requests go through the real app (Flask test
client, the same views, hooks, CSRF and commit as under gunicorn).

Prints, per request, the CPU time (``time.process_time``) and the number of
SQL statements per terminal, then (``--tree``) pyinstrument's call tree of all
the starts; the top frames go into docs/benchmarks.md.
"""
from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections import defaultdict

STEPS = (
    ("code", "POST", "/kiosk/code"), ("confirm page", "GET", "/kiosk/confirm"),
    ("confirm", "POST", "/kiosk/confirm"), ("instructions page", "GET", "/kiosk/instructions"),
    ("start", "POST", "/kiosk/instructions"), ("exam page", "GET", "/kiosk/exam"),
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--terminals", type=int, default=200)
    parser.add_argument("--database", default=None)
    parser.add_argument("--no-predraw", action="store_true")
    parser.add_argument("--tree", action="store_true", help="profile with pyinstrument and print the call tree")
    parser.add_argument("--packages", action="store_true",
                        help="cProfile the starts and print the own time per package (where the CPU goes)")
    parser.add_argument("--sql", action="store_true", help="print the SQL statements of the last terminal's start")
    parser.add_argument("--interval", type=float, default=0.0005)
    args = parser.parse_args()

    folder = tempfile.mkdtemp(prefix="examserver-profile-")
    os.environ.update(EXAM_MODE="demo", EXAM_INSTANCE_PATH=folder)
    from sqlalchemy import event

    from bench.client import CSRF_RE, page_state
    from bench.prepare import prepare
    from examserver import create_app
    from examserver.db import db

    prepared = prepare(folder, args.terminals, args.database, predraw=not args.no_predraw)
    app = create_app({"MODE": "demo", "INSTANCE_PATH": folder,
                      **({"DATABASE_URL": args.database} if args.database else {})})
    with app.app_context():
        engine = db.engine
    counted = [0]
    last: list[str] = []

    def count(_conn, _cursor, statement, *_):
        counted[0] += 1
        last.append(" ".join(statement.split())[:int(os.environ.get("SQL_WIDTH", 160))])

    event.listen(engine, "before_cursor_execute", count)

    cpu: dict[str, float] = defaultdict(float)
    queries: dict[str, int] = defaultdict(int)
    clients = []
    for secret, code in prepared["pairs"]:
        client = app.test_client()
        client.set_cookie("exam_terminal", secret, path="/kiosk")
        page = client.get("/kiosk/").get_data(as_text=True)  # the terminal is on before the storm
        clients.append((client, code, CSRF_RE.search(page).group(1)))

    def start(client, code, token):
        for name, method, path in STEPS:
            last.append(f"--- {name}")
            before, t0 = counted[0], time.process_time()
            if method == "POST":
                fields = {"code": code} if name == "code" else {"language": "ru"} if name == "confirm" else {}
                r = client.post(path, data=dict(fields, csrf_token=token))
                assert r.status_code == 303, (name, r.status_code)
            else:
                r = client.get(path)
                assert r.status_code == 200, (name, r.status_code, r.get_data(as_text=True)[:300])
                match = CSRF_RE.search(r.get_data(as_text=True))
                token = match.group(1) if match else token
            cpu[name] += time.process_time() - t0
            queries[name] += counted[0] - before
        assert page_state(r.get_data())["questions"]

    warm = clients.pop(0)  # first use of each page builds caches: not part of a storm's steady cost
    start(*warm)
    cpu.clear(), queries.clear()
    profiler = packages = None
    if args.packages:
        import cProfile

        packages = cProfile.Profile()
        packages.enable()
    if args.tree:
        from pyinstrument import Profiler

        profiler = Profiler(interval=args.interval)
        profiler.start()
    t0 = time.perf_counter()
    for client, code, token in clients:
        last.clear()
        start(client, code, token)
    wall = time.perf_counter() - t0
    if profiler is not None:
        profiler.stop()
    if packages is not None:
        packages.disable()
    n = len(clients)
    print(f"=== {n} starts, {wall:.2f} s wall, {1000 * sum(cpu.values()) / n:.1f} ms CPU per terminal ===")
    print(f"{'request':<20} {'CPU ms':>8} {'SQL':>5}")
    for name, _, _ in STEPS:
        print(f"{name:<20} {1000 * cpu[name] / n:8.2f} {queries[name] / n:5.1f}")
    print(f"{'total':<20} {1000 * sum(cpu.values()) / n:8.2f} {sum(queries.values()) / n:5.1f}")
    if packages is not None:
        print_packages(packages, n)
    if args.sql:
        print("\n".join(last[max(i for i, s in enumerate(last) if s == f"--- {STEPS[0][0]}"):]))
    if profiler is not None:
        print(profiler.output_text(unicode=False, color=False, show_all=False))


def print_packages(profile, n: int) -> None:
    """Own CPU time per package (site-packages by distribution, the repository by folder), per terminal."""
    import pstats

    own: dict[str, float] = defaultdict(float)
    for (path, _line, name), (_cc, _nc, tottime, _ct, _callers) in pstats.Stats(profile).stats.items():
        if "site-packages/" in path:
            key = path.split("site-packages/")[1].split("/")[0]
        elif path.startswith("~"):
            key = "C builtins: " + ("sqlite3/psycopg" if "sqlite3" in name or "execute" in name else "other")
        elif "/lib/python3" in path:
            key = "stdlib"
        else:
            key = "/".join(os.path.relpath(path).split("/")[:2])
        own[key] += tottime
    total = sum(own.values())
    print(f"{'own CPU per terminal (cProfile, inflated)':<44} {1000 * total / n:7.2f} ms")
    for key, seconds in sorted(own.items(), key=lambda kv: -kv[1])[:15]:
        print(f"  {key:<42} {1000 * seconds / n:7.2f} ms  {100 * seconds / total:4.1f}%")


if __name__ == "__main__":
    main()
