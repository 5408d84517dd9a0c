"""Structural gains of the hot path (issue 15), pinned without timings.

Speed itself is measured by ``make bench`` (bench/); these tests pin the
structure that makes it fast: the statements of one answer save, a heartbeat
poll that does not write, and a save that does not wait for a slow reader.
"""
from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa
from kiosk_helpers import answer, enrol_terminal, start_exam

from examserver.core.audit import Actor
from examserver.db import db
from examserver.exam import saving, terminals, timer
from examserver.models import Attempt, JournalEvent, Room, Terminal
from kiosk.context import COOKIE


@pytest.fixture
def exam(kclient, candidate):
    return start_exam(kclient, candidate[1])


def _option(exam, slot: int, n: int = 0) -> str:
    return exam["questions"][slot - 1]["options"][n]["id"]


def test_an_answer_save_is_one_lookup_one_insert_one_update(kclient, exam, statements):
    assert answer(kclient, 1, 1, [_option(exam, 1)]).status_code == 200  # warm caches
    saving._SEEN.clear()  # as in a worker that has not saved for this terminal yet
    statements.recording = True
    r = answer(kclient, 2, 2, [_option(exam, 2)])
    statements.recording = False
    assert r.status_code == 200, r.get_json()
    # cookie -> terminal + running attempt (one joined, indexed query); the
    # journal row; the attempt row. Which slots are answered is known from the
    # previous save's journal head (exam/saving answered_slots): no query.
    assert _write_shape(statements) == ["SELECT", "UPDATE attempt", "INSERT INTO journal_event"], statements.sql()


def test_the_next_save_of_a_terminal_in_the_same_worker_only_writes(kclient, exam, statements):
    assert answer(kclient, 1, 1, [_option(exam, 1)]).status_code == 200
    statements.recording = True
    r = answer(kclient, 2, 2, [_option(exam, 2)])
    statements.recording = False
    assert r.status_code == 200 and r.get_json()["answered"] == 2, r.get_json()
    # The attempt as the worker's last save left it; the write's compare-and-set checks it.
    assert _write_shape(statements) == ["UPDATE attempt", "INSERT INTO journal_event"], statements.sql()


def _revoke(attempt, _room):
    terminals.revoke(db.session.get(Terminal, attempt.terminal_id), Actor.cli("pytest"), "broken screen")


def _lock(attempt, _room):
    terminals.lock(db.session.get(Terminal, attempt.terminal_id))


def _move(attempt, room):
    other, _secret = enrol_terminal(room, seat="Z-09")
    timer.move_attempt(attempt, other, "broken screen", Actor.cli("pytest"))


def _pause(attempt, _room):
    timer.pause(attempt, "fire drill", Actor.cli("pytest"))


def _extend(attempt, _room):
    timer.extend(attempt, 10, "power cut", Actor.cli("pytest"))


@pytest.mark.parametrize("change", [_revoke, _lock, _move, _pause, _extend])
def test_what_the_worker_remembers_is_checked_by_the_write(kclient, exam, kworld, loaded_bank, change):
    """A terminal revoked or locked, the attempt moved, paused or extended after
    the worker's last save: the next save is answered as the locked path answers
    it (refused, or with the new deadline), never from what the worker kept."""
    assert answer(kclient, 1, 1, [_option(exam, 1)]).status_code == 200
    with loaded_bank.app_context():
        attempt = db.session.scalars(sa.select(Attempt)).one()
        change(attempt, db.session.get(Room, kworld.room))
        db.session.commit()
        deadline = db.session.scalars(sa.select(Attempt)).one().deadline_at
    r = answer(kclient, 2, 2, [_option(exam, 2)])
    with loaded_bank.app_context():
        written = db.session.scalars(sa.select(JournalEvent.seq).where(JournalEvent.kind == "answer")).all()
    assert r.status_code != 200 and written == [1], (r.status_code, r.get_json())
    if change is _extend:  # the server's own event took seq 2: the kiosk renumbers
        assert r.status_code == 409 and r.get_json()["expected"] == 3, r.get_json()
    if change is _extend:
        r = answer(kclient, 3, 2, [_option(exam, 2)])
        assert r.status_code == 200 and r.get_json()["deadline"].startswith(deadline.strftime("%Y-%m-%dT%H:%M:%S"))


def _write_shape(statements) -> list[str]:
    """The statements of a save, in order: PostgreSQL sends the compare-and-set
    UPDATE and the INSERT as one statement (a data-modifying CTE), SQLite as two."""
    shape = []
    for sql in statements.sql():
        if sql.startswith("WITH moved AS (UPDATE attempt ") and "INSERT INTO journal_event" in sql:
            shape += ["UPDATE attempt", "INSERT INTO journal_event"]
        elif sql.startswith(("UPDATE attempt ", "INSERT INTO journal_event")):
            shape.append(" ".join(sql.split()[:3]).replace(" SET", ""))
        else:
            shape.append(sql.split()[0].upper())
    return shape


def test_a_worker_that_has_not_seen_the_journal_reads_it_once(kclient, exam, statements):
    assert answer(kclient, 1, 1, [_option(exam, 1)]).status_code == 200
    assert answer(kclient, 2, 1, []).status_code == 200  # the answer taken back
    saving._ANSWERED.clear()  # as after a restart, or in the other worker
    saving._SEEN.clear()
    statements.recording = True
    r = answer(kclient, 3, 2, [_option(exam, 2)])
    statements.recording = False
    assert r.status_code == 200 and r.get_json()["answered"] == 1, r.get_json()
    assert _write_shape(statements) == ["SELECT", "SELECT", "UPDATE attempt", "INSERT INTO journal_event"], \
        statements.sql()
    statements.statements.clear()
    statements.recording = True
    r = answer(kclient, 4, 1, [_option(exam, 1)])
    statements.recording = False
    assert r.get_json()["answered"] == 2
    assert _write_shape(statements) == ["UPDATE attempt", "INSERT INTO journal_event"]


def test_a_resent_save_writes_nothing(kclient, exam, statements):
    opt = _option(exam, 1)
    assert answer(kclient, 1, 1, [opt]).status_code == 200
    statements.recording = True
    assert answer(kclient, 1, 1, [opt]).status_code == 200
    statements.recording = False
    assert "INSERT" not in statements.verbs() and "UPDATE" not in statements.verbs()


def test_the_heartbeat_is_a_read_and_the_contacts_are_written_in_one_batch(kclient, exam, statements, clock,
                                                                             loaded_bank):
    assert kclient.get("/kiosk/api/state").status_code == 200  # the worker's first contact: the book starts
    assert answer(kclient, 1, 1, [_option(exam, 1)]).status_code == 200
    clock.advance(seconds=5)
    statements.recording = True
    r = kclient.get("/kiosk/api/state")
    statements.recording = False
    assert r.status_code == 200 and r.get_json()["state"] == "in_progress"
    assert statements.verbs() == ["SELECT"], statements.sql()
    # SQLite: a deferred (snapshot) transaction, not the writers' BEGIN IMMEDIATE.
    assert not any(s.upper().startswith("BEGIN IMMEDIATE") for s in statements.statements)

    # Once the book is due (exam/liveness FLUSH_SECONDS), the heartbeat that finds
    # it due writes every contact noted meanwhile in one UPDATE statement.
    clock.advance(seconds=11)
    statements.statements.clear()
    statements.recording = True
    assert kclient.get("/kiosk/api/state").status_code == 200
    statements.recording = False
    assert statements.verbs().count("UPDATE") == 1, statements.sql()
    with loaded_bank.app_context():
        contact = db.session.scalar(sa.select(Attempt.last_contact_at))
    assert contact == clock.now()


def test_a_poll_past_the_deadline_still_finishes_the_attempt(kclient, exam, clock, loaded_bank):
    clock.advance(hours=5)
    r = kclient.get("/kiosk/api/state")
    assert r.status_code == 200 and r.get_json()["state"] == "finished"
    with loaded_bank.app_context():
        kinds = list(db.session.scalars(sa.select(JournalEvent.kind).order_by(JournalEvent.seq)))
    assert kinds[-1] == "finish"


def test_a_save_is_not_blocked_by_a_concurrent_slow_read(kclient, exam, kworld, loaded_bank):
    """A poll stays inside its read transaction (held open here on purpose)
    while a save arrives: the save is committed and acknowledged meanwhile.
    (Before, every request queued on one process-wide lock behind the poll.)"""
    assert answer(kclient, 1, 1, [_option(exam, 1)]).status_code == 200
    inside_read, release_read = threading.Event(), threading.Event()

    def _hold_the_poll(*_args):  # after the poll's first query, inside its read transaction
        if threading.current_thread().name == "slow-poll" and not inside_read.is_set():
            inside_read.set()
            release_read.wait(30)

    with loaded_bank.app_context():
        engine = db.engine
    sa.event.listen(engine, "after_cursor_execute", _hold_the_poll)
    poller = loaded_bank.test_client()
    poller.set_cookie(COOKIE, kworld.secret, path="/kiosk")
    polled = {}
    slow = threading.Thread(target=lambda: polled.update(r=poller.get("/kiosk/api/state?full=1")), name="slow-poll")
    saved = {}
    save = threading.Thread(target=lambda: saved.update(r=answer(kclient, 2, 2, [_option(exam, 2)])))
    slow.start()
    try:
        assert inside_read.wait(30)
        save.start()
        save.join(20)  # a deadlock detector, not a speed limit: the poll holds on until released
        finished_during_read = not save.is_alive()
    finally:
        release_read.set()
        slow.join(30)
        save.join(30)
        sa.event.remove(engine, "after_cursor_execute", _hold_the_poll)
    assert finished_during_read, "the save waited for the read to end"
    assert saved["r"].status_code == 200 and saved["r"].get_json()["ack"]["seq"] == 2
    assert polled["r"].status_code == 200
    with loaded_bank.app_context():
        assert db.session.scalar(sa.select(sa.func.max(JournalEvent.seq))) == 2
