"""The live room in a real browser: progress bars, the score in its own column
(never under "time left"), a counter and a filter for silent terminals, and a
move dialog that lists only live, free terminals by room and seat."""
from __future__ import annotations

from datetime import timedelta

import pytest

from examserver import clock as clock_mod
from examserver.core import accounts
from examserver.core.audit import Actor
from examserver.db import db
from examserver.exam import attempts, terminals
from examserver.models import FinishReason, Role, Terminal
from tests.browser.console_login import PASSWORD, login
from tests.factories import make_admitted_candidate, make_centre, make_open_session, make_room

pytestmark = pytest.mark.browser


def test_live_room_progress_score_silence_and_move_list(app, loaded_bank, live_server, page, clock):
    with app.app_context():
        centre = make_centre()
        room = make_room(centre, "101")
        proctor = accounts.create_user("proctor1", PASSWORD, Role.PROCTOR, "Токтогулов Бакыт", centre)
        actor = Actor.for_user(proctor)
        session = make_open_session(centre, room, proctor_id=proctor.id)
        enrolled = {}
        for seat in ("1", "2", "3", "4"):
            t, _secret = terminals.register_pending("pytest")
            enrolled[seat] = terminals.enrol(t.pairing_code, room, seat, actor)
        done, _c = make_admitted_candidate(session, actor, pin="21505198512345", surname="Бүттү")
        quiet, _c = make_admitted_candidate(session, actor, pin="10102200000017", surname="Үнсүз")
        busy, _c = make_admitted_candidate(session, actor, pin="20101199000123", surname="Иштеп")
        finished = attempts.start_attempt(done, enrolled["1"], "ky")
        attempts.finish_attempt(finished, FinishReason.SUBMITTED)
        attempts.start_attempt(quiet, enrolled["2"], "ky")
        db.session.commit()
        session_id, score = session.id, f"{finished.total_points} / {finished.max_points}"
    # Two minutes pass; terminals 3 and 4 and the busy candidate's terminal keep calling in (their heartbeat).
    clock.advance(seconds=app.config["SILENT_TERMINAL_SECONDS"] + 60)
    with app.app_context():
        attempt = attempts.start_attempt(db.session.get(type(busy), busy.id), db.session.get(Terminal, enrolled["3"].id),
                                         "ru")
        for seat in ("3", "4"):
            db.session.get(Terminal, enrolled[seat].id).last_seen_at = clock_mod.now() - timedelta(seconds=5)
        db.session.commit()

    base = live_server.url
    login(page, base, "proctor1")
    page.goto(f"{base}/admin/room/{session_id}")

    done_row = page.locator("#live-table tr", has_text="Бүттү")
    done_row.locator("td.score", has_text=score).wait_for()
    assert done_row.locator("td.time-left").inner_text() == "—"
    assert done_row.locator("td.verdict").inner_text() in ("соответствует", "не соответствует")
    quiet_row = page.locator("#live-table tr", has_text="Үнсүз")
    assert quiet_row.locator("td.answered progress").count() == 1
    assert "молчит" in quiet_row.locator("td.state").inner_text() or "silent" in quiet_row.get_attribute("class")
    assert page.inner_text("#silent-count") == "Молчащих терминалов: 1"

    page.check("#only-silent")
    assert page.locator("#live-table tbody tr").count() == 1
    page.uncheck("#only-silent")
    assert page.locator("#live-table tbody tr").count() == 3

    # Moving the quiet candidate: only terminal 4 is live and free (1 is silent, 2 is theirs, 3 is busy).
    quiet_row.locator("button[data-action=move]").click()
    options = page.locator("#action-form select[name=terminal_id] option")
    options.first.wait_for(state="attached")
    assert options.count() == 1
    assert options.first.inner_text().startswith("101, место 4 (терминал ")
    assert attempt.id
