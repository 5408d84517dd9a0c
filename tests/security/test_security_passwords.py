"""The password rule, the rule on the form, and login timing that does not
reveal whether a username exists."""
from __future__ import annotations

import pytest
from argon2 import PasswordHasher

from examserver.core import accounts
from examserver.core.errors import ServiceError
from examserver.core.passwords import common_passwords
from examserver.demo import DEMO_PASSWORD
from tests.console.conftest import PASSWORD

WEAK = [
    "12345678",                  # accepted before: 8 digits
    "password",
    "ЖЖЖЖЖЖЖЖ",
    "ЖЖЖЖЖЖЖЖЖЖЖЖЖЖ",            # long enough, one letter
    "123456789012",              # counting
    "abcdefghijklmnop",
    "9876543210987",
    "qwertyuiop[]",              # a keyboard row
    "йцукенгшщзхъ",
    "qwerty123456",              # two runs
    "password2026!",             # a common password with a year stuck on
    "iloveyou1234",
    "abababababab",              # a short pattern repeated
    "Sultan.Proctor.2026",       # contains the username
]
STRONG = [PASSWORD, DEMO_PASSWORD, "Тоо-Ала-Тоо жайы 2026", "maple river 77 lantern"]


@pytest.mark.parametrize("password", WEAK)
def test_weak_passwords_are_refused(ctx, password):
    with pytest.raises(ServiceError) as refused:
        accounts.create_user("proctor", password, "admin", "Sultan")
    assert refused.value.code == "password"


@pytest.mark.parametrize("password", STRONG)
def test_good_passwords_are_accepted(ctx, password):
    assert accounts.create_user("sultan", password, "admin", "Sultan").id


def test_the_list_is_shipped_and_large():
    listed = common_passwords()
    assert len(listed) >= 10000 and {"password", "123456", "qwerty", "пароль"} <= listed


def test_the_form_shows_the_rule_and_refuses_a_weak_password(client, sworld, console_login):
    console_login("admin")
    page = client.get("/admin/users/?lang=ky").get_data(as_text=True)
    assert "Кеминде 12 белги" in page and 'minlength="12"' in page
    assert "Не менее 12 символов" in client.get("/admin/users/?lang=ru").get_data(as_text=True)
    response = client.post("/admin/users/new?lang=ru", data={
        "username": "newbie", "full_name": "Newbie", "role": "admin", "centre_id": "", "password": "password2026"},
        follow_redirects=True)
    assert "Этот пароль слишком распространён" in response.get_data(as_text=True)
    response = client.post("/admin/users/new?lang=en", data={
        "username": "newbie", "full_name": "Newbie", "role": "admin", "centre_id": "", "password": "12345678"},
        follow_redirects=True)
    assert "The password must be at least 12 characters long." in response.get_data(as_text=True)


@pytest.fixture
def verify_calls(monkeypatch):
    """Counts argon2 verifications (the library's, not ours): the expensive step of a login."""
    calls = []
    original = PasswordHasher.verify

    def counting(self, hash_, password):
        calls.append(hash_)
        return original(self, hash_, password)

    monkeypatch.setattr(PasswordHasher, "verify", counting)
    return calls


def test_unknown_and_known_names_cost_the_same(client, sworld, verify_calls):
    """Existing names used to be 11x slower: an unknown name now pays one verification too."""
    for username in ("nobody_here", "proctor_a"):
        verify_calls.clear()
        response = client.post("/admin/auth/login", data={"username": username, "password": "wrong-but-long"})
        assert response.status_code == 401
        assert len(verify_calls) == 1, username


def test_deactivated_account_costs_the_same(app, client, sworld, verify_calls):
    from examserver.db import db
    from examserver.models import User
    from examserver.core.audit import Actor

    with app.app_context():
        accounts.set_active(db.session.get(User, sworld.users["member_a"]), False, Actor.cli(), "left")
        db.session.commit()
    response = client.post("/admin/auth/login", data={"username": "member_a", "password": PASSWORD})
    assert response.status_code == 401 and len(verify_calls) == 1
