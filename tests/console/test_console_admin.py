"""Administrator pages: audit log filters, accounts, centres and rooms."""
from __future__ import annotations

from examserver.db import db
from examserver.models import Centre, Room, User

from .conftest import PASSWORD, make_session


def test_audit_filters(app, client, world, login):
    with app.app_context():
        make_session(world.room_a, "Filtered")
    login("admin")
    # The table only: the filter's action list names every action.
    page = client.get("/admin/audit/?action=session.").get_data(as_text=True).split('<table id="audit">')[1]
    assert "session.create" in page and "session.open" in page and "user.create" not in page
    page = client.get("/admin/audit/?actor=admin&action=user.login").get_data(as_text=True)
    assert "user.login" in page
    page = client.get("/admin/audit/?object_type=exam_session&object_id=999").get_data(as_text=True)
    assert "session.create" not in page.split('<table id="audit">')[1]
    page = client.get("/admin/audit/?from=2026-11-23&to=2026-11-23").get_data(as_text=True)
    assert "session.create" in page.split('<table id="audit">')[1]
    page = client.get("/admin/audit/?from=2026-11-24").get_data(as_text=True)
    assert "session.create" not in page.split('<table id="audit">')[1]
    assert client.get("/admin/audit/?from=garbage").status_code == 200


def test_accounts_centres_rooms(app, client, world, login):
    login("admin")
    assert client.post("/admin/users/centres", data={"code": "osh", "name_ky": "Ош борбору", "name_ru": "Центр Ош"}).status_code == 302
    with app.app_context():
        centre = db.session.query(Centre).filter_by(code="OSH").one()
        cid = centre.id
    assert client.post("/admin/users/rooms", data={"centre_id": cid, "name": "1", "seats": 20}).status_code == 302
    assert client.post("/admin/users/rooms", data={"centre_id": cid, "name": "1", "seats": 20}).status_code == 303
    assert client.post("/admin/users/new", data={"username": "p_osh", "full_name": "P", "role": "proctor",
                                                 "centre_id": cid, "password": PASSWORD}).status_code == 302
    assert client.post("/admin/users/new", data={"username": "p2", "full_name": "P", "role": "proctor",
                                                 "password": PASSWORD}).status_code == 303  # needs a centre
    with app.app_context():
        assert db.session.query(Room).filter_by(centre_id=cid).count() == 1
        uid = db.session.query(User).filter_by(username="p_osh").one().id
    page = client.get("/admin/users/").get_data(as_text=True)
    assert "p_osh" in page and "OSH" in page
    assert client.post(f"/admin/users/{uid}/active", data={"active": "0", "reason": ""}).status_code == 303
    assert client.post(f"/admin/users/{uid}/active", data={"active": "0", "reason": "left"}).status_code == 302
    with app.app_context():
        assert not db.session.get(User, uid).active
    client.post("/admin/auth/logout")
    assert client.post("/admin/auth/login", data={"username": "p_osh", "password": PASSWORD}).status_code == 401
