"""Benchmark data: the demo plus N admitted candidates with codes on N enrolled terminals."""
from __future__ import annotations


LETTERS = "абвгдежзиклмнопрстуфхцчшэюя"


def _letters(n: int) -> str:
    """``n`` written in Cyrillic letters (names may not contain digits)."""
    out = ""
    while True:
        n, r = divmod(n, len(LETTERS))
        out = LETTERS[r] + out
        if n == 0:
            return out


def prepare(folder: str, count: int, database: str | None, predraw: bool = True) -> dict:
    """Load the demo into a fresh database and add ``count`` candidates, each
    with an access code and an enrolled terminal of the demo room.

    Issuing a code draws and freezes the candidate's form (``codes.issue_code``),
    as in a centre; without ``predraw`` those forms are thrown away again, so
    that the start draws (the old way, to compare). Returns ``{"pairs":
    [(terminal secret, code)], "session_id", "password"}``.
    """
    import sqlalchemy as sa

    from examserver import create_app
    from examserver.core import audit
    from examserver.db import db
    from examserver.demo import DEMO_PASSWORD, load_demo
    from examserver.exam import codes
    from examserver.exam import terminals as terminal_service
    from examserver.migrate import upgrade
    from examserver.models import ExamSession, Position, Room, SessionState
    from examserver.registration import participants as registration

    app = create_app({"MODE": "demo", "INSTANCE_PATH": folder, **({"DATABASE_URL": database} if database else {})})
    upgrade(app)
    pairs = []
    with app.app_context():
        load_demo()
        actor = audit.Actor.cli("bench")
        session = db.session.scalar(sa.select(ExamSession).where(ExamSession.state == SessionState.OPEN)
                                    .order_by(ExamSession.id.desc()))
        room = db.session.get(Room, session.room_id)
        room.seats = max(room.seats or 0, count + 100)
        positions = list(db.session.scalars(sa.select(Position).order_by(Position.code)))
        for n in range(count):
            participant = registration.register_participant(session, {
                "surname": "Сынакчы" + _letters(n), "name": "Бенч", "patronymic": "",
                "pin": f"1{(n % 28) + 1:02d}0{(n % 9) + 1}1980{n:05d}",
                "id_document": f"B{n:07d}", "position": positions[n % len(positions)].code,
                "language": "ru", "seat": str(n + 1), "competition": "",
            }, actor=actor)
            registration.set_admission(participant, True, "", actor)
            terminal, secret = terminal_service.register_pending("bench")
            terminal_service.enrol(terminal.pairing_code, room, str(n + 1), actor)
            pairs.append((secret, codes.issue_code(participant, actor)))
            if n % 200 == 199:
                db.session.commit()
        db.session.commit()
        if not predraw:
            from examserver.models import Participant, PredrawnForm

            db.session.execute(sa.delete(PredrawnForm).where(PredrawnForm.participant_id.in_(
                sa.select(Participant.id).where(Participant.session_id == session.id))))
            db.session.commit()
        session_id = session.id
        if db.engine.dialect.name == "postgresql":
            # A production server runs autovacuum, which keeps the planner's statistics;
            # this machine's PostgreSQL runs without it, so the plans would be those of
            # empty tables. Both bench databases get their statistics once, here and in
            # bench.floor_app's setup, before anything is measured.
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("VACUUM ANALYZE")
    db.dispose(app)
    return {"pairs": pairs, "session_id": session_id, "password": DEMO_PASSWORD}
