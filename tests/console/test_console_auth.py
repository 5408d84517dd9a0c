"""Login, logout, revocation, rate limit, CSRF and the layout."""
from __future__ import annotations

import re

from examserver import create_app
from examserver.db import db
from examserver.models import AuditEntry, User
from examserver.core import accounts
from examserver.core.audit import Actor

from .conftest import PASSWORD


def test_login_page_and_redirect_to_login(client, world):
    assert client.get("/admin/auth/login").status_code == 200
    response = client.get("/admin/")
    assert response.status_code == 302 and "/admin/auth/login" in response.headers["Location"]


def test_login_logout(client, world, login):
    login("proctor_a")
    page = client.get("/admin/").get_data(as_text=True)
    assert "Proctor A" in page and 'name="csrf-token"' in page
    client.post("/admin/auth/logout")
    assert client.get("/admin/").status_code == 302


def test_wrong_password_is_refused_and_audited(app, client, world):
    response = client.post("/admin/auth/login", data={"username": "proctor_a", "password": "nope-nope"})
    assert response.status_code == 401
    with app.app_context():
        assert db.session.query(AuditEntry).filter_by(action="user.login_failed").count() == 1


def test_login_is_rate_limited(app, client, world):
    for _ in range(app.config["LOGIN_FAILURES_LIMIT"]):
        client.post("/admin/auth/login", data={"username": "proctor_a", "password": "wrong-wrong"})
    response = client.post("/admin/auth/login", data={"username": "proctor_a", "password": PASSWORD})
    assert response.status_code == 429
    assert client.get("/admin/").status_code == 302


def test_next_never_leaves_the_console(client, world):
    response = client.post("/admin/auth/login?next=https://evil.example/", data={"username": "admin", "password": PASSWORD})
    assert response.headers["Location"].endswith("/admin/")


def test_deactivation_logs_out_everywhere(app, client, world, login):
    login("proctor_a")
    assert client.get("/admin/").status_code == 200
    with app.app_context():
        user = db.session.get(User, world.users["proctor_a"])
        accounts.set_active(user, False, Actor.cli(), "left the centre")
        db.session.commit()
    assert client.get("/admin/").status_code == 302


def test_language_switch(client, world, login):
    login("proctor_a")
    assert "Чыгуу" in client.get("/admin/?lang=ky").get_data(as_text=True)
    assert "Выйти" in client.get("/admin/?lang=ru").get_data(as_text=True)
    assert "Log out" in client.get("/admin/?lang=en").get_data(as_text=True)


def test_csrf_enforced_in_production_config(db_url, clock, tmp_path, world):
    """With CSRF on (the default), a login POST without the token is refused,
    and a JSON POST passes only with the X-CSRFToken header."""
    app = create_app({"MODE": "testing", "DATABASE_URL": db_url, "INSTANCE_PATH": str(tmp_path / "i2"), "CLOCK": clock})
    client = app.test_client()
    assert client.post("/admin/auth/login", data={"username": "admin", "password": PASSWORD}).status_code == 400
    page = client.get("/admin/auth/login").get_data(as_text=True)
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    response = client.post("/admin/auth/login", data={"username": "admin", "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302
    # A logout without the token is refused (CSRF error), with the header it works.
    assert client.post("/admin/auth/logout").status_code == 400
    assert client.post("/admin/auth/logout", headers={"X-CSRFToken": token}).status_code == 302
    db.dispose(app)
