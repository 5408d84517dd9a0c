"""Sessions: planning, opening, closing, centre isolation."""
from __future__ import annotations

from datetime import date

import pytest

from examserver import clock
from examserver.db import db
from examserver.models import AuditEntry, ExamSession, Room, SessionState
from examserver.registration import sessions
from examserver.core.audit import Actor
from examserver.core.errors import ServiceError

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


def test_session_offers_chosen_tests_only(app, client, world, login, loaded_bank, tmp_path, runner):
    """A session planned for some tests refuses participants whose position needs another one."""
    other = tmp_path / "other"
    other.mkdir()
    (other / "bp.yaml").write_text(
        "blueprints:\n  - code: TEST-K-B\n    version: 1\n    group: К-Б\n    title: {ky: Кенже, ru: Младший}\n"
        "    duration_minutes: 20\n    languages: [ky, ru]\n    shuffle_options: false\n    threshold: {percent: 50}\n"
        "    sections:\n      - code: basic\n        title: {ky: Негизги, ru: Основной}\n"
        "        quotas:\n          - {topic: GEN_B, count: 3}\n"
        "positions:\n  - code: TEST-POS-2\n    department: {ky: Бөлүм, ru: Отдел}\n"
        "    title: {ky: Адис, ru: Специалист}\n    group: К-Б\n    blueprint: TEST-K-B\n", encoding="utf-8")
    assert runner.invoke(args=["blueprint", "import", str(other)]).exit_code == 0
    login("proctor_a")
    form = client.get("/admin/sessions/").get_data(as_text=True)
    assert "TEST-K-B (К-Б)" in form and "TEST-U-A (У-А)" in form
    response = client.post("/admin/sessions/new", data={
        "title": "Улук топтор", "room_id": world.room_a, "session_date": "2026-11-23", "start_time": "09:00",
        "start_window_minutes": 60, "blueprint_codes": ["TEST-U-A"]})
    assert response.status_code == 302
    session_id = int(response.headers["Location"].rsplit("/", 1)[1])
    assert "TEST-U-A" in client.get(f"/admin/sessions/{session_id}").get_data(as_text=True)
    with app.app_context():
        assert db.session.get(ExamSession, session_id).blueprint_codes == ["TEST-U-A"]
    person = {"surname": "Асанов", "name": "Нурлан", "patronymic": "", "pin": "21505198512345",
              "id_document": "AN1234567", "language": "ru", "competition": "", "seat": "3"}
    refused = client.post(f"/admin/participants/session/{session_id}/new?lang=en", data=dict(person, position="TEST-POS-2"))
    assert "does not offer the test TEST-K-B" in refused.get_data(as_text=True)
    accepted = client.post(f"/admin/participants/session/{session_id}/new", data=dict(person, position="TEST-POS-1"))
    assert accepted.status_code == 302


def test_unknown_offered_test_is_refused(app, world):
    with app.app_context():
        room = db.session.get(Room, world.room_a)
        with pytest.raises(ServiceError, match="NOPE"):
            sessions.create_session(room, "X", date(2026, 11, 23), clock.now(), 60, Actor.cli(),
                                    blueprint_codes=["NOPE"])
