"""B1 alone: the start storm over HTTP, to compare server settings (gunicorn threads, backlog, workers).

    .venv/bin/python -m bench.start_storm --terminals 500 [--workers 2] [--threads 4 8] [--switch 0.005 0.001]
                                          [--database URL]

Prepares one database (bench/prepare.py: N candidates with codes and forms
drawn ahead on N enrolled terminals), then for each setting starts the real
server (``examserver serve``), lets the terminals type their codes at the same
instant exactly as ``bench.hall`` B1 does (bench/loadgen.py ``storm``), and
prints the seconds until the last exam was on screen, the median, the errors
and the server's CPU seconds. Each setting after the first runs on a fresh
copy of the prepared database (SQLite), so every round starts the same
storm. ``bench.hall`` stays the measure of record; this is for choosing
settings without running B2-B5 each time. PostgreSQL: one setting per run
(the database is used up by the storm).
"""
from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time

from bench import servers
from bench.hall import Generators, outcomes
from bench.prepare import prepare
from bench.report import pct


def connections_per_process(port: int) -> list[int]:
    """How the terminals' open connections are shared among the server's processes (``ss``)."""
    import re
    import subprocess

    out = subprocess.run(["ss", "-Htnp", "state", "established", f"( sport = :{port} )"],
                         capture_output=True, text=True).stdout
    counts: dict[str, int] = {}
    for pid in re.findall(r"pid=(\d+)", out):
        counts[pid] = counts.get(pid, 0) + 1
    return sorted(counts.values(), reverse=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--terminals", type=int, default=500)
    parser.add_argument("--workers", type=int, default=None, help="gunicorn workers (default 2 SQLite, 4 PostgreSQL)")
    parser.add_argument("--threads", type=int, nargs="+", default=[4], help="gunicorn threads per worker, one round each")
    parser.add_argument("--switch", type=float, nargs="+", default=[None],
                        help="the workers' GIL switch interval in seconds (GUNICORN_SWITCH_INTERVAL), one round each")
    parser.add_argument("--generators", type=int, default=4)
    parser.add_argument("--database", default=None, help="URL of an EMPTY PostgreSQL database (default: SQLite)")
    args = parser.parse_args()
    rounds = max(len(args.threads), len(args.switch))
    settings = [(args.threads[min(i, len(args.threads) - 1)], args.switch[min(i, len(args.switch) - 1)])
                for i in range(rounds)]
    if args.database and rounds > 1:
        parser.error("PostgreSQL: one setting per run (the storm uses the prepared database up)")

    folder = tempfile.mkdtemp(prefix="examserver-storm-")
    env = dict(os.environ, EXAM_MODE="demo", EXAM_INSTANCE_PATH=folder, GUNICORN_ACCESSLOG="")
    if args.database:
        env["EXAM_DATABASE_URL"] = args.database
    os.environ.update({k: env[k] for k in ("EXAM_MODE", "EXAM_INSTANCE_PATH")})
    t0 = time.time()
    prepared = prepare(folder, args.terminals, args.database)
    print(f"prepared {args.terminals} candidates and terminals in {time.time() - t0:.0f} s", flush=True)
    database = os.path.join(folder, "examserver.sqlite")
    pristine = database + ".pristine"
    if not args.database:
        shutil.copyfile(database, pristine)
    pairs = [(n, s, c) for n, (s, c) in enumerate(prepared["pairs"])]
    ids = list(range(args.terminals))
    workers = args.workers or (4 if args.database else 2)
    for threads, switch in settings:
        if not args.database:
            for suffix in ("", "-wal", "-shm"):
                if os.path.exists(database + suffix):
                    os.remove(database + suffix)
            shutil.copyfile(pristine, database)
        env["GUNICORN_WORKERS"], env["GUNICORN_THREADS"] = str(workers), str(threads)
        env.pop("GUNICORN_SWITCH_INTERVAL", None)
        if switch is not None:
            env["GUNICORN_SWITCH_INTERVAL"] = str(switch)
        port = servers.free_port()
        real = servers.real_server(port, workers, env, os.path.join(folder, f"server-{threads}.log"))
        real.start()
        gens = None
        try:
            servers.wait_ready(port, "/healthz")
            gens = Generators(args.generators, port, pairs, None, 0)
            gens.call("open", [(s,) for s in gens.split(ids)])
            shares = connections_per_process(port)
            load = os.getloadavg()[0]
            cpu0 = real.cpu_seconds()
            at = time.time() + 2.0
            times, errors = outcomes(gens.call("storm", [(s, at) for s in gens.split(ids)]))
            cpu = real.cpu_seconds() - cpu0
            last = max(times) if times else float("nan")
            print(f"{workers} workers x {threads} threads, switch {switch or 'default'}: {len(times)} started, last {last:.1f} s, "
                  f"p50 {pct(times, 50) or 0:.1f} s, {len(errors)} errors {errors[:2]}, server CPU {cpu:.1f} s "
                  f"({1000 * cpu / max(1, len(times)):.1f} ms per terminal), load before {load:.1f}, "
                  f"kept-alive connections per worker {shares}", flush=True)
        finally:
            if gens is not None:
                gens.stop()
            real.stop()


if __name__ == "__main__":
    main()
