"""B4 in-process: what one proctor's live-room request costs with N running attempts.

    .venv/bin/python -m bench.live_room_cost [--active 2000] [--changed 0.9] [--database URL] [--folder DIR]

Prepares N candidates (``bench.prepare``: codes issued, forms drawn), starts
every attempt through the service, logs a proctor in (Flask test client: the
real views, hooks and JSON), then measures, per request, the CPU time
(``time.process_time``), the SQL statements and the bytes sent:

* the page, ``/data?since=0`` (every row: the page's first and once-a-minute poll);
* ``/data?since=VERSION`` with no move since the previous poll (the moves of
  the ``OVERLAP`` window still come: the previous round's);
* ``/data?since=VERSION`` after a share ``--changed`` of the attempts moved
  their contact (and one in ten answered one more question) since the previous
  poll: what every poll meets during B2, where every attempt saves every few
  seconds.

``--folder DIR`` (with the same ``--database``) keeps the prepared data for
the next run (preparing and starting 2,000 takes a minute or two). PostgreSQL: pass
the URL of your own EMPTY database the first time; the database server's CPU
per request (its backends' ``/proc`` times, in 10 ms ticks: a mean over
``--repeat``) is printed too.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import tempfile
import time


def _start_all(app, session_id: int) -> int:
    """Start every candidate's attempt of the session on the terminal of its seat; returns the running count."""
    import sqlalchemy as sa

    from examserver.db import db
    from examserver.exam import attempts
    from examserver.models import Attempt, ExamSession, Participant, Terminal, TerminalState

    with app.app_context():
        session = db.session.get(ExamSession, session_id)
        started = set(db.session.scalars(sa.select(Attempt.participant_id).where(Attempt.session_id == session_id)))
        terminals = {t.seat: t for t in db.session.scalars(sa.select(Terminal).where(
            Terminal.room_id == session.room_id, Terminal.state == TerminalState.ENROLLED).order_by(Terminal.id))}
        # (ordered by id: a seat's bench terminal, enrolled after the demo's, wins)
        people = db.session.scalars(sa.select(Participant).where(Participant.session_id == session_id)
                                    .order_by(Participant.id)).all()
        for n, person in enumerate(people):
            if person.id in started or person.seat not in terminals or not person.surname.startswith("Сынакчы"):
                continue  # the demo's own candidates keep their states
            attempts.start_attempt(person, terminals[person.seat], "ru")
            if n % 100 == 99:
                db.session.commit()
        db.session.commit()
        return db.session.scalar(sa.select(sa.func.count()).select_from(Attempt)
                                 .where(Attempt.session_id == session_id))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--active", type=int, default=2000)
    parser.add_argument("--changed", type=float, default=0.9, help="share of the attempts that moved between two polls")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--database", default=None, help="PostgreSQL URL (default: SQLite in the folder)")
    parser.add_argument("--folder", default=None, help="keep (or reuse) the prepared data here")
    args = parser.parse_args()

    folder = args.folder or tempfile.mkdtemp(prefix="examserver-live-")
    os.makedirs(folder, exist_ok=True)
    os.environ.update(EXAM_MODE="demo", EXAM_INSTANCE_PATH=folder)
    import sqlalchemy as sa
    from sqlalchemy import event

    from bench.client import CSRF_RE
    from bench.prepare import prepare
    from examserver import clock, create_app
    from examserver.db import db
    from examserver.demo import DEMO_PASSWORD
    from examserver.models import Attempt, AttemptState

    marker = os.path.join(folder, "live_room_cost.json")
    if os.path.exists(marker):
        with open(marker) as fh:
            session_id = json.load(fh)["session_id"]
    else:
        t0 = time.time()
        session_id = prepare(folder, args.active, args.database)["session_id"]
        with open(marker, "w") as fh:
            json.dump({"session_id": session_id}, fh)
        print(f"prepared {args.active} candidates in {time.time() - t0:.0f} s", flush=True)
    app = create_app({"MODE": "demo", "INSTANCE_PATH": folder,
                      **({"DATABASE_URL": args.database} if args.database else {})})
    t0 = time.time()
    running = _start_all(app, session_id)
    print(f"{running} attempts running (started in {time.time() - t0:.0f} s)", flush=True)
    with app.app_context():
        engine = db.engine
        ids = list(db.session.scalars(sa.select(Attempt.id).where(Attempt.session_id == session_id,
                                                                 Attempt.state == AttemptState.IN_PROGRESS)))
    counted = [0]
    event.listen(engine, "before_cursor_execute", lambda *_a: counted.__setitem__(0, counted[0] + 1))

    client = app.test_client()
    page = client.get("/admin/auth/login").get_data(as_text=True)
    reply = client.post("/admin/auth/login", data={"username": "proctor", "password": DEMO_PASSWORD,
                                                   "csrf_token": CSRF_RE.search(page).group(1)})
    assert reply.status_code in (200, 302), reply.status_code
    room = f"/admin/room/{session_id}"

    watcher = sa.create_engine(args.database).connect() if args.database else None
    tick = os.sysconf("SC_CLK_TCK")

    def server_cpu() -> float:
        """CPU seconds of the database's other backends so far (PostgreSQL on this machine; 0 for SQLite)."""
        if watcher is None:
            return 0.0
        pids = watcher.exec_driver_sql("SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                                       "AND pid <> pg_backend_pid()").scalars().all()
        total = 0
        for pid in pids:
            try:
                with open(f"/proc/{pid}/stat") as fh:
                    fields = fh.read().rsplit(")", 1)[1].split()
                total += int(fields[11]) + int(fields[12])  # utime, stime
            except OSError:
                pass
        return total / tick

    def measure(path: str) -> tuple[float, int, int, dict, float]:
        server, before, t0 = server_cpu(), counted[0], time.process_time()
        response = client.get(path)
        cpu = time.process_time() - t0
        statements = counted[0] - before
        server = server_cpu() - server
        assert response.status_code == 200, (path, response.status_code)
        body = response.get_data()
        data = json.loads(body) if path.startswith(room + "/data") else {}
        return cpu * 1000, statements, len(body), data, server * 1000

    def touch(share: float) -> int:
        """Move the contact of a share of the attempts to now (one in ten also answers one more question)."""
        chosen = random.sample(ids, int(len(ids) * share))
        answering = chosen[: len(chosen) // 10]
        with app.app_context():
            now = clock.now()
            with db.engine.begin() as conn:  # one UPDATE: one new row version each, as a save makes
                conn.execute(sa.update(Attempt).where(Attempt.id.in_(chosen)).values(
                    last_contact_at=now,
                    answered_count=Attempt.answered_count + sa.case((Attempt.id.in_(answering), 1), else_=0)))
        return len(chosen)

    results: dict[str, list] = {}

    def record(name, figures):
        data = figures[3]
        results.setdefault(name, []).append(figures[:3] + (len(data.get("rows", ())), len(data.get("moves", ())),
                                                           figures[4]))

    for _ in range(3):  # warm: statements compiled, templates loaded
        measure(room), measure(room + "/data?since=0")
    for _ in range(args.repeat):
        record("page", measure(room))
        full = measure(room + "/data?since=0")
        record("since=0 (every row)", full)
        version = full[3]["version"]
        time.sleep(0.002)
        quiet = measure(f"{room}/data?since={version}")
        # no move since the previous poll: the rows of the overlap window only
        record("since=VERSION, no move since", quiet)
        touch(args.changed)
        time.sleep(0.002)
        record(f"since=VERSION, {args.changed:.0%} moved", measure(f"{room}/data?since={quiet[3]['version']}"))

    load = os.getloadavg()
    backend = "postgresql" if args.database else "sqlite"
    print(f"{backend}, {running} attempts, load {load[0]:.2f} {load[1]:.2f}, {args.repeat} requests each")
    print(f"{'request':40} {'CPU ms p50':>10} {'min':>7} {'max':>7} {'SQL':>5} {'KB':>8} {'rows':>6} {'moves':>6} "
          f"{'DB CPU ms':>9}")
    for name, samples in results.items():
        cpu = [s[0] for s in samples]
        print(f"{name:40} {statistics.median(cpu):10.2f} {min(cpu):7.2f} {max(cpu):7.2f} "
              f"{statistics.median(s[1] for s in samples):5.0f} {statistics.median(s[2] for s in samples) / 1024:8.1f} "
              f"{statistics.median(s[3] for s in samples):6.0f} {statistics.median(s[4] for s in samples):6.0f} "
              f"{statistics.mean(s[5] for s in samples):9.2f}")


if __name__ == "__main__":
    main()
