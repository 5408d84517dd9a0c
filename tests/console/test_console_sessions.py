"""Sessions: planning, opening, closing, centre isolation."""
from __future__ import annotations

from examserver.db import db
from examserver.models import AuditEntry, ExamSession, SessionState

from .conftest import make_session


def test_proctor_plans_opens_and_closes_a_session(app, client, world, login):
    login("proctor_a")
    response = client.post("/admin/sessions/new", data={
        "title": "Утренняя сессия", "room_id": world.room_a, "session_date": "2026-11-23",
        "start_time": "09:00", "start_window_minutes": 60})
    assert response.status_code == 302
    session_id = int(response.headers["Location"].rsplit("/", 1)[1])
    assert "Утренняя сессия" in client.get("/admin/sessions/").get_data(as_text=True)
    with app.app_context():
        session = db.session.get(ExamSession, session_id)
        assert session.state == SessionState.PLANNED and session.centre_id == world.centre_a
        assert session.starts_at.hour == 3  # 09:00 in Bishkek (UTC+6)
    client.post(f"/admin/sessions/{session_id}/open")
    client.post(f"/admin/sessions/{session_id}/close", data={"reason": "day over"})
    with app.app_context():
        session = db.session.get(ExamSession, session_id)
        assert session.state == SessionState.CLOSED and session.closed_at is not None
        actions = [e.action for e in db.session.query(AuditEntry).filter_by(object_type="exam_session")]
        assert actions == ["session.create", "session.open", "session.close"]


def test_several_sessions_per_centre(app, client, world, login):
    with app.app_context():
        make_session(world.room_a, "One")
        make_session(world.room_a, "Two")
    login("proctor_a")
    page = client.get("/admin/sessions/").get_data(as_text=True)
    assert "One" in page and "Two" in page


def test_proctor_cannot_plan_in_another_centre(app, client, world, login):
    login("proctor_a")
    response = client.post("/admin/sessions/new", data={
        "title": "X", "room_id": world.room_b, "session_date": "2026-11-23", "start_time": "09:00"})
    assert response.status_code == 400  # room B is not among proctor A's choices
    with app.app_context():
        assert db.session.query(ExamSession).count() == 0


def test_centre_isolation_of_sessions(app, client, world, login):
    with app.app_context():
        other = make_session(world.room_b, "Centre B session", state="planned")
    login("proctor_a")
    assert "Centre B session" not in client.get("/admin/sessions/").get_data(as_text=True)
    for url in (f"/admin/sessions/{other}", f"/admin/room/{other}", f"/admin/room/{other}/data"):
        assert client.get(url).status_code == 404
    assert client.post(f"/admin/sessions/{other}/open").status_code == 404
    assert client.post(f"/admin/room/{other}/action", json={"action": "close", "reason": "x"}).status_code == 404
    with app.app_context():
        assert db.session.get(ExamSession, other).state == SessionState.PLANNED


def test_admin_sees_every_centre(app, client, world, login):
    with app.app_context():
        make_session(world.room_a, "AAA")
        make_session(world.room_b, "BBB")
    login("admin")
    page = client.get("/admin/sessions/").get_data(as_text=True)
    assert "AAA" in page and "BBB" in page
