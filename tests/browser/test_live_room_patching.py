"""The live room page in a real browser draws its table once and patches it:
a row whose candidate answered is drawn again, a terminal that calls in again
is no longer silent in the same row element (a move: contact and answered
count only), the others stay the same elements, a newly registered candidate
appears in seat order, and a pause shows at once after the proctor's action."""
from __future__ import annotations

from datetime import timedelta

import pytest

from examserver import clock as clock_mod
from examserver.core import accounts
from examserver.core.audit import Actor
from examserver.db import db
from examserver.exam import attempts, terminals
from examserver.models import Attempt, ExamSession, Role
from examserver.registration import participants as registration
from tests.browser.console_login import PASSWORD, login
from tests.factories import make_admitted_candidate, make_centre, make_open_session, make_room

pytestmark = pytest.mark.browser


def test_the_room_patches_changed_rows_only(app, loaded_bank, live_server, page, clock):
    with app.app_context():
        centre = make_centre()
        room = make_room(centre, "101")
        proctor = accounts.create_user("proctor1", PASSWORD, Role.PROCTOR, "Токтогулов Бакыт", centre)
        actor = Actor.for_user(proctor)
        session = make_open_session(centre, room, proctor_id=proctor.id)
        seats = {}
        for seat in ("1", "2", "10"):
            t, _secret = terminals.register_pending("pytest")
            seats[seat] = terminals.enrol(t.pairing_code, room, seat, actor)
        busy, _c = make_admitted_candidate(session, actor, pin="21505198512345", surname="Иштеп")
        calm, _c = make_admitted_candidate(session, actor, pin="10102200000017", surname="Тынч")
        busy.seat, calm.seat = "1", "10"
        running = attempts.start_attempt(busy, seats["1"], "ky")
        quiet = attempts.start_attempt(calm, seats["10"], "ky")
        # the calm candidate's terminal has not called in for a while: silent
        quiet.last_contact_at = clock_mod.now() - timedelta(seconds=app.config["SILENT_TERMINAL_SECONDS"] + 30)
        db.session.commit()
        session_id, running_id, quiet_id = session.id, running.id, quiet.id
    clock.advance(seconds=10)  # what was set up is older than a poll's overlap: the polls bring only what follows

    login(page, live_server.url, "proctor1")
    page.goto(f"{live_server.url}/admin/room/{session_id}")
    busy_row = page.locator("#live-table tr", has_text="Иштеп")
    busy_row.locator("td.answered", has_text="0/7").wait_for()
    calm_row = page.locator("#live-table tr", has_text="Тынч")
    assert "silent" in calm_row.get_attribute("class")
    page.evaluate("""() => document.querySelectorAll('#live-table tbody tr').forEach(
        tr => { tr.dataset.drawn = 'first'; })""")

    # The busy candidate answers; a new candidate is registered for seat 2.
    with app.app_context():
        attempt = db.session.get(Attempt, running_id)
        question = attempts.form_of(attempt).slots[0]
        attempts.record_event(attempt, 1, "answer", {"slot": 1, "selected": [question.option_order[0]], "input": "click"}, "t")
        newcomer = registration.register_participant(db.session.get(ExamSession, session_id), {
            "surname": "Жаңы", "name": "Келди", "patronymic": "", "pin": "22311200155555", "id_document": "ID155555",
            "position": "TEST-POS-1", "language": "ky", "seat": "2"}, Actor.cli())
        registration.set_admission(newcomer, True, "", Actor.cli())
        db.session.get(Attempt, quiet_id).last_contact_at = clock_mod.now()  # its terminal calls in again
        db.session.commit()

    busy_row.locator("td.answered", has_text="1/7").wait_for()
    page.locator("#live-table tr.in_progress:not(.silent)", has_text="Тынч").wait_for()
    page.locator("#live-table tr", has_text="Жаңы").wait_for()
    drawn = page.evaluate("""() => [...document.querySelectorAll('#live-table tbody tr')].map(
        tr => [tr.cells[1].textContent, tr.dataset.drawn || 'again'])""")
    assert [name.split()[0] for name, _mark in drawn] == ["Иштеп", "Жаңы", "Тынч"]  # seats 1, 2, 10
    assert dict((name.split()[0], mark) for name, mark in drawn) == {"Иштеп": "again", "Жаңы": "again", "Тынч": "first"}

    # The proctor pauses the busy candidate: the row says so as soon as the dialog closes.
    busy_row.locator("button[data-action=pause]").click()
    page.fill("#action-form textarea[name=reason]", "пожарная тревога")
    page.click("#action-confirm")
    busy_row.locator("td.state", has_text="приостановлен").wait_for(timeout=2000)

    # Closing the session takes the no-show button off the waiting rows; the paused test keeps its actions.
    new_row = page.locator("#live-table tr", has_text="Жаңы")
    assert new_row.locator("button[data-action=no_show]").count() == 1
    page.click("#close-session")
    page.fill("#action-form textarea[name=reason]", "конец дня")
    page.click("#action-confirm")
    page.locator("#live-session-state", has_text="закрыт").wait_for(timeout=2000)
    new_row.locator("td.actions").wait_for()
    assert new_row.locator("button").count() == 0
    assert busy_row.locator("button[data-action=resume]").count() == 1
