"""A test the proctor moves to another terminal: the new terminal's code
screen picks it up by itself, and the old terminal says where it went."""
from __future__ import annotations

from examserver.core.audit import Actor
from examserver.db import db
from examserver.exam import timer
from examserver.models import Attempt, Room, Terminal
from kiosk.context import COOKIE
from tests.kiosk.kiosk_helpers import enrol_terminal, start_exam


def test_a_moved_test_follows_the_candidate(loaded_bank, kworld, candidate, kclient):
    app = loaded_bank
    start_exam(kclient, candidate[1], language="ru")
    with app.app_context():
        _, secret = enrol_terminal(db.session.get(Room, kworld.room), seat="A-09")
        db.session.commit()
    spare = app.test_client()
    spare.set_cookie(COOKIE, secret, path="/kiosk")
    assert spare.get("/kiosk/api/terminal").get_json()["attempt"] == "none"
    with app.app_context():
        attempt = db.session.query(Attempt).one()
        new_terminal = db.session.query(Terminal).filter(Terminal.seat == "A-09").one()
        timer.move_attempt(attempt, new_terminal, "клавиатура сломалась", Actor("user", None, "proctor"))
        db.session.commit()
    # the spare terminal's code screen polls this and reloads into the exam
    assert spare.get("/kiosk/api/terminal").get_json()["attempt"] == "running"
    assert spare.get("/kiosk/").headers["Location"].endswith("/kiosk/exam")
    # the old terminal: its heartbeat finds no test, it goes to the result page, which says where the test went
    assert kclient.get("/kiosk/api/state").status_code == 404
    to_index = kclient.get("/kiosk/result")
    assert to_index.status_code == 302
    page = kclient.get("/kiosk/").get_data(as_text=True)
    assert "Наблюдатель перенёс ваш тест на терминал на месте A-09" in page
