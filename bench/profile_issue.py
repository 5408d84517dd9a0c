"""Profile a batch of code issues in-process (the console's slips PDF: one request
issues a code, and so draws a form, for every participant of a session).

    .venv/bin/python -m bench.profile_issue [--participants 300] [--database URL] [--uncached] [--tree]

Registers and admits ``--participants`` candidates without codes in the demo's
open session, then issues their codes in one transaction, as
``admin/participants/views.py`` ``slips_pdf`` does (``codes.issue_code`` in a
loop, one commit). Prints the batch's CPU time (``time.process_time``), wall
time, statements, and how many of them read the bank's latest items.
"""
from __future__ import annotations

import argparse
import os
import tempfile
import time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, default=300)
    parser.add_argument("--database", default=None)
    parser.add_argument("--uncached", action="store_true",
                        help="draw as before the stamp-checked cache of the latest items (every issue reads them)")
    parser.add_argument("--tree", action="store_true", help="profile with pyinstrument and print the call tree")
    args = parser.parse_args()

    folder = tempfile.mkdtemp(prefix="examserver-issue-")
    os.environ.update(EXAM_MODE="demo", EXAM_INSTANCE_PATH=folder)
    import sqlalchemy as sa
    from sqlalchemy import event

    from bench.prepare import prepare
    from examserver import create_app
    from examserver.core import audit
    from examserver.db import db
    from examserver.exam import codes
    from examserver.models import ExamSession, Participant, Position
    from examserver.registration import participants as registration

    if args.uncached:
        from examserver.exam import predraw
        from examserver.bank.store import latest_items

        predraw.latest_items = lambda topics, stamp=None: latest_items(topics)
    prepared = prepare(folder, 0, args.database)
    app = create_app({"MODE": "demo", "INSTANCE_PATH": folder,
                      **({"DATABASE_URL": args.database} if args.database else {})})
    with app.test_request_context():
        actor = audit.Actor.cli("bench")
        session = db.session.get(ExamSession, prepared["session_id"])
        positions = list(db.session.scalars(sa.select(Position).order_by(Position.code)))
        ids = []
        for n in range(args.participants):
            participant = registration.register_participant(session, {
                "surname": "Слип", "name": "Бенч", "patronymic": "",
                "pin": f"2{(n % 28) + 1:02d}0{(n % 9) + 1}1981{n:05d}",
                "id_document": f"S{n:07d}", "position": positions[n % len(positions)].code,
                "language": "ru", "seat": str(n + 1), "competition": "",
            }, actor=actor)
            registration.set_admission(participant, True, "", actor)
            ids.append(participant.id)
        db.session.commit()
        statements = {"all": 0, "latest items": 0}

        def count(_conn, _cursor, statement, *_):
            statements["all"] += 1
            if "bank_item" in statement and "topic_code IN" in statement:
                statements["latest items"] += 1

        event.listen(db.engine, "before_cursor_execute", count)
        profiler = None
        if args.tree:
            from pyinstrument import Profiler

            profiler = Profiler(interval=0.0005)
            profiler.start()
        cpu0, wall0 = time.process_time(), time.perf_counter()
        participants = db.session.scalars(sa.select(Participant).where(Participant.id.in_(ids))
                                          .order_by(Participant.id)).all()
        for participant in participants:
            codes.issue_code(participant, actor)
        db.session.commit()
        cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
        if profiler is not None:
            profiler.stop()
        event.remove(db.engine, "before_cursor_execute", count)
        n = len(participants)
        print(f"{n} codes issued in one transaction ({db.engine.dialect.name}): CPU {cpu:.2f} s "
              f"({1000 * cpu / n:.1f} ms each), wall {wall:.2f} s, {statements['all']} statements "
              f"({statements['all'] / n:.1f} each), {statements['latest items']} reads of the latest items")
        if profiler is not None:
            print(profiler.output_text(unicode=True, color=False))
    db.dispose(app)


if __name__ == "__main__":
    main()
