"""The result screen: protocol number and PDF, appeal deadline and appeal button."""
from __future__ import annotations

import sqlalchemy as sa
from kiosk_helpers import start_exam

from examserver.db import db
from examserver.models import Appeal, Attempt
from examserver.protocols import issuing as protocols


def _finish(kclient, candidate):
    start_exam(kclient, candidate[1], "ky")
    assert kclient.post("/kiosk/api/finish", json={"confirm": True}).status_code == 200


def test_result_shows_protocol_and_prints_it(kclient, candidate, loaded_bank):
    _finish(kclient, candidate)
    page = kclient.get("/kiosk/result").get_data(as_text=True)
    with loaded_bank.app_context():
        protocol = protocols.protocol_for_attempt(db.session.scalar(sa.select(Attempt)))
        assert protocol is not None and protocol.number in page
    assert "Тестирлөө протоколу" in page
    r = kclient.get("/kiosk/protocol.pdf")
    assert r.status_code == 200 and r.mimetype == "application/pdf" and r.data.startswith(b"%PDF")


def test_appeal_from_the_result_screen(kclient, candidate, loaded_bank, clock):
    _finish(kclient, candidate)
    page = kclient.get("/kiosk/result").get_data(as_text=True)
    assert 'id="appeal"' in page and "id=\"appeal-deadline\"" in page
    r = kclient.post("/kiosk/appeal", data={"statement": "Мен 3-суроого туура жооп бердим."})
    assert r.status_code == 303
    with loaded_bank.app_context():
        appeal = db.session.scalar(sa.select(Appeal))
        assert appeal.filed_via == "kiosk" and "3-суроого" in appeal.statement
    page = kclient.get("/kiosk/result").get_data(as_text=True)
    assert appeal.number in page and 'id="appeal"' not in page


def test_appeal_button_gone_after_the_window(kclient, candidate, loaded_bank, clock):
    _finish(kclient, candidate)
    clock.advance(minutes=loaded_bank.config["APPEAL_WINDOW_MINUTES"], seconds=1)
    page = kclient.get("/kiosk/result").get_data(as_text=True)
    assert 'id="appeal"' not in page


def test_other_browser_cannot_see_the_result(kclient, candidate, loaded_bank):
    _finish(kclient, candidate)
    stranger = loaded_bank.test_client()
    assert stranger.get("/kiosk/result").status_code == 302
    assert stranger.get("/kiosk/protocol.pdf").status_code == 404
