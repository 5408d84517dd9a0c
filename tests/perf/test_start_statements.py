"""The start storm's structure (issue 15, B1), pinned without timings.

A terminal's start is six requests: the code (then the confirm page), the
language (then the instructions page), the start (then the exam page, which
carries the exam's full state: kiosk.js asks the state endpoint only on a
retry). ``make bench`` measures their speed; these tests pin what makes them
cheap: few statements, the pages read in a snapshot (on SQLite they never
wait for the write gate), the code login's write after its reads, the
start's gates in two statements, the form drawn ahead taken with its digest
in one statement and its items' states checked once per bank stamp, a fresh
exam without journal, no request for the state.
"""
from __future__ import annotations

import re

import sqlalchemy as sa
from kiosk_helpers import open_exam, page_state

from question_bank.drawing import Form

from examserver.db import db
from examserver.models import Attempt

# Before issue 15's B1 work a start sent 57 statements (bench/profile_start --sql),
# 30 after wave 3 with the state request; 14 now (the items presented and checked cold; no UPDATE
# of the new attempt's journal head).
MOST_STATEMENTS_PER_START = 14
# What the state tells about time, which moves between two requests.
TIMES = ("server_time", "seconds_left")


def _record(statements, request):
    statements.statements.clear()
    statements.recording = True
    try:
        return request()
    finally:
        statements.recording = False


def _writer_began(statements) -> list[int]:
    """Where SQLite's write transactions began (the write gate); none on PostgreSQL."""
    return [i for i, s in enumerate(statements.statements) if s.upper().startswith("BEGIN IMMEDIATE")]


def _postgres(app) -> bool:
    with app.app_context():
        return db.engine.dialect.name == "postgresql"


def _login(kclient, code):
    r = kclient.post("/kiosk/code", data={"code": code})
    assert r.status_code == 303 and r.headers["Location"].endswith("/kiosk/confirm"), r.headers.get("Location")


def _choose(kclient, language="ky"):
    r = kclient.post("/kiosk/confirm", data={"language": language})
    assert r.status_code == 303 and r.headers["Location"].endswith("/kiosk/instructions")


def test_the_code_login_reads_in_two_queries_then_writes_its_audit_entry(kclient, candidate, statements):
    _record(statements, lambda: _login(kclient, candidate[1]))
    # The terminal by its cookie; the code with its participant, session, position,
    # attempt and the start gates' facts; the audit entry "code accepted".
    assert statements.verbs() == ["SELECT", "SELECT", "INSERT"], statements.sql()
    assert statements.sql()[-1].startswith("INSERT INTO audit_entry")
    # SQLite: the write gate is taken after the reads, for the audit entry alone.
    began = _writer_began(statements)
    assert began in ([], [len(statements.statements) - 2]), statements.statements


def test_wrong_codes_typed_before_are_forgotten_after_a_good_one(kclient, candidate, statements):
    assert kclient.post("/kiosk/code", data={"code": "AAAA-AAAA"}).status_code == 303
    _record(statements, lambda: _login(kclient, candidate[1]))
    assert [s for s in statements.sql() if s.startswith("DELETE FROM rate_event")], statements.sql()


def test_the_pages_between_code_and_start_read_one_query_in_a_snapshot(kclient, candidate, statements):
    _login(kclient, candidate[1])
    assert kclient.get("/kiosk/confirm").status_code == 200  # warm: the blueprint is parsed once per process
    for request, verbs in ((lambda: kclient.get("/kiosk/confirm"), ["SELECT"]),
                           (lambda: _choose(kclient), []),  # the choice is kept in the kiosk's session
                           (lambda: kclient.get("/kiosk/instructions"), ["SELECT"])):
        r = _record(statements, request)
        assert r is None or r.status_code == 200
        # Terminal (cookie), candidate, position and the drawn blueprint version in one query.
        assert statements.verbs() == verbs, statements.sql()
        assert _writer_began(statements) == [], statements.statements


def test_a_language_the_test_does_not_offer_goes_back_to_the_choice(kclient, candidate, loaded_bank):
    _login(kclient, candidate[1])
    r = kclient.post("/kiosk/confirm", data={"language": "en"})  # not a test language at all
    assert r.status_code == 303 and r.headers["Location"].endswith("/kiosk/confirm")
    with kclient.session_transaction() as session:  # one the test does not offer, kept by an earlier choice
        session["kiosk_login"] = dict(session["kiosk_login"], language="en")
    r = kclient.get("/kiosk/instructions")
    assert r.status_code == 303 and r.headers["Location"].endswith("/kiosk/confirm")
    r = kclient.post("/kiosk/instructions")
    assert r.status_code == 303 and not r.headers["Location"].endswith("/kiosk/exam")
    with loaded_bank.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Attempt.id))) == 0


def test_the_start_reads_its_gates_in_two_statements(kclient, candidate, statements, loaded_bank):
    _login(kclient, candidate[1])
    _choose(kclient)
    r = _record(statements, lambda: kclient.post("/kiosk/instructions"))
    assert r.status_code == 303 and r.headers["Location"].endswith("/kiosk/exam")
    sql = statements.sql()
    gates = [s for s in sql if s.startswith("SELECT") and re.search(r"\bFROM (terminal|exam_session)\b", s)]
    # 1. terminal + participant (+ position), locked; 2. the session locked shared with
    # the other facts: an attempt already started, the terminal busy, the code live,
    # a failure that could bar (retake), the latest blueprint version.
    assert len(gates) == 2, sql
    assert "access_code" in gates[1] and "exam_blueprint" in gates[1] and "attempt" in gates[1]
    assert not [s for s in sql if "access_code" in s and s not in gates], sql
    assert [s.split(" (")[0] for s in sql if s.startswith("INSERT")] == [
        "INSERT INTO attempt", "INSERT INTO journal_event", "INSERT INTO audit_entry"], sql
    # The attempt's id comes with the gates' facts (PostgreSQL: its sequence; SQLite: the next
    # row id): event 0 is hashed before the INSERT, which carries the journal head (no UPDATE).
    assert ("nextval" if _postgres(loaded_bank) else "max(attempt.id)") in gates[1], gates[1]
    assert not [s for s in sql if s.startswith("UPDATE")], sql


def test_the_start_takes_the_predrawn_form_in_one_statement_and_checks_its_items_once(kclient, candidate, statements,
                                                                                        loaded_bank):
    _login(kclient, candidate[1])
    _choose(kclient)
    r = _record(statements, lambda: kclient.post("/kiosk/instructions"))
    assert r.status_code == 303 and r.headers["Location"].endswith("/kiosk/exam")
    sql = statements.sql()
    # The form, its seed and the digest computed at the draw, removed as they are read.
    taken = [s for s in sql if "predrawn_form" in s]
    assert len(taken) == 1 and taken[0].startswith("DELETE FROM predrawn_form") and "RETURNING" in taken[0], sql
    # The bank's stamp is read with the gates; the items' states once under a stamp (per worker).
    assert "bank_stamp" in [s for s in sql if re.search(r"\bFROM exam_session\b", s)][0]
    assert len([s for s in sql if "bank_item" in s]) <= 1, sql
    with loaded_bank.app_context():
        attempt = db.session.scalar(sa.select(Attempt))
        assert attempt.form_digest == Form.from_dict(attempt.form).digest()  # the digest of the frozen form


def test_the_exam_page_carries_a_fresh_exam_read_without_journal(kclient, candidate, statements):
    _login(kclient, candidate[1])
    _choose(kclient)
    assert kclient.get("/kiosk/instructions").status_code == 200  # as a browser: the page, then its button
    assert kclient.post("/kiosk/instructions").status_code == 303
    r = _record(statements, lambda: kclient.get("/kiosk/exam"))
    assert r.status_code == 200
    assert not r.headers.getlist("Set-Cookie")  # the session the start left is not signed and sent again
    sql = statements.sql()
    assert set(statements.verbs()) == {"SELECT"}, sql
    assert not re.search(r"attempt\.form\b(?!_)", sql[0])  # the running attempt without its form
    assert len([s for s in sql if re.search(r"attempt\.form\b(?!_)", s)]) == 1, sql  # then the form, once
    assert not [s for s in sql if "journal_event" in s], sql  # seq 0 is the start alone
    assert _writer_began(statements) == []
    state = page_state(r.get_data(as_text=True))
    assert state["questions"] and state["answers"] == {} and state["flags"] == [] and state["current"] == 1
    assert state["last_seq"] == 0 and state["next_seq"] == 1 and state["state"] == "in_progress"
    # The same state the endpoint gives a kiosk that reloads or retries.
    endpoint = kclient.get("/kiosk/api/state?full=1").get_json()
    assert {k: v for k, v in state.items() if k not in TIMES} == {k: v for k, v in endpoint.items() if k not in TIMES}
    # A reload reads the running attempt alone: its form and items are kept per worker.
    r = _record(statements, lambda: kclient.get("/kiosk/exam"))
    assert r.status_code == 200 and statements.verbs() == ["SELECT"], statements.sql()


def test_a_whole_start_sends_few_statements(kclient, candidate, statements):
    # Code, confirm page, language, instructions page, start, exam page with the state.
    _page, state = _record(statements, lambda: open_exam(kclient, candidate[1]))
    assert state["questions"] and state["last_seq"] == 0
    assert len(statements.sql()) <= MOST_STATEMENTS_PER_START, "\n".join(statements.sql())
