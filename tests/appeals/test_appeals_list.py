"""The appeals list: search by number, name or PIN, filter by status, pages."""
from __future__ import annotations

from examserver.appeals import filing as appeals
from examserver.core.audit import Actor
from examserver.db import db

from .conftest import PASSWORD, take_test


def test_search_filter_and_pages(app, client, aworld):
    with app.test_request_context():
        terminal = Actor("terminal", aworld.terminal, "t", aworld.centre)
        numbers = []
        for n in range(52):
            attempt = take_test(aworld, f"212345678903{n:02d}")
            numbers.append(appeals.file_appeal(attempt, "заявление", "kiosk", terminal).number)
        db.session.commit()
    assert client.post("/admin/auth/login", data={"username": "proctor", "password": PASSWORD}).status_code == 302
    first = client.get("/admin/appeals/?lang=ru").get_data(as_text=True)
    assert first.count("<tr>") - 1 == 50 and 'rel="next"' in first  # 50 a page, no silent cap
    second = client.get("/admin/appeals/?page=2").get_data(as_text=True)
    assert second.count("<tr>") - 1 == 2
    found = client.get(f"/admin/appeals/?q={numbers[7]}").get_data(as_text=True)
    assert numbers[7] in found and numbers[8] not in found
    by_pin = client.get("/admin/appeals/?q=2123456789030").get_data(as_text=True)
    assert by_pin.count("<tr>") - 1 == 10
    assert "0–0" in client.get("/admin/appeals/?state=signed").get_data(as_text=True)  # none signed yet
    assert client.get("/admin/appeals/?state=filed&page=99999999999").status_code == 200
