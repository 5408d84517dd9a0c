"""How the kiosks' connections and the answer saves spread over the gunicorn workers.

    .venv/bin/python -m bench.worker_spread [--terminals 200] [--seconds 10] [--rounds 2]
                                            [--database URL] [--workers 4] [--floor-database URL]

Starts the real server (``examserver serve``), starts N exams at the same
instant (the B1 storm: each kiosk keeps its keep-alive connection), then
prints for every worker process the connections it holds, and runs B2
rounds (32 clients saving as fast as acknowledged) printing per worker the
CPU seconds it used; with ``--floor-database`` the floor app
(bench/floor_app.py, same gunicorn settings) runs its round first, as in
``bench.hall``. gunicorn keeps a connection in the worker that accepted it,
so an uneven spread makes the busiest worker the bottleneck of a round
(docs/benchmarks.md, issue 15). Figures only; no file written.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time

from bench import servers
from bench.hall import outcomes, save_round
from bench.loadgen import Generators
from bench.prepare import prepare


def _socket_inodes(pid: int) -> set[str]:
    found = set()
    try:
        for fd in os.listdir(f"/proc/{pid}/fd"):
            try:
                target = os.readlink(f"/proc/{pid}/fd/{fd}")
            except OSError:
                continue
            if target.startswith("socket:["):
                found.add(target[8:-1])
    except OSError:
        pass
    return found


def _established_on(port: int) -> set[str]:
    """Inodes of the established TCP connections whose local port is ``port``."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table) as fh:
                next(fh)
                for line in fh:
                    fields = line.split()
                    if fields[3] == "01" and int(fields[1].rsplit(":", 1)[1], 16) == port:
                        inodes.add(fields[9])
        except OSError:
            continue
    return inodes


def workers_of(server: servers.Server) -> list[int]:
    children = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as fh:
                    if int(fh.read().rsplit(")", 1)[1].split()[1]) == server.proc.pid:
                        children.append(int(entry))
            except OSError:
                continue
    return sorted(children)


def spread(server: servers.Server, port: int) -> dict[int, int]:
    """Established connections on ``port`` held by each worker."""
    established = _established_on(port)
    return {pid: len(_socket_inodes(pid) & established) for pid in workers_of(server)}


def cpu_of(pids) -> dict[int, float]:
    out = {}
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
            out[pid] = (int(fields[11]) + int(fields[12])) / servers.TICKS
        except OSError:
            out[pid] = 0.0
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--terminals", type=int, default=200)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--database", default=None)
    parser.add_argument("--floor-database", default=None)
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="examserver-spread-")
    env = dict(os.environ, EXAM_MODE="demo", EXAM_INSTANCE_PATH=folder, GUNICORN_ACCESSLOG="")
    if args.database:
        env["EXAM_DATABASE_URL"] = args.database
    os.environ.update({k: env[k] for k in ("EXAM_MODE", "EXAM_INSTANCE_PATH")})
    prepared = prepare(folder, args.terminals, args.database)
    pairs = [(n, s, c) for n, (s, c) in enumerate(prepared["pairs"])]
    ids = list(range(args.terminals))
    workers = args.workers or (4 if args.database else 2)
    threads = int(os.environ.get("GUNICORN_THREADS", 4))
    env["GUNICORN_WORKERS"], env["GUNICORN_THREADS"] = str(workers), str(threads)
    port = servers.free_port()
    real = servers.real_server(port, workers, env, os.path.join(folder, "server.log"))
    floor = floor_port = None
    if args.floor_database:
        floor_port = servers.free_port()
        floor_env = dict(env, FLOOR_DATABASE_URL=args.floor_database)
        subprocess.run([sys.executable, "-m", "bench.floor_app", str(len(ids))], env=floor_env, check=True)
        floor = servers.floor_server(floor_port, workers, threads, floor_env, os.path.join(folder, "floor.log"))
        floor.start()
    real.start()
    gens = None
    print(f"load before {os.getloadavg()[0]:.1f}; {workers} workers x {threads} threads", flush=True)
    try:
        servers.wait_ready(port, "/healthz")
        if floor:
            servers.wait_ready(floor_port, "/none")
        gens = Generators(4, port, pairs, floor_port, len(ids) if floor else 0)
        gens.call("open", [(s,) for s in gens.split(ids)])
        at = time.time() + 2.0
        times, errors = outcomes(gens.call("storm", [(s, at) for s in gens.split(ids)]))
        print(f"storm: {len(times)} on question 1 in {max(times or [0]):.1f} s, {len(errors)} errors", flush=True)
        held = spread(real, port)
        print("connections per worker after the storm:", sorted(held.values(), reverse=True), flush=True)
        for _ in range(args.rounds):
            if floor:
                r = save_round(gens, "floor", ids, args.clients, args.seconds)
                print(f"floor: {r['saves_per_s']:.0f}/s p50 {r['p50_ms']:.1f} p99 {r['p99_ms']:.1f} ms", flush=True)
            pids = workers_of(real)
            before = cpu_of(pids)
            r = save_round(gens, "real", ids, args.clients, args.seconds)
            after = cpu_of(pids)
            used = sorted((after[p] - before[p] for p in pids), reverse=True)
            print(f"real:  {r['saves_per_s']:.0f}/s p50 {r['p50_ms']:.1f} p99 {r['p99_ms']:.1f} ms "
                  f"statuses {r['statuses']}; worker CPU-s {[round(u, 2) for u in used]}; "
                  f"connections {sorted(spread(real, port).values(), reverse=True)}", flush=True)
    finally:
        if gens is not None:
            gens.stop()
        real.stop()
        if floor:
            floor.stop()
    print(f"load after {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
