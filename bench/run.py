"""Hall-start benchmark: a whole room starts at the same minute.

For N candidates on the demo bank (60-question blueprints): draw and start
every attempt, save ANSWERS answer events per candidate (one commit per event,
as the kiosk API does), then finish and sign every protocol. Prints the
latency percentiles of each operation and the throughput.

    .venv/bin/python -m bench.run [--candidates 200] [--answers 60] [--database URL]

Speed targets live here, never in unit tests: the machines are shared.
"""
from __future__ import annotations

import argparse
import statistics
import tempfile
import time

import sqlalchemy as sa


def percentile(values: list[float], pct: int) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * pct / 100))]


def report(name: str, samples: list[float]) -> str:
    ms = [s * 1000 for s in samples]
    return (f"{name:<18} n={len(ms):>6}  p50={statistics.median(ms):7.2f} ms  p95={percentile(ms, 95):7.2f} ms  "
            f"max={max(ms):7.2f} ms  total={sum(samples):6.2f} s")


def _register(registration, session, data, actor):
    try:
        return registration.register_participant(session, data, actor=actor)
    except registration.ImportRefused as exc:
        raise SystemExit(f"cannot register {data}: {[(p.field, p.message) for p in exc.problems]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", type=int, default=200)
    parser.add_argument("--answers", type=int, default=60)
    parser.add_argument("--database", default=None, help="SQLAlchemy URL (default: a fresh SQLite file)")
    args = parser.parse_args()

    from examserver import create_app
    from examserver.db import db
    from examserver.demo import load_demo
    from examserver.migrate import upgrade
    from examserver.models import Participant, Position
    from examserver.exam import attempts
    from examserver.core import audit
    from examserver.registration import participants as registration
    from examserver.exam import terminals
    from examserver.models import FinishReason, Room

    folder = tempfile.mkdtemp(prefix="examserver-bench-")
    url = args.database or f"sqlite:///{folder}/bench.sqlite"
    app = create_app({"MODE": "demo", "DATABASE_URL": url, "INSTANCE_PATH": folder})
    upgrade(app)
    with app.app_context():
        load_demo()
        db.session.commit()
        actor = audit.Actor.cli("bench")
        session_id = db.session.scalar(sa.text("select max(id) from exam_session"))
        from examserver.models import ExamSession

        session = db.session.get(ExamSession, session_id)
        room = db.session.get(Room, session.room_id)
        positions = list(db.session.scalars(sa.select(Position).order_by(Position.code)))
        people, terms = [], []
        for n in range(args.candidates):
            pin = f"1{(n % 28) + 1:02d}0{(n % 9) + 1}1980{n:05d}"
            p = _register(registration, session, {
                "surname": f"Сынакчы{n}", "name": "Бенч", "patronymic": "", "pin": pin,
                "id_document": f"B{n:07d}", "position": positions[n % len(positions)].code,
                "language": "ky" if n % 2 else "ru", "seat": str(n + 1), "competition": "",
            }, actor=actor)
            registration.set_admission(p, True, "", actor)
            terminal, _secret = terminals.register_pending()
            terminals.enrol(terminal.pairing_code, room, str(n + 1), actor)
            people.append(p.id)
            terms.append(terminal.id)
        db.session.commit()

    start_t, answer_t, finish_t = [], [], []
    wall = time.perf_counter()
    with app.app_context():
        from examserver.models import Terminal

        attempt_ids = []
        for pid, tid in zip(people, terms):
            t0 = time.perf_counter()
            participant = db.session.get(Participant, pid)
            attempt = attempts.start_attempt(participant, db.session.get(Terminal, tid), participant.language)
            db.session.commit()
            start_t.append(time.perf_counter() - t0)
            attempt_ids.append(attempt.id)
    with app.app_context():
        from examserver.models import Attempt

        for aid in attempt_ids:
            for seq in range(1, args.answers + 1):
                t0 = time.perf_counter()
                attempt = db.session.get(Attempt, aid)
                slot = attempt.form["slots"][(seq - 1) % len(attempt.form["slots"])]
                attempts.record_event(attempt, seq, "answer",
                                      {"slot": slot["index"], "selected": [slot["option_order"][seq % 4]], "input": "click"},
                                      "2026-11-23T09:00:00Z")
                db.session.commit()
                answer_t.append(time.perf_counter() - t0)
            db.session.expire_all()
    with app.app_context():
        for aid in attempt_ids:
            t0 = time.perf_counter()
            attempts.finish_attempt(db.session.get(Attempt, aid), FinishReason.SUBMITTED)
            db.session.commit()
            finish_t.append(time.perf_counter() - t0)
    wall = time.perf_counter() - wall
    backend = url.split(":")[0]
    print(f"hall start on {backend}: {args.candidates} candidates, {args.answers} answers each")
    print(report("start attempt", start_t))
    print(report("save answer", answer_t))
    print(report("finish + protocol", finish_t))
    print(f"answers/s (one writer): {len(answer_t) / sum(answer_t):.0f}; wall {wall:.1f} s")


if __name__ == "__main__":
    main()
