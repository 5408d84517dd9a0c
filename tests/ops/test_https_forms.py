"""Forms work over HTTPS: Flask-WTF checks the Referer of a POST made over
TLS, so the pages must let the browser send it to their own origin
(``Referrer-Policy: same-origin``), never to another site."""
from __future__ import annotations

import pytest


@pytest.fixture
def app_config():
    return {"WTF_CSRF_ENABLED": True}


def test_pages_send_their_referer_to_their_own_origin_only(app):
    client = app.test_client()
    page = client.get("/admin/auth/login", base_url="https://exam.local")
    assert page.headers["Referrer-Policy"] == "same-origin"
    import re

    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.get_data(as_text=True)).group(1)
    form = {"username": "nobody", "password": "wrong password here", "csrf_token": token}
    without = client.post("/admin/auth/login", data=form, base_url="https://exam.local")
    assert without.status_code == 400  # what a browser would get under no-referrer
    with_referer = client.post("/admin/auth/login", data=form, base_url="https://exam.local",
                               headers={"Referer": "https://exam.local/admin/auth/login"})
    assert with_referer.status_code != 400 or "referrer" not in with_referer.get_data(as_text=True).lower()
