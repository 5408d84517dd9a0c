"""The appeals console through HTTP: filing, review, decision, signatures, PDF."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from examserver.db import db
from examserver.models import Appeal, JournalEvent
from examserver.protocols.verify import trusted_keys, verify_bytes

from .conftest import PASSWORD, take_test
from .helpers import make_commission


@pytest.fixture
def login(client):
    def do(username: str, password: str = PASSWORD):
        client.post("/admin/auth/logout")
        response = client.post("/admin/auth/login", data={"username": username, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)
    return do


@pytest.fixture
def finished(app, aworld):
    """A finished attempt (3 of 7 right) and a commission chair + member1 + member2 (committed ids)."""
    with app.test_request_context():
        attempt = take_test(aworld, "21234567890201", correct=3)
        make_commission(aworld, ("member1", "member2"))
        db.session.commit()
        return attempt.id


def _file(client, login, attempt_id, clock=None):
    login("proctor")
    return client.post("/admin/appeals/file", data={"attempt_id": attempt_id, "statement": "Письменное заявление"},
                       follow_redirects=True)


def test_proctor_files_and_chair_reviews(client, login, finished, aworld):
    page = _file(client, login, finished).get_data(as_text=True)
    assert "AP-BISH-2026-00001" in page
    login("chair")
    listing = client.get("/admin/appeals/").get_data(as_text=True)
    appeal_id = int(re.search(r"/admin/appeals/(\d+)\"", listing).group(1))
    page = client.get(f"/admin/appeals/{appeal_id}").get_data(as_text=True)
    assert 'id="score-match"' in page and "chain ok" in page
    assert page.count('id="q-') == 7 and 'id="replay-data"' in page
    assert 'id="decision-form"' in page  # the chair decides


def test_late_filing_refused_with_message(client, login, finished, clock):
    clock.advance(minutes=61)
    page = _file(client, login, finished).get_data(as_text=True)
    assert "flash error" in page
    with client.application.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Appeal.id))) == 0


def test_edited_journal_shown_on_review_page(client, login, finished, app):
    _file(client, login, finished)
    with app.app_context():
        event = db.session.scalar(sa.select(JournalEvent).where(JournalEvent.attempt_id == finished,
                                                                 JournalEvent.seq == 2))
        event.payload = {**event.payload, "selected": ["a", "b"]}
        db.session.commit()
        appeal_id = db.session.scalar(sa.select(Appeal.id))
    login("chair")
    page = client.get(f"/admin/appeals/{appeal_id}?lang=en").get_data(as_text=True)
    assert 'class="chain bad"' in page
    assert re.search(r"No\. 2\b", page)
    page = client.get(f"/admin/appeals/{appeal_id}?lang=ky").get_data(as_text=True)
    assert "БУЗУЛГАН" in page and "№ 2" in page
    assert 'class="broken"' in page


def test_decide_sign_and_pdf_verifies(client, login, finished, aworld, app):
    _file(client, login, finished)
    with app.app_context():
        appeal_id = db.session.scalar(sa.select(Appeal.id))
    login("member1")
    assert client.post(f"/admin/appeals/{appeal_id}/decide", data={"decision": "rejected", "text": "x"}).status_code == 403
    login("chair")
    client.post(f"/admin/appeals/{appeal_id}/decide",
                data={"decision": "rejected", "text": "Балл туура", "present": [aworld.users["member1"],
                                                                                  aworld.users["member2"]]})
    page = client.post(f"/admin/appeals/{appeal_id}/sign", data={"member_id": aworld.users["member1"],
                                                                  "password": "nope-nope"},
                       follow_redirects=True).get_data(as_text=True)
    assert "flash error" in page
    for name in ("chair", "member1", "member2"):
        page = client.post(f"/admin/appeals/{appeal_id}/sign", data={"member_id": aworld.users[name],
                                                                      "password": PASSWORD},
                           follow_redirects=True).get_data(as_text=True)
    assert 'id="protocol-pdf"' in page
    pdf = client.get(f"/admin/appeals/{appeal_id}/protocol.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    with app.app_context():
        report = verify_bytes(pdf.data, trusted_keys())
    assert report.ok, [(c.name, c.detail) for c in report.checks if not c.ok]


def test_other_centre_cannot_see_appeal(client, login, finished):
    _file(client, login, finished)
    with client.application.app_context():
        appeal_id = db.session.scalar(sa.select(Appeal.id))
    login("member_osh")
    assert client.get(f"/admin/appeals/{appeal_id}").status_code == 404


def test_sixth_member_refused_over_http(client, login, aworld, app):
    login("proctor")
    page = client.post("/admin/appeals/commissions", data={
        "name": "Комиссия", "chair_id": aworld.users["chair"],
        "member_ids": [aworld.users[f"member{i}"] for i in range(1, 7)]}, follow_redirects=True).get_data(as_text=True)
    assert "flash error" in page
    page = client.post("/admin/appeals/commissions", data={
        "name": "Комиссия", "chair_id": aworld.users["chair"],
        "member_ids": [aworld.users[f"member{i}"] for i in range(1, 6)]}, follow_redirects=True).get_data(as_text=True)
    assert "flash success" in page
    with app.app_context():
        from examserver.models import Commission
        commission_id = db.session.scalar(sa.select(Commission.id))
    page = client.post(f"/admin/appeals/commissions/{commission_id}/members",
                       data={"user_id": aworld.users["member6"], "action": "add"},
                       follow_redirects=True).get_data(as_text=True)
    assert "flash error" in page
