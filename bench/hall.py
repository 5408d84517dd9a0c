"""The hot-path benchmark of issue 15: B1-B5, the floor ratio and the restart.

Runs the real server (``examserver serve``) and the floor app
(bench/floor_app.py, same gunicorn settings, same durability and hash chain)
in one run, alternating their answer-save rounds, with a multi-process HTTP
load generator that follows the real kiosk protocol (bench/client.py):

* B1 start storm: N terminals type the code at the same instant, confirm,
  read the instructions and load the exam (question 1 on screen).
* B2 answer saves: C concurrent clients send answers as fast as acknowledged
  (each ack after the durable commit), floor and real alternating.
* B4 live room: proctors poll the room's JSON (and reload the page) while B2
  runs on the real server, with all attempts of the run active in the room.
* restart: the server is stopped and started; seconds to the first
  acknowledged save (issue 14).
* B3 finish storm: N terminals finish at the same instant (scored, testing
  protocol signed in the finish transaction).
* B5 server CPU of complete exams: start, 60 answers, every state poll of a
  90-minute sitting at the kiosk's idle interval (360 at 15 s), finish; after
  one uncounted exam per load generator (workers warm, as in a real hall).

    .venv/bin/python -m bench.hall                       # the make bench size
    .venv/bin/python -m bench.hall --terminals 1000 --active 2000 --seconds 30
    .venv/bin/python -m bench.hall --database postgresql+psycopg://postgres@127.0.0.1/bench_empty --workers 4

Prints one table and writes the figures as JSON (``--json``).
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time

from bench import servers, storm_trace
from examserver.config import SETTINGS
from bench.client import Browser
from bench.loadgen import Generators
from bench.prepare import prepare
from bench.report import pct, table

# An idle kiosk polls /kiosk/api/state every EXAM_KIOSK_POLL_SECONDS (a save
# answers it too, so a sitting makes fewer: counting all of them is the worst case).
POLLS_PER_EXAM = 90 * 60 // SETTINGS["KIOSK_POLL_SECONDS"].default


def outcomes(replies) -> tuple[list[float], list[str]]:
    times, errors = [], []
    for reply in replies:
        if isinstance(reply, tuple) and reply and reply[0] == "error":
            errors.append(reply[1])
            continue
        for item in reply:
            (times if item[0] == "ok" else errors).append(item[1])
    return times, errors


def save_round(gens, target, ids, clients, seconds, server=None) -> dict:
    """One B2 round against ``target`` ("real" or "floor", served by ``server``);
    with the CPU per acknowledged save of the server and of the generator."""
    shares = gens.split(ids)
    per = [max(1, clients // len(shares))] * len(shares)
    at = time.time() + 1.0
    server_cpu0 = server.cpu_seconds() if server else 0.0
    replies = gens.call("saves", [(target, s, n, at, seconds) for s, n in zip(shares, per)])
    server_cpu = server.cpu_seconds() - server_cpu0 if server else 0.0
    latencies, statuses, generator_cpu = [], {}, 0.0
    for reply in replies:
        if reply and reply[0] == "error":
            statuses["error"] = statuses.get("error", 0) + 1
            continue
        latencies += reply[0]
        for code, n in reply[1].items():
            statuses[str(code)] = statuses.get(str(code), 0) + n
        generator_cpu += reply[2]
    acked = max(1, len(latencies))
    return {"target": target, "saves_per_s": len(latencies) / seconds, "p50_ms": (pct(latencies, 50) or 0) * 1000,
            "p99_ms": (pct(latencies, 99) or 0) * 1000, "acked": len(latencies), "statuses": statuses,
            "clients": sum(per), "server_cpu_ms_per_save": 1000 * server_cpu / acked,
            "generator_cpu_ms_per_save": 1000 * generator_cpu / acked}


class Proctors:
    """B4: proctors watching the live room as its page does (admin/static/live_room.js):
    the page, then every row (``/data?since=0``), then every ``interval`` s the
    rows changed since the previous poll (``?since=VERSION``); the page is
    loaded again every 10th request. Every request is one sample."""

    def __init__(self, port, session_id, count, interval, password):
        self.port, self.session_id, self.count, self.interval, self.password = port, session_id, count, interval, password
        self.samples, self.errors, self.stop_flag = [], [], threading.Event()
        self.kinds: dict[str, list[float]] = {}  # the same samples by request: page, every row, changes
        self.slowest: list[tuple] = []  # (ms, kind, s after the proctors began, ms in the view, epoch s)
        self.threads, self.began = [], time.perf_counter()

    def by_kind(self) -> dict:
        """p50 / max ms and count of each kind of request (what the p99 of a few samples is made of)."""
        out = {kind: {"p50_ms": round((pct(times, 50) or 0) * 1000, 1), "max_ms": round(max(times) * 1000, 1),
                      "n": len(times)} for kind, times in self.kinds.items()}
        out["slowest"] = sorted(self.slowest, reverse=True)[:3]
        return out

    def _run(self):
        b = Browser("127.0.0.1", self.port)
        try:
            b.get("/admin/auth/login")
            status, _ = b.post_form("/admin/auth/login", username="proctor", password=self.password)
            if status != 200 or "session" not in b.cookies:
                self.errors.append(f"login: {status}")
                return
            n, version = 0, 0
            while not self.stop_flag.is_set():
                if n % 10 == 0:
                    path, version = f"/admin/room/{self.session_id}", 0
                else:
                    path = f"/admin/room/{self.session_id}/data?since={version}"
                t0 = time.perf_counter()
                status, body, headers = b._send("GET", path, None, {  # the same request as b.get, with the headers
                    "Host": f"127.0.0.1:{self.port}", "Cookie": "; ".join(f"{k}={v}" for k, v in b.cookies.items())})
                self.samples.append(time.perf_counter() - t0)
                kind = "changes" if version else "every row" if "/data" in path else "page"
                self.kinds.setdefault(kind, []).append(self.samples[-1])
                timing = {name.lower(): value for name, value in headers}.get("server-timing", "")
                view = None
                if timing:  # the poll's own time in the view: the rest is the wait for a server thread
                    view = float(timing.split("dur=")[1].split(",")[0]) / 1000
                    self.kinds.setdefault(kind + " (in the view)", []).append(view)
                self.slowest.append((round(self.samples[-1] * 1000), kind, round(t0 - self.began, 1),
                                     view and round(view * 1000), round(time.time() - self.samples[-1], 2)))
                if status != 200:
                    self.errors.append(f"{path}: {status}")
                elif "/data" in path:
                    version = json.loads(body)["version"]
                n += 1
                if n % 10 != 1:  # the page asks for every row as soon as it is loaded
                    self.stop_flag.wait(self.interval)
        except Exception as exc:
            self.errors.append(repr(exc)[:200])

    def __enter__(self):
        self.threads = [threading.Thread(target=self._run, daemon=True) for _ in range(self.count)]
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc):
        self.stop_flag.set()
        for t in self.threads:
            t.join(30)


def run(args) -> dict:
    folder = tempfile.mkdtemp(prefix="examserver-bench-")
    env = dict(os.environ, EXAM_MODE="demo", EXAM_INSTANCE_PATH=folder, GUNICORN_ACCESSLOG="")
    if args.database:
        env["EXAM_DATABASE_URL"] = args.database
    os.environ.update({k: env[k] for k in ("EXAM_MODE", "EXAM_INSTANCE_PATH")})
    # B5 measures the steady state: one uncounted exam per load generator first (a
    # restarted worker compiles templates, loads catalogues once, not per exam).
    warm = args.generators if args.exams else 0
    total = max(args.terminals, args.active) + args.exams + warm
    t0 = time.time()
    prepared = prepare(folder, total, args.database, predraw=not args.no_predraw)
    print(f"prepared {total} candidates and terminals in {time.time() - t0:.0f} s", flush=True)
    pairs = [(n, s, c) for n, (s, c) in enumerate(prepared["pairs"])]
    storm_ids = list(range(args.terminals))
    active_ids = list(range(max(args.terminals, args.active)))
    exam_ids = list(range(len(active_ids), total - warm))
    warm_ids = list(range(total - warm, total))
    backend = "postgresql" if args.database else "sqlite"
    workers = args.workers or (4 if backend == "postgresql" else 2)
    threads = int(os.environ.get("GUNICORN_THREADS", 4))
    env["GUNICORN_WORKERS"], env["GUNICORN_THREADS"] = str(workers), str(threads)

    port, floor_port = servers.free_port(), servers.free_port()
    real = servers.real_server(port, workers, env, os.path.join(folder, "server.log"))
    floor_url = (args.floor_database or f"sqlite:///{folder}/floor.sqlite")
    floor_env = dict(env, FLOOR_DATABASE_URL=floor_url)
    subprocess.run([sys.executable, "-m", "bench.floor_app", str(len(active_ids))], env=floor_env, check=True)
    floor = servers.floor_server(floor_port, workers, threads, floor_env, os.path.join(folder, "floor.log"))
    result = {"backend": backend, "predraw": not args.no_predraw, "workers": workers, "threads": threads, "terminals": args.terminals,
              "active": len(active_ids), "clients": args.clients, "seconds": args.seconds, "cpus": os.cpu_count(),
              "load_before": os.getloadavg()}
    real.start()
    floor.start()
    gens = None
    try:
        servers.wait_ready(port, "/healthz")
        servers.wait_ready(floor_port, "/none")
        gens = Generators(args.generators, port, pairs, floor_port, len(active_ids))
        gens.call("open", [(s,) for s in gens.split(active_ids + exam_ids + warm_ids)])
        # B1
        owners, at = storm_trace.port_owners(port), time.time() + 2.0
        replies = gens.call("storm", [(s, at) for s in gens.split(storm_ids)])
        times, errors = outcomes(replies)
        result["B1"] = {"n": len(storm_ids), "all_started_s": max(times) if times else None, "p50_s": pct(times, 50),
                        "errors": len(errors), "error_samples": errors[:3],
                        "tail": storm_trace.summary(replies, owners)}
        print("B1", result["B1"], flush=True)
        rest = [i for i in active_ids if i not in set(storm_ids)]
        if rest:
            _t, errors = outcomes(gens.call("start", [(s,) for s in gens.split(rest)]))
            result["fill_errors"] = len(errors)
        # B2 (floor and real alternating) with B4 during the real rounds
        rounds, live = [], []
        for r in range(args.rounds):
            rounds.append(save_round(gens, "floor", active_ids, args.clients, args.seconds, floor))
            print("B2", rounds[-1], flush=True)
            with Proctors(port, prepared["session_id"], args.proctors, 1.0, prepared["password"]) as proctors:
                rounds.append(save_round(gens, "real", active_ids, args.clients, args.seconds, real))
            print("B2", rounds[-1], flush=True)
            live.append({"p99_ms": (pct(proctors.samples, 99) or 0) * 1000, "p50_ms": (pct(proctors.samples, 50) or 0) * 1000,
                         "n": len(proctors.samples), "by_kind": proctors.by_kind(),
                         "errors": len(proctors.errors), "error_samples": proctors.errors[:3]})
            print("B4", live[-1], flush=True)
        best = lambda t: max((x for x in rounds if x["target"] == t), key=lambda x: x["saves_per_s"])  # noqa: E731
        result["B2"] = {"rounds": rounds, "real": best("real"), "floor": best("floor"),
                        "ratio": best("real")["saves_per_s"] / max(1e-9, best("floor")["saves_per_s"])}
        result["B4"] = {"rounds": live, "p99_ms": max(x["p99_ms"] for x in live),
                        "errors": sum(x["errors"] for x in live)}
        # Restart to the first acknowledged save (issue 14)
        real.stop()
        t_start = real.start()
        probe_owner = gens.owner[storm_ids[0]]
        replies = gens.call("probe", [((storm_ids[0], t_start, t_start + 120) if g == probe_owner else (None, 0, 0))
                                      for g in range(len(gens.pipes))])
        first = replies[probe_owner]
        result["restart_first_save_s"] = first if isinstance(first, (int, float)) else None
        print("restart", result["restart_first_save_s"], flush=True)
        servers.wait_ready(port, "/healthz")
        # B3
        at = time.time() + 2.0
        times, errors = outcomes(gens.call("finish", [(s, at) for s in gens.split(storm_ids)]))
        result["B3"] = {"n": len(storm_ids), "all_finished_s": max(times) if times else None,
                        "errors": len(errors), "error_samples": errors[:3]}
        print("B3", result["B3"], flush=True)
        # B5 on an otherwise idle server
        if exam_ids:
            cpu0 = real.cpu_seconds()
            gens.call("exams", [(s, 60, 10) for s in gens.split(warm_ids)])
            warm_cpu = real.cpu_seconds() - cpu0
            time.sleep(1.0)
            cpu0 = real.cpu_seconds()
            shares = gens.split(exam_ids)
            replies = gens.call("exams", [(s, 60, args.polls) for s in shares])
            cpu = real.cpu_seconds() - cpu0
            result["B5"] = {"exams": len(exam_ids), "polls_per_exam": args.polls,
                            "cpu_s_per_exam": cpu / len(exam_ids), "statuses": replies,
                            "warmup_exams": len(warm_ids), "warmup_cpu_s": warm_cpu}
            if args.polls < POLLS_PER_EXAM:
                result["B5"]["note"] = f"polls scaled down to {args.polls}"
            print("B5", result["B5"], flush=True)
    finally:
        if gens is not None:
            gens.stop()
        real.stop()
        floor.stop()
    result["load_after"] = os.getloadavg()
    result["folder"] = folder
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--terminals", type=int, default=200, help="B1/B3 storm size")
    parser.add_argument("--active", type=int, default=0, help="active attempts in the room (B2/B4), >= terminals")
    parser.add_argument("--clients", type=int, default=32, help="B2 concurrent clients")
    parser.add_argument("--seconds", type=float, default=10, help="length of one B2 round")
    parser.add_argument("--rounds", type=int, default=1, help="floor/real B2 round pairs")
    parser.add_argument("--proctors", type=int, default=2, help="B4 proctors polling the room every second")
    parser.add_argument("--exams", type=int, default=2, help="B5 complete exams")
    parser.add_argument("--polls", type=int, default=POLLS_PER_EXAM, help="B5 state polls per exam")
    parser.add_argument("--workers", type=int, default=None, help="gunicorn workers (default 2 SQLite, 4 PostgreSQL)")
    parser.add_argument("--generators", type=int, default=4, help="load-generator processes")
    parser.add_argument("--database", default=None, help="URL of an EMPTY PostgreSQL database (default: SQLite)")
    parser.add_argument("--floor-database", default=None, help="URL for the floor app (default: SQLite file)")
    parser.add_argument("--no-predraw", action="store_true", help="start without forms drawn ahead (B1 draws)")
    parser.add_argument("--json", default=None, help="write the figures here (default bench/results/<time>.json)")
    args = parser.parse_args()
    result = run(args)
    print()
    print(table(result))
    path = args.json or os.path.join(os.path.dirname(__file__), "results",
                                     time.strftime("%Y%m%d-%H%M%S") + f"-{result['backend']}.json")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as fh:
        json.dump(result, fh, indent=1, default=str)
    print(f"figures written to {path}")


if __name__ == "__main__":
    main()
