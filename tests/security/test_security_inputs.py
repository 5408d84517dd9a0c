"""Hostile input gets a 4xx and a message, never a 5xx (invariant 13): the
mechanisms, one case each (the property tests throw many more)."""
from __future__ import annotations

import pytest

from examserver import create_app
from examserver.db import db
from kiosk.context import COOKIE

from .helpers import kiosk_exam


def test_ids_beyond_the_integer_range_are_404(client, sworld, console_login):
    console_login("admin")
    for url in ("/admin/sessions/99999999999999999999999/open", "/admin/users/2147483648/active",
                "/admin/participants/session/9223372036854775808/new"):
        assert client.post(url, data={"reason": "x"}).status_code == 404, url
    assert client.post("/admin/users/2147483647/active", data={"reason": "x", "active": "1"}).status_code == 404


def test_form_ids_out_of_range_are_400_naming_the_field(client, sworld, console_login):
    console_login("admin")
    response = client.post("/admin/users/rooms?lang=en", data={"centre_id": "1" * 30, "name": "R", "seats": "3"})
    assert response.status_code == 400 and "centre_id" in response.get_data(as_text=True)
    response = client.post("/admin/users/rooms", data={"centre_id": str(sworld.centre_a), "name": "R",
                                                        "seats": "-99999999999"})
    assert response.status_code == 400


def test_nul_in_a_form_field_is_400_with_its_name(client, sworld, console_login):
    console_login("admin")
    response = client.post("/admin/users/new?lang=ru", data={"username": "ab\x00c", "password": "x", "role": "admin"})
    assert response.status_code == 400
    assert "Поле username содержит недопустимый символ (NUL)" in response.get_data(as_text=True)
    assert client.post("/admin/auth/login", data={"username": "admin", "password": "p\x00"}).status_code == 400
    assert client.get("/admin/audit/?action=%00").status_code == 400


def test_login_with_hostile_values(client, sworld):
    for data in ({"username": "a" * 100000, "password": "b"}, {"username": ["x", "y"], "password": "z"},
                 {"username": "адм\ud7ffин", "password": "🙂" * 50}):
        assert client.post("/admin/auth/login", data=data).status_code in (400, 401)


def test_kiosk_api_refuses_nesting_size_and_nul_as_json(app, kiosk_client):
    client, state = kiosk_client
    deep = "[" * 5000 + "]" * 5000
    response = client.post("/kiosk/api/events", data=deep, content_type="application/json")
    assert response.status_code == 400 and response.get_json()["error"] == "too_deep"
    response = client.post("/kiosk/api/events", data="{" + '"a":' * 1 + '"' + "x" * (1 << 20) + '"}',
                           content_type="application/json")
    assert response.status_code == 413 and response.get_json()["error"] == "too_large"
    response = client.post("/kiosk/api/events", json={"seq": state["next_seq"], "kind": "answer", "client_time": "\x00",
                                                      "payload": {"slot": 1, "selected": ["a"], "input": "click"}})
    assert response.status_code == 400 and response.get_json()["error"] == "nul"
    response = client.post("/kiosk/api/events", data='{"seq": 1, "kind": "\\ud800"}', content_type="application/json")
    assert response.status_code == 400
    response = client.post("/kiosk/api/events", json={"seq": 2**70, "kind": "answer", "client_time": "t",
                                                      "payload": {"slot": 2**70, "selected": ["a"], "input": "click"}})
    assert 400 <= response.status_code < 500
    # Messages in the test's language (the candidate chose Kyrgyz).
    assert "Суроо-талап" in client.post("/kiosk/api/events", data=deep, content_type="application/json",
                                         ).get_json()["message"]


def test_kiosk_api_http_errors_are_json(kiosk_client):
    client, _state = kiosk_client
    response = client.get("/kiosk/api/events")
    assert response.status_code == 405 and response.is_json
    response = client.get("/kiosk/api/nothing-here")
    assert response.status_code == 404 and response.is_json


@pytest.fixture
def kiosk_client(loaded_bank):
    """A terminal running an attempt, in Kyrgyz."""
    return kiosk_exam(loaded_bank)


def _unreachable_url(backend, tmp_path) -> str:
    """A database that is not there: a missing folder (SQLite) or a closed port (PostgreSQL)."""
    if backend == "sqlite":
        return f"sqlite:///{tmp_path}/gone/away/exam.sqlite"
    return "postgresql+psycopg://postgres@127.0.0.1:1/none?connect_timeout=2"


def test_database_outage_is_503_json_for_the_kiosk(backend, db_url, tmp_path, clock):
    app = create_app({"MODE": "testing", "DATABASE_URL": _unreachable_url(backend, tmp_path),
                      "INSTANCE_PATH": str(tmp_path / "i"), "CLOCK": clock, "WTF_CSRF_ENABLED": False})
    client = app.test_client()
    client.set_cookie(COOKIE, "a-terminal-secret-of-some-length-0123456789a", path="/kiosk")
    for method, url, body in (("GET", "/kiosk/api/state", None), ("POST", "/kiosk/api/events", {"seq": 1}),
                              ("GET", "/kiosk/api/terminal?lang=ky", None)):
        response = client.open(url, method=method, json=body)
        assert response.status_code == 503, (url, response.status_code)
        assert response.is_json and response.get_json()["retry_after"] > 0
        assert response.headers["Retry-After"] == str(response.get_json()["retry_after"])
    assert "Сервер убактылуу жеткиликсиз" in response.get_json()["message"]
    # The console: a page, not a traceback.
    response = client.get("/admin/auth/login")
    assert response.status_code in (200, 503)
    response = client.post("/admin/auth/login", data={"username": "admin", "password": "x" * 12})
    assert response.status_code == 503 and response.headers["Retry-After"]
    db.dispose(app)
