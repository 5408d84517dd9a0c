"""Load-generator processes: each drives its share of the kiosks with threads.

The harness (``bench.hall``) starts a few of these (several processes so the
generator's GIL is not the bottleneck) and sends them one command at a time
over a pipe; every command returns plain data (latencies, counts, errors).
"""
from __future__ import annotations

import multiprocessing
import threading
import time
from collections import Counter

from bench.client import FloorKiosk, Kiosk


def _until(at: float) -> None:
    delay = at - time.time()
    if delay > 0:
        time.sleep(delay)


def _each(kiosks, job, limit: int | None = None) -> list:
    """Run ``job(kiosk)`` for every kiosk, one thread each (at most ``limit`` at once)."""
    results = [None] * len(kiosks)
    gate = threading.Semaphore(limit) if limit else None

    def run(i, kiosk):
        if gate:
            gate.acquire()
        try:
            results[i] = job(kiosk)
        except Exception as exc:  # reported, one broken kiosk must not hide the figures
            results[i] = ("error", repr(exc)[:300])
        finally:
            if gate:
                gate.release()

    threads = [threading.Thread(target=run, args=(i, k), daemon=True) for i, k in enumerate(kiosks)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def _timed(fn):
    def job(kiosk):
        t0 = time.time()
        fn(kiosk)
        return ("ok", time.time() - t0)
    return job


class Generator:
    def __init__(self, host: str, port: int, pairs: list[tuple[int, str, str]], floor_port: int | None,
                 floor_ids: list[int]):
        self.kiosks = {i: Kiosk(host, port, secret, code) for i, secret, code in pairs}
        self.floor = {i: FloorKiosk(host, floor_port, i) for i in floor_ids} if floor_port else {}

    def open(self, ids):
        return _each([self.kiosks[i] for i in ids], _timed(Kiosk.open), limit=64)

    def storm(self, ids, at):
        """B1: all at ``at``: code, confirm, instructions, exam with question 1.

        Each result carries the terminal's trace: its connection's local port
        (``bench.hall`` maps it to the server process) and, per request sent,
        the path, its start (seconds after ``at``), how long it took and
        whether the connection had to be (re)opened for it."""
        def job(kiosk):
            trace = []
            browser = kiosk.browser
            send = browser._send

            def traced(method, path, body, headers):
                before, t0 = browser.conn, time.time()
                try:
                    return send(method, path, body, headers)
                finally:
                    # A new connection: there was none, or the server had closed the kept one.
                    reopened = before is None or browser.conn is not before and browser.conn is not None
                    trace.append((path, round(t0 - at, 3), round(time.time() - t0, 3), reopened))

            browser._send = traced
            port = browser.conn.sock.getsockname()[1] if browser.conn is not None else None
            _until(at)
            try:
                kiosk.start()
            finally:
                del browser._send
            return ("ok", time.time() - at, port, trace)
        return _each([self.kiosks[i] for i in ids], job)

    def start(self, ids):
        return _each([self.kiosks[i] for i in ids], _timed(Kiosk.start), limit=16)

    def saves(self, target, ids, threads, at, seconds):
        """B2: ``threads`` clients, each sending answers for its kiosks round robin until the time is up."""
        pool = self.floor if target == "floor" else self.kiosks
        kiosks = [pool[i] for i in ids if pool[i].questions]  # a kiosk whose start failed sends nothing
        shares = [kiosks[t::threads] for t in range(threads)]
        latencies, statuses = [], Counter()
        lock = threading.Lock()
        end = at + seconds

        def client(share):
            mine, codes, n = [], Counter(), 0
            _until(at)
            while share and time.time() < end:
                kiosk = share[n % len(share)]
                n += 1
                try:
                    status, took = kiosk.save()
                except Exception:
                    status, took = 599, 0.0
                codes[status] += 1
                if status == 200:
                    mine.append(took)
            with lock:
                latencies.extend(mine)
                statuses.update(codes)

        workers = [threading.Thread(target=client, args=(s,), daemon=True) for s in shares]
        cpu0 = time.process_time()
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        # The generator's own CPU: it shares the cores with the server it measures.
        return latencies, dict(statuses), time.process_time() - cpu0

    def probe(self, i, t0, give_up):
        """Issue 14: send saves until one is acknowledged; seconds from ``t0`` to that ack."""
        kiosk = self.kiosks[i]
        if not kiosk.questions:
            return None
        while time.time() < give_up:
            kiosk.browser.close()
            try:
                status, _took = kiosk.save()
            except OSError:
                status = None
            if status == 200:
                return time.time() - t0
            time.sleep(0.05)
        return None

    def finish(self, ids, at):
        """B3: all press 'finish' at ``at``."""
        def job(kiosk):
            _until(at)
            status = kiosk.finish()
            if status != 200:
                raise RuntimeError(f"finish: {status}")
            return ("ok", time.time() - at)
        return _each([self.kiosks[i] for i in ids], job)

    def exams(self, ids, saves, polls):
        """B5: complete exams one after another: start, ``saves`` answers with
        ``polls`` state polls spread between them, finish."""
        done = []
        for i in ids:
            kiosk = self.kiosks[i]
            kiosk.start()
            statuses = Counter()
            for n in range(polls):
                statuses[kiosk.poll()] += 1
                if saves and n % max(1, polls // saves) == 0 and kiosk.n < saves:
                    statuses[kiosk.save()[0]] += 1
            while kiosk.n < saves:
                statuses[kiosk.save()[0]] += 1
            statuses[kiosk.finish()] += 1
            done.append(dict(statuses))
        return done

    def close(self):
        for kiosk in list(self.kiosks.values()) + list(self.floor.values()):
            kiosk.browser.close()
        return True


def serve(conn, host, port, pairs, floor_port, floor_ids) -> None:
    """Process main: build the kiosks, then answer commands ``(name, args)`` until ``stop``."""
    generator = Generator(host, port, pairs, floor_port, floor_ids)
    while True:
        name, args = conn.recv()
        if name == "stop":
            generator.close()
            conn.send(True)
            return
        try:
            conn.send(getattr(generator, name)(*args))
        except Exception as exc:
            conn.send(("error", repr(exc)))


class Generators:
    """The load-generator processes; ``call`` sends a command to all and gathers the replies."""

    def __init__(self, count, port, pairs, floor_port, floor_count):
        ctx = multiprocessing.get_context("fork")
        self.pipes, self.procs = [], []
        self.owner = {}
        for g in range(count):
            mine = [p for p in pairs if p[0] % count == g]
            for p in mine:
                self.owner[p[0]] = g
            floor_ids = [i for i in range(floor_count) if i % count == g]
            parent, child = ctx.Pipe()
            proc = ctx.Process(target=serve, args=(child, "127.0.0.1", port, mine, floor_port, floor_ids),
                               daemon=True)
            proc.start()
            self.pipes.append(parent)
            self.procs.append(proc)

    def call(self, name, per_process_args):
        for pipe, args in zip(self.pipes, per_process_args):
            pipe.send((name, args))
        return [pipe.recv() for pipe in self.pipes]

    def split(self, ids):
        shares = [[] for _ in self.pipes]
        for i in ids:
            shares[self.owner[i] if i in self.owner else i % len(self.pipes)].append(i)
        return shares

    def stop(self):
        for pipe in self.pipes:
            pipe.send(("stop", ()))
            pipe.recv()
        for proc in self.procs:
            proc.join(10)
