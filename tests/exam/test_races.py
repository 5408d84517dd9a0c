"""Races (issue 14), through the same doors as in the room: a proctor's extend,
pause, resume or move racing a kiosk's answers, and one code started on two
terminals at once. Threads with their own test clients (hence their own app
contexts and database sessions) run together; on PostgreSQL they really
interleave, on SQLite the writers queue. No 500, no lost action, either way.
"""
from __future__ import annotations

import threading
import time
from datetime import timedelta

import sqlalchemy as sa

from examserver.db import db
from examserver.models import Attempt, JournalEvent

from .conftest import add_candidate, choose_language, flashes, kiosk, login_code, press_start, refusal

PIN = "21505198512345"


class Recorder:
    """Collects every response status and every exception raised in a thread."""

    def __init__(self):
        self.statuses: list[tuple[str, int, dict | None]] = []
        self.errors: list[BaseException] = []
        self.lock = threading.Lock()
        self.failed = threading.Event()  # one thread failed: the others stop instead of waiting for it

    def add(self, who: str, response) -> dict | None:
        body = response.get_json(silent=True)
        with self.lock:
            self.statuses.append((who, response.status_code, body))
        return body

    def run(self, target):
        def wrapped():
            try:
                target()
            except BaseException as exc:  # noqa: BLE001 - reported by the test
                with self.lock:
                    self.errors.append(exc)
                self.failed.set()
        return threading.Thread(target=wrapped)

    def server_errors(self):
        return [s for s in self.statuses if s[1] >= 500]


def start_both_at_once(clients) -> int:
    """Two kiosks press "start" at the same instant; the index of the one that got
    the exam (the other was sent back with a message: the caller checks which)."""
    rec = Recorder()
    go = threading.Barrier(2, timeout=60)
    results: dict[int, str] = {}

    def start(i):
        go.wait()
        r = press_start(clients[i])
        rec.add(f"kiosk{i}", r)
        results[i] = r.headers.get("Location", "")

    threads = [rec.run(lambda i=i: start(i)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not rec.errors, rec.errors
    assert [s for _w, s, _b in rec.statuses] == [303, 303]
    winners = [i for i, where in results.items() if where.endswith("/kiosk/exam")]
    assert len(winners) == 1, results
    return winners[0]


def _started(loaded_bank, gworld):
    """A candidate started on terminal A-1 through the kiosk; (client, participant id, questions)."""
    with loaded_bank.app_context():
        pid, code = add_candidate(gworld.session, PIN)
    client = kiosk(loaded_bank, gworld.secret_a)
    assert login_code(client, code).headers["Location"].endswith("/kiosk/confirm")
    choose_language(client)
    assert press_start(client).headers["Location"].endswith("/kiosk/exam")
    state = client.get("/kiosk/api/state?full=1").get_json()
    return client, pid, state["questions"]


def _attempt(app, pid: int) -> tuple[Attempt, list[JournalEvent]]:
    with app.app_context():
        attempt = db.session.scalar(sa.select(Attempt).where(Attempt.participant_id == pid))
        events = list(db.session.scalars(sa.select(JournalEvent).where(JournalEvent.attempt_id == attempt.id)
                                         .order_by(JournalEvent.seq)))
        return attempt, events


def _answer_loop(client, questions, count: int, rec: Recorder, stop_on=()):
    """Send ``count`` answers as kiosk.js does: renumber on seq_taken/seq_gap, wait out a pause."""
    seq, sent = 1, 0
    while sent < count and not rec.failed.is_set():
        q = questions[sent % len(questions)]
        r = client.post("/kiosk/api/events", json={
            "seq": seq, "kind": "answer", "client_time": "t",
            "payload": {"slot": q["slot"] if "slot" in q else sent % len(questions) + 1,
                        "selected": [q["options"][sent % len(q["options"])]["id"]], "input": "click"}})
        body = rec.add("kiosk", r) or {}
        if r.status_code == 200:
            seq, sent = seq + 1, sent + 1
        elif body.get("error") in ("seq_taken", "seq_gap"):
            seq = body["expected"]
        elif body.get("error") == "paused":
            time.sleep(0.005)  # the proctor resumes soon; the kiosk keeps the answer and retries
        elif body.get("error") in stop_on or r.status_code == 404:
            return
        else:
            raise AssertionError(f"unexpected refusal {r.status_code} {body}")


def test_proctor_actions_racing_kiosk_answers_lose_nothing(loaded_bank, gworld, console):
    client, pid, questions = _started(loaded_bank, gworld)
    attempt, _events = _attempt(loaded_bank, pid)
    url = f"/admin/room/{gworld.session}/action"
    extends, pauses, answers = 12, 3, 40
    rec = Recorder()
    go = threading.Barrier(2, timeout=60)

    def proctor():
        go.wait()
        for i in range(extends):
            r = console.post(url, json={"action": "extend", "attempt_id": attempt.id, "minutes": 1,
                                        "reason": f"incident {i}"})
            rec.add("proctor", r)
            assert r.status_code == 200, r.data
            if i % 4 == 0 and i // 4 < pauses:
                for action in ("pause", "resume"):
                    r = console.post(url, json={"action": action, "attempt_id": attempt.id, "reason": "power"})
                    rec.add("proctor", r)
                    assert r.status_code == 200, r.data

    def candidate():
        go.wait()
        _answer_loop(client, questions, answers, rec)

    threads = [rec.run(proctor), rec.run(candidate)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not rec.errors, rec.errors
    assert not rec.server_errors()
    attempt, events = _attempt(loaded_bank, pid)
    kinds = [e.kind for e in events]
    assert kinds.count("extend") == extends and kinds.count("pause") == kinds.count("resume") == pauses
    assert kinds.count("answer") == answers
    assert [e.seq for e in events] == list(range(len(events)))  # one chain, no gap, no duplicate
    # Paused time is given back on resume; the frozen clock makes it zero here.
    assert attempt.deadline_at == attempt.started_at + timedelta(seconds=attempt.duration_seconds + 60 * extends)


def test_move_racing_kiosk_answers(loaded_bank, gworld, console):
    """After the move the old terminal's answers are refused (never a 500) and none lands after it."""
    client, pid, questions = _started(loaded_bank, gworld)
    attempt, _events = _attempt(loaded_bank, pid)
    rec = Recorder()
    go = threading.Barrier(2, timeout=60)

    def proctor():
        go.wait()
        time.sleep(0.02)  # let some answers through first (ordering is not asserted)
        r = console.post(f"/admin/room/{gworld.session}/action", json={
            "action": "move", "attempt_id": attempt.id, "terminal_id": gworld.terminal_a2, "reason": "screen"})
        rec.add("proctor", r)
        assert r.status_code == 200, r.data

    def candidate():
        go.wait()
        _answer_loop(client, questions, 2_000, rec, stop_on=("no_attempt", "finished"))

    threads = [rec.run(proctor), rec.run(candidate)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not rec.errors, rec.errors
    assert not rec.server_errors()
    attempt, events = _attempt(loaded_bank, pid)
    assert attempt.terminal_id == gworld.terminal_a2
    [move] = [e for e in events if e.kind == "move"]
    assert move.seq == events[-1].seq  # nothing from the old terminal after the move
    acked = [s for who, status, body in rec.statuses if who == "kiosk" and status == 200 for s in [body["ack"]["seq"]]]
    assert acked == list(range(1, move.seq))


def test_one_code_started_on_two_terminals_at_once(loaded_bank, gworld):
    """The loser gets the 'already started' refusal, never a 500; one attempt."""
    already = refusal(loaded_bank, "A test has already been started with this code.")
    for round_no in range(4):
        pin = f"2150519851234{round_no}"
        with loaded_bank.app_context():
            pid, code = add_candidate(gworld.session, pin)
        clients = [kiosk(loaded_bank, gworld.secret_a), kiosk(loaded_bank, gworld.secret_a2)]
        if round_no:
            # Terminals are busy with the previous round's attempt: give them fresh ones in room A.
            from examserver.models import Room

            from .conftest import enrol

            with loaded_bank.app_context():
                room = db.session.get(Room, gworld.room_a)
                (_ta, sa_), (_tb, sb) = enrol(room, f"R{round_no}a"), enrol(room, f"R{round_no}b")
                db.session.commit()
            clients = [kiosk(loaded_bank, sa_), kiosk(loaded_bank, sb)]
        for c in clients:
            assert login_code(c, code).headers["Location"].endswith("/kiosk/confirm")
            choose_language(c)
        loser = 1 - start_both_at_once(clients)
        assert set(flashes(clients[loser])) & already, flashes(clients[loser])
        with loaded_bank.app_context():
            assert db.session.scalar(sa.select(sa.func.count(Attempt.id)).where(Attempt.participant_id == pid)) == 1


def test_close_racing_a_start_never_signs_an_absent_candidate_who_sits(loaded_bank, gworld, console):
    """Either the start is counted as running at close (no session protocol yet), or it
    sees the session closed and refuses; never a signed "absent" for someone who then sits."""
    from examserver.models import Centre, ExamSession, Room
    from examserver.protocols import issuing as protocols
    from tests.factories import make_open_session

    from .conftest import enrol

    for round_no in range(3):
        with loaded_bank.app_context():
            session = make_open_session(db.session.get(Centre, gworld.centre), db.session.get(Room, gworld.room_a),
                                        title=f"Round {round_no}")
            _tid, secret = enrol(db.session.get(Room, gworld.room_a), f"C{round_no}")
            db.session.commit()
            sid = session.id
            pid, code = add_candidate(sid, f"1010220000001{round_no}")
        client = kiosk(loaded_bank, secret)
        assert login_code(client, code).headers["Location"].endswith("/kiosk/confirm")
        choose_language(client)
        rec = Recorder()
        go = threading.Barrier(2, timeout=60)

        def start():
            go.wait()
            rec.add("kiosk", press_start(client))

        def close():
            go.wait()
            r = console.post(f"/admin/room/{sid}/action", json={"action": "close", "reason": "end of day"})
            rec.add("proctor", r)
            assert r.status_code == 200, r.data

        threads = [rec.run(start), rec.run(close)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not rec.errors, rec.errors
        assert not rec.server_errors()
        with loaded_bank.app_context():
            sat = db.session.scalar(sa.select(Attempt.id).where(Attempt.participant_id == pid)) is not None
            signed = protocols.session_protocol(db.session.get(ExamSession, sid))
            assert not (sat and signed is not None), "a session protocol was signed while the candidate sat"
            assert sat or signed is not None


def test_two_appeals_filed_at_once_give_one_appeal_and_one_refusal(loaded_bank, gworld):
    """The kiosk and a proctor file at the same moment: one appeal, one "already filed", no error."""
    from examserver.appeals import filing
    from examserver.core.audit import Actor
    from examserver.core.errors import ServiceError
    from examserver.models import Appeal, Terminal

    client, pid, _questions = _started(loaded_bank, gworld)
    assert client.post("/kiosk/api/finish", json={"confirm": True}).status_code == 200
    attempt, _events = _attempt(loaded_bank, pid)
    rec = Recorder()
    go = threading.Barrier(2, timeout=60)
    outcomes: list[str] = []

    def file(via: str):
        go.wait()  # before any query: a SQLite transaction holds the write lock from its first statement
        with loaded_bank.app_context():
            try:
                mine = db.session.get(Attempt, attempt.id)
                actor = (Actor.for_terminal(db.session.get(Terminal, gworld.terminal_a)) if via == "kiosk"
                         else Actor.cli())
                filing.file_appeal(mine, "I disagree", via, actor)
                db.session.commit()
                outcomes.append("filed")
            except ServiceError as exc:
                db.session.rollback()
                outcomes.append(exc.code)

    threads = [rec.run(lambda: file("kiosk")), rec.run(lambda: file("proctor"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not rec.errors, rec.errors
    assert sorted(outcomes) == ["duplicate", "filed"]
    _attempt_row, events = _attempt(loaded_bank, pid)
    assert [e.kind for e in events].count("appeal") == 1
    with loaded_bank.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Appeal.id)).where(Appeal.attempt_id == attempt.id)) == 1
