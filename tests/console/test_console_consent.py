"""The consent to the processing of personal data (seed 003, annex 3) is
recorded at registration (form and CSV), marked when missing, and can be
recorded later; each with its time and an audit entry."""
from __future__ import annotations

import sqlalchemy as sa

from examserver.db import db
from examserver.models import AuditEntry, Participant

from .conftest import make_session

CSV = ("surname,name,patronymic,pin,id_document,position,language,competition,seat\n"
       "Асанова,Айгүл,,21505199012345,AN1234567,{pos},ky,,1\n")


def _position(app) -> str:
    from examserver.models import Position

    with app.app_context():
        return db.session.scalar(sa.select(Position.code).order_by(Position.code))


def test_consent_is_recorded_from_the_form_and_the_list(app, client, world, login, loaded_bank, clock):
    login("proctor_a")
    with app.app_context():
        sid = make_session(world.room_a)
    position = _position(app)
    form = {"surname": "Бакиров", "name": "Нурлан", "patronymic": "", "pin": "21505199012346",
            "id_document": "AN7654321", "position": position, "language": "ru", "competition": "", "seat": "2"}
    assert client.post(f"/admin/participants/session/{sid}/new", data={**form, "consent": "y"}).status_code == 302
    form.update(pin="21505199012347", id_document="AN7654322", seat="3")
    assert client.post(f"/admin/participants/session/{sid}/new", data=form).status_code == 302
    listed = client.post(f"/admin/participants/session/{sid}/import", data={
        "consent": "1", "file": (__import__("io").BytesIO(CSV.format(pos=position).encode()), "list.csv")},
        content_type="multipart/form-data")
    assert listed.status_code == 302
    with app.app_context():
        rows = {p.pin: p for p in db.session.scalars(sa.select(Participant))}
        assert rows["21505199012346"].consent_at == clock.now()
        assert rows["21505199012345"].consent_at == clock.now()
        missing = rows["21505199012347"]
        assert missing.consent_at is None
        missing_id = missing.id
    page = client.get(f"/admin/sessions/{sid}?lang=ru").get_data(as_text=True)
    assert page.count("no-consent") == 1
    clock.advance(minutes=10)
    assert client.post(f"/admin/participants/{missing_id}/consent").status_code == 302
    with app.app_context():
        assert db.session.get(Participant, missing_id).consent_at == clock.now()
        assert db.session.scalar(sa.select(sa.func.count(AuditEntry.id)).where(
            AuditEntry.action == "participant.consent")) == 1
    assert "no-consent" not in client.get(f"/admin/sessions/{sid}").get_data(as_text=True)
