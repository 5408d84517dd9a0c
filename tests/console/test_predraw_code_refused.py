"""A code is issued with its form drawn (issue 15); when the question bank
cannot fill the test, the proctor's console refuses the code with a message
naming the candidate (never a 500), for one code and for a batch of slips."""
from __future__ import annotations

import sqlalchemy as sa

from examserver.db import db
from examserver.models import AccessCode, BankItem, PredrawnForm

from .conftest import PIN1, PIN2, add_participant, make_session


def _codes(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count(AccessCode.id)))


def test_one_code_draws_its_form(app, client, world, loaded_bank, login):
    with app.app_context():
        pid = add_participant(make_session(world.room_a), PIN1)
    login("proctor_a")
    assert client.post(f"/admin/participants/{pid}/code").status_code == 200
    with app.app_context():
        assert db.session.scalar(sa.select(PredrawnForm.participant_id)) == pid


def test_a_bank_that_cannot_fill_the_test_refuses_the_code_with_a_message(app, client, world, loaded_bank, login):
    with app.app_context():
        sid = make_session(world.room_a)
        first = add_participant(sid, PIN1, "Асанов")
        add_participant(sid, PIN2, "Бекова", "2")
        db.session.execute(sa.update(BankItem).values(status="retired"))
        db.session.commit()
    login("proctor_a")
    response = client.post(f"/admin/participants/{first}/code", follow_redirects=True)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Асанов" in page
    assert "TEST-POS-1" in page and ("код не выдан" in page.lower() or "код берилген жок" in page.lower()), page
    # A batch of slips is all or nothing: nobody gets a code.
    response = client.post(f"/admin/participants/session/{sid}/slips", data={"which": "all"}, follow_redirects=True)
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert "TEST-POS-1" in response.get_data(as_text=True)
    assert _codes(app) == 0
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(PredrawnForm.id))) == 0
