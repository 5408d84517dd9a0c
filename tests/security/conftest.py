"""Fixtures of the security tests: the console world (two centres, one account
per role) and a login helper that returns the session cookie it was given."""
from __future__ import annotations

import pytest

from tests.console.conftest import PASSWORD, make_world


@pytest.fixture
def sworld(app):
    """Centres A and B, rooms, and accounts admin, proctor_a, proctor_b, chair_a, member_a (committed)."""
    with app.app_context():
        return make_world()


@pytest.fixture
def console_login(client):
    """``console_login(username)`` logs ``client`` in through the form; returns the session cookie value."""

    def do(username: str, password: str = PASSWORD, who=None):
        who = who or client
        response = who.post("/admin/auth/login", data={"username": username, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)
        cookie = who.get_cookie("session")
        assert cookie is not None
        return cookie.value

    return do
