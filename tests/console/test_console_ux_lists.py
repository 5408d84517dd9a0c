"""Console lists: pages instead of a silent cap, filters and searches, CSV
exports that a spreadsheet cannot run, the audit log in words, and the session
form prefilled in the centre's zone with a warning for a closed start window."""
from __future__ import annotations

import csv
import io

import pytest

from admin.lists import safe_cell
from examserver.core import audit
from examserver.db import db
from examserver.models import ExamSession

from .conftest import PIN1, PIN2, add_participant, enrolled_terminal, make_session


@pytest.mark.parametrize("raw, shown", [
    ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"), ("+1", "'+1"), ("-2+3", "'-2+3"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\tcmd", "'\tcmd"), ("\rcmd", "'\rcmd"), ("Асанова", "Асанова"), ("12", "12"), (None, ""),
])
def test_csv_cells_never_start_a_formula(raw, shown):
    assert safe_cell(raw) == shown


def _csv(response) -> list[list[str]]:
    assert response.status_code == 200 and response.mimetype == "text/csv"
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff")), delimiter=";"))


def test_audit_log_pages_words_and_safe_export(app, client, world, login):
    with app.app_context():
        for i in range(57):
            audit.record("terminal.unlock", ("terminal", i), actor=audit.Actor.cli(), reason=f"=cmd|' /C calc'!A{i}")
        db.session.commit()
    login("admin")
    first = client.get("/admin/audit/?action=terminal.unlock&lang=ru").get_data(as_text=True)
    assert "1–50 из 57" in first and first.count("Терминал разблокирован") >= 50
    second = client.get("/admin/audit/?action=terminal.unlock&page=2&lang=ru").get_data(as_text=True)
    assert "51–57 из 57" in second and "страница 2 из 2" in second
    ky = client.get("/admin/audit/?lang=ky").get_data(as_text=True)
    assert "Аккаунт түзүлдү" in ky and "буйрук сабы" in ky  # user.create by the command line
    rows = _csv(client.get("/admin/audit/export.csv?action=terminal.unlock&lang=ru"))
    assert rows[0][:4] == ["Когда", "Кто", "Кто выполнил (вид)", "Действие"]
    assert len(rows) == 58  # every entry, not one page
    assert all(row[7].startswith("'=cmd") for row in rows[1:])
    assert {row[3] for row in rows[1:]} == {"Терминал разблокирован"}
    assert client.get("/admin/audit/?page=999999999").status_code == 200
    assert client.get("/admin/audit/?page=-1").status_code == 200


def test_sessions_filter_and_page(app, client, world, login):
    with app.app_context():
        for i in range(52):
            make_session(world.room_a, f"Сессия {i:02d}", state="planned")
        make_session(world.room_a, "Ачык сессия")
    login("proctor_a")
    page = client.get("/admin/sessions/?lang=ru").get_data(as_text=True)
    assert "1–50 из 53" in page
    opened = client.get("/admin/sessions/?state=open").get_data(as_text=True)
    assert "Ачык сессия" in opened and "Сессия 01" not in opened
    found = client.get("/admin/sessions/?q=Сессия 4").get_data(as_text=True)
    assert "Сессия 41" in found and "Сессия 39" not in found


def test_participants_search_and_terminals_filter(app, client, world, login, loaded_bank):
    with app.app_context():
        sid = make_session(world.room_a)
        add_participant(sid, PIN1, surname="Асанов")
        add_participant(sid, PIN2, surname="Бекова", admit=False)
        enrolled_terminal(world.room_a, "7")
        enrolled_terminal(world.room_a, "8")
    login("proctor_a")
    by_pin = client.get(f"/admin/sessions/{sid}?q={PIN2}").get_data(as_text=True)
    assert "Бекова" in by_pin and "Асанов " not in by_pin
    pending = client.get(f"/admin/sessions/{sid}?admission=admitted").get_data(as_text=True)
    assert "Асанов" in pending and "Бекова" not in pending
    rows = _csv(client.get(f"/admin/sessions/{sid}/participants.csv?lang=ru"))
    assert rows[0][:5] == ["Место", "Фамилия", "Имя", "Отчество", "ПИН"]
    assert [r[1] for r in rows[1:]] == ["Асанов", "Бекова"] and rows[2][8] == "ожидает"  # admission still pending
    assert rows[1][7] == "Кыргызча"  # languages by name, never "ky"
    client.post("/admin/auth/logout")
    login("proctor_b")
    assert client.get(f"/admin/sessions/{sid}/participants.csv").status_code == 404  # another centre
    client.post("/admin/auth/logout")
    login("proctor_a")
    seat = client.get("/admin/terminals/?seat=8").get_data(as_text=True).split('<table id="terminals">')[1]
    assert seat.count("data-terminal=") == 1


def test_session_form_prefilled_in_centre_zone_and_closed_window_warned(app, client, world, login):
    # The test clock is 2026-11-23 03:00 UTC, 09:00 in Bishkek: the form offers 10:00 that day.
    login("proctor_a")
    page = client.get("/admin/sessions/").get_data(as_text=True)
    assert 'value="2026-11-23"' in page and 'value="10:00"' in page
    response = client.post("/admin/sessions/new", data={
        "title": "Кеч калган", "room_id": world.room_a, "session_date": "2026-11-23", "start_time": "07:00",
        "start_window_minutes": "60"}, follow_redirects=True)
    text = response.get_data(as_text=True)
    assert response.status_code == 200 and "23.11.2026 08:00" in text
    with app.app_context():
        sid = db.session.query(ExamSession).filter_by(title="Кеч калган").one().id
    assert 'id="window-closed"' in client.get(f"/admin/sessions/{sid}").get_data(as_text=True)
