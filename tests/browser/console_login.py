"""Logging in to the console in the browser, as the bank workbench tests do."""
from __future__ import annotations

PASSWORD = "correct horse battery"


def login(page, base: str, username: str) -> None:
    """Log ``username`` (password :data:`PASSWORD`) in at ``base``/admin/ in Russian."""
    page.goto(f"{base}/admin/?lang=ru")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_selector("#logout")
