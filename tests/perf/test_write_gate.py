"""The database's write gate (examserver/db.py): readers on a snapshot,
writers queued, a write inside a reader refused loudly; saves from many
terminals at once all acknowledged with intact chains."""
from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa
from flask import g
from kiosk_helpers import add_candidate, answer, enrol_terminal, start_exam

from examserver.db import db
from examserver.exam import journal
from examserver.models import Attempt, Room, Terminal
from kiosk.context import COOKIE


def test_a_write_inside_a_reader_is_refused_until_it_asks_to_write(loaded_bank, kworld):
    @db.read_only
    def careless():
        db.session.get(Terminal, kworld.terminal).seat = "B-02"
        db.session.flush()

    @db.read_only
    def careful():
        terminal = db.session.get(Terminal, kworld.terminal)
        db.begin_write()
        terminal.seat = "B-03"
        db.session.flush()
        db.session.commit()

    with loaded_bank.test_request_context():
        with pytest.raises(RuntimeError, match="read-only"):
            careless()
        db.session.rollback()
    with loaded_bank.test_request_context():
        careful()
        assert not g.get("db_read_only")
    with loaded_bank.app_context():
        assert db.session.get(Terminal, kworld.terminal).seat == "B-03"


def test_saves_from_many_terminals_at_once_are_all_acknowledged(loaded_bank, kworld):
    """Eight kiosks send ten answers each at the same time: every save is
    acknowledged (none fails on a database lock), every journal chains."""
    with loaded_bank.app_context():
        room = db.session.get(Room, kworld.room)
        seats = []
        for n in range(8):
            _terminal, secret = enrol_terminal(room, seat=f"S-{n}")
            _participant, code = add_candidate(kworld.session, f"2123456789{n:04d}")
            seats.append((secret, code))
        db.session.commit()
    clients = []
    for secret, code in seats:
        client = loaded_bank.test_client()
        client.set_cookie(COOKIE, secret, path="/kiosk")
        clients.append((client, start_exam(client, code)))
    barrier = threading.Barrier(len(clients))
    statuses: list[int] = []

    def kiosk(client, exam):
        barrier.wait()
        for seq in range(1, 11):
            q = exam["questions"][(seq - 1) % len(exam["questions"])]
            statuses.append(answer(client, seq, q["slot"], [q["options"][0]["id"]]).status_code)

    threads = [threading.Thread(target=kiosk, args=pair) for pair in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert statuses == [200] * 80
    questions = len(clients[0][1]["questions"])
    with loaded_bank.app_context():
        for attempt in db.session.scalars(sa.select(Attempt)):
            assert attempt.last_seq == 10 and attempt.answered_count == min(10, questions)
            check = journal.verify_chain(journal.events_for(attempt))
            assert check.ok and check.head == attempt.journal_head
