"""The candidate's path through the kiosk pages, over HTTP."""
from __future__ import annotations

import json

import sqlalchemy as sa

from examserver.db import db
from examserver.models import Attempt, AuditEntry, Terminal, TerminalState
from examserver.exam import attempts
from examserver.exam import journal

from kiosk import views
from kiosk.context import COOKIE

from kiosk_helpers import answer, open_exam, page_state, start_exam


def test_unknown_browser_gets_pairing_code_and_strict_cookie(loaded_bank):
    client = loaded_bank.test_client()
    r = client.get("/kiosk/")
    assert r.status_code == 200
    cookie = r.headers["Set-Cookie"]
    assert cookie.startswith(COOKIE + "=") and "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert "Secure" not in cookie
    with loaded_bank.app_context():
        terminal = db.session.scalar(sa.select(Terminal))
        assert terminal.state == TerminalState.PENDING
        assert terminal.pairing_code in r.get_data(as_text=True)
    assert client.get("/kiosk/api/terminal").get_json() == {"state": "pending", "attempt": "none"}
    # The same browser keeps its terminal: no second pairing.
    client.get("/kiosk/")
    with loaded_bank.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Terminal)) == 1


def test_cookie_is_secure_over_tls(loaded_bank):
    r = loaded_bank.test_client().get("/kiosk/", base_url="https://kiosk.local")
    assert "Secure" in r.headers["Set-Cookie"]


def test_code_login_name_language_instructions_exam(kclient, candidate, loaded_bank):
    _pid, code = candidate
    assert "Type the access code" in kclient.get("/kiosk/?lang=en").get_data(as_text=True)
    # Ambiguous characters and case are tolerated.
    sloppy = code.lower().replace("0", "o").replace("1", "l")
    r = kclient.post("/kiosk/code", data={"code": sloppy[:4] + " - " + sloppy[4:]})
    assert r.headers["Location"].endswith("/kiosk/confirm")
    page = kclient.get("/kiosk/confirm").get_data(as_text=True)
    assert "Асанова Гүлнара Өмүрбековна" in page
    kclient.post("/kiosk/confirm", data={"language": "ru"})
    page = kclient.get("/kiosk/instructions").get_data(as_text=True)
    assert "7" in page and "30" in page
    r = kclient.post("/kiosk/instructions")
    assert r.headers["Location"].endswith("/kiosk/exam")
    assert kclient.get("/kiosk/exam").status_code == 200
    state = kclient.get("/kiosk/api/state?full=1").get_json()
    assert state["language"] == "ru" and len(state["questions"]) == 7
    assert state["last_seq"] == 0 and state["seconds_left"] == 30 * 60
    # Going back to /kiosk returns to the running exam.
    assert kclient.get("/kiosk/").headers["Location"].endswith("/kiosk/exam")


def test_state_never_reveals_keys(kclient, candidate, loaded_bank):
    state = start_exam(kclient, candidate[1])
    text = str(state)
    assert "key" not in {k for q in state["questions"] for k in q}
    assert "'key'" not in text and "points" not in text and "difficulty" not in text
    for question in state["questions"]:
        assert set(question) == {"slot", "section", "type", "text", "options"}
        assert all(set(o) == {"id", "text"} for o in question["options"])


def test_reload_restores_answers_flags_and_current_question(kclient, candidate, loaded_bank):
    state = start_exam(kclient, candidate[1])
    opt = state["questions"][2]["options"][1]["id"]
    assert answer(kclient, 1, 3, [opt], "key:2").status_code == 200
    kclient.post("/kiosk/api/events", json={"seq": 2, "kind": "flag", "payload": {"slot": 3, "flagged": True}})
    kclient.post("/kiosk/api/events", json={"seq": 3, "kind": "visit", "payload": {"slot": 5}})
    again = kclient.get("/kiosk/api/state?full=1").get_json()
    assert again["answers"] == {"3": [opt]} and again["flags"] == [3] and again["current"] == 5
    assert again["last_seq"] == 3 and again["questions"] == state["questions"]


def test_finish_shows_result_from_journal(kclient, candidate, loaded_bank):
    state = start_exam(kclient, candidate[1], "ru")
    for seq, q in enumerate(state["questions"], 1):
        assert answer(kclient, seq, q["slot"], [q["options"][0]["id"]]).status_code == 200
    r = kclient.post("/kiosk/api/finish", json={"confirm": True})
    assert r.get_json() == {"state": "finished", "reason": "submitted"}
    with loaded_bank.app_context():
        attempt = db.session.scalar(sa.select(Attempt))
        expected = attempts.score_attempt(attempt)
        assert attempt.total_points == expected.total_points
        assert journal.verify_chain(journal.events_for(attempt)).ok
    page = kclient.get("/kiosk/result").get_data(as_text=True)
    assert f"{expected.total_points} / {expected.max_points}" in page
    verdict = ("Балл соответствует квалификационным требованиям" if expected.meets
               else "Балл не соответствует квалификационным требованиям")
    assert verdict in page
    # The exam page now leads to the result, and answers are refused.
    assert kclient.get("/kiosk/exam").headers["Location"].endswith("/kiosk/result")
    assert answer(kclient, 8, 1, []).status_code == 409
    # Closing the result makes the terminal ready for the next candidate.
    kclient.post("/kiosk/done")
    assert "code" in kclient.get("/kiosk/").get_data(as_text=True)


def test_second_terminal_refused_and_audited(kclient, candidate, loaded_bank, kworld):
    from kiosk_helpers import enrol_terminal
    from examserver.models import Room

    start_exam(kclient, candidate[1])
    with loaded_bank.app_context():
        _t, secret = enrol_terminal(db.session.get(Room, kworld.room), "A-02")
        db.session.commit()
    other = loaded_bank.test_client()
    other.set_cookie(COOKIE, secret, path="/kiosk")
    r = other.post("/kiosk/code?lang=en", data={"code": candidate[1]})
    assert r.headers["Location"].endswith("/kiosk/")
    assert "another terminal" in other.get("/kiosk/").get_data(as_text=True)
    assert other.get("/kiosk/api/state").status_code == 404
    with loaded_bank.app_context():
        actions = set(db.session.scalars(sa.select(AuditEntry.action)))
        assert "attempt.other_terminal_refused" in actions
    # The first terminal carries on.
    assert kclient.get("/kiosk/api/state").status_code == 200


def test_late_arrival_after_the_start_window_is_refused(kclient, candidate, loaded_bank, clock):
    """A new attempt may start only within the session's start window (default 60 min)."""
    _pid, code = candidate
    clock.advance(minutes=61)
    kclient.get("/kiosk/?lang=en")
    r = kclient.post("/kiosk/code", data={"code": code})
    assert r.status_code == 303 and r.headers["Location"].endswith("/kiosk/")
    page = kclient.get("/kiosk/").get_data(as_text=True)
    assert "The start window of this session closed at" in page
    with loaded_bank.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Attempt)) == 0


def test_started_attempt_may_continue_after_the_start_window(kclient, candidate, loaded_bank, clock):
    """The window limits starting, not re-entering an attempt already running."""
    _pid, code = candidate
    start_exam(kclient, code)
    clock.advance(minutes=25)
    kclient.post("/kiosk/done")
    r = kclient.post("/kiosk/code", data={"code": code})
    assert r.status_code == 303, r.get_data(as_text=True)[:300]


def test_participant_marked_absent_cannot_start(kclient, candidate, loaded_bank):
    from examserver.models import Participant
    from examserver.registration import participants as registration
    from examserver.core.audit import Actor

    pid, code = candidate
    with loaded_bank.app_context():
        registration.mark_no_show(db.session.get(Participant, pid), "did not come", Actor("user", None, "proctor"))
        db.session.commit()
    kclient.get("/kiosk/?lang=en")
    r = kclient.post("/kiosk/code", data={"code": code})
    assert r.status_code == 303 and r.headers["Location"].endswith("/kiosk/")
    # Marking a no-show revokes the code; start_attempt refuses no-shows as well.
    assert "This code is not valid" in kclient.get("/kiosk/").get_data(as_text=True)


def test_the_exam_page_carries_the_state_without_keys_or_a_way_out_of_its_block(kclient, candidate, loaded_bank):
    page, state = open_exam(kclient, candidate[1], "ru")
    assert state["language"] == "ru" and len(state["questions"]) == 7 and state["seconds_left"] == 30 * 60
    for question in state["questions"]:
        assert set(question) == {"slot", "section", "type", "text", "options"}
        assert all(set(o) == {"id", "text"} for o in question["options"])
    assert "points" not in page and "difficulty" not in page and '"key"' not in page
    # Texts go into the page as UTF-8; nothing a text holds can close the script block.
    assert state["questions"][0]["text"] in page
    hostile = {"text": "</script><script>alert('x')</script> & <!--"}
    block = str(views._script_json(hostile))
    assert "<" not in block and ">" not in block and "'" not in block and "&" not in block
    assert json.loads(block) == hostile


def test_a_start_the_unique_participant_refuses_is_a_conflict_and_leaves_the_session_usable(
        candidate, kworld, loaded_bank, monkeypatch):
    """The start has no savepoint (the participant's lock keeps a second start out); should
    the unique participant still refuse the INSERT, the start says 'already started'."""
    from examserver.core.errors import Conflict
    from examserver.exam import gates
    from examserver.models import Participant

    with loaded_bank.app_context():
        participant, terminal = db.session.get(Participant, candidate[0]), db.session.get(Terminal, kworld.terminal)
        first = attempts.start_attempt(participant, terminal, "ky")
        db.session.commit()
        # PostgreSQL: the id taken ahead from the sequence, as the gates do (one flush writes attempt and event 0).
        new_id = (db.session.scalar(sa.select(sa.func.nextval(sa.func.pg_get_serial_sequence("attempt", "id"))))
                  if db.engine.dialect.name == "postgresql" else None)
        drawn_from = (first.blueprint_id, first.blueprint.digest, None, new_id)
        monkeypatch.setattr(gates, "check_start", lambda *args, **kwargs: drawn_from)  # as if no attempt were seen
        try:
            attempts.start_attempt(participant, terminal, "ky")
        except Conflict as exc:
            assert exc.code == "already_started"
        else:
            raise AssertionError("a second attempt for one participant")
        assert db.session.scalar(sa.select(sa.func.count(Attempt.id))) == 1


def test_a_reloaded_exam_page_carries_the_answers_flags_and_current_question(kclient, candidate, loaded_bank):
    _page, state = open_exam(kclient, candidate[1])
    opt = state["questions"][2]["options"][1]["id"]
    assert answer(kclient, 1, 3, [opt], "key:2").status_code == 200
    kclient.post("/kiosk/api/events", json={"seq": 2, "kind": "flag", "payload": {"slot": 3, "flagged": True}})
    kclient.post("/kiosk/api/events", json={"seq": 3, "kind": "visit", "payload": {"slot": 5}})
    again = page_state(kclient.get("/kiosk/exam").get_data(as_text=True))
    assert again["answers"] == {"3": [opt]} and again["flags"] == [3] and again["current"] == 5
    assert again["last_seq"] == 3 and again["next_seq"] == 4 and again["questions"] == state["questions"]
