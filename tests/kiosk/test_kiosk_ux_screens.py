"""Issue 13 (server side): the kiosk's language before and after the candidate's
choice, an <h1> on every screen, the self-retrying offline page and the
service worker that shows it."""
from __future__ import annotations

import re

import pytest
from examserver.db import db
from examserver.exam import terminals
from examserver.models import Terminal


@pytest.fixture
def app_config():
    return {"DEFAULT_LOCALE": "ky"}


EN_BROWSER = {"Accept-Language": "en-US,en;q=0.9"}


def _lang(page: str) -> str:
    return re.search(r'<html lang="(\w+)"', page).group(1)


def _has_h1(page: str) -> bool:
    return re.search(r"<h1[ >]", page) is not None


def test_english_browser_gets_the_configured_default_until_the_candidate_chooses(kclient, candidate):
    page = kclient.get("/kiosk/", headers=EN_BROWSER).get_data(as_text=True)
    assert _lang(page) == "ky" and "Type the access code" not in page
    kclient.post("/kiosk/code", data={"code": candidate[1]}, headers=EN_BROWSER)
    assert _lang(kclient.get("/kiosk/confirm", headers=EN_BROWSER).get_data(as_text=True)) == "ky"
    kclient.post("/kiosk/confirm", data={"language": "ru"}, headers=EN_BROWSER)
    assert _lang(kclient.get("/kiosk/instructions", headers=EN_BROWSER).get_data(as_text=True)) == "ru"
    kclient.post("/kiosk/instructions", headers=EN_BROWSER)
    assert _lang(kclient.get("/kiosk/exam", headers=EN_BROWSER).get_data(as_text=True)) == "ru"
    # After the candidate closes the result, the next person starts in the default again.
    kclient.post("/kiosk/api/finish", json={"confirm": True})
    assert _lang(kclient.get("/kiosk/result", headers=EN_BROWSER).get_data(as_text=True)) == "ru"
    kclient.post("/kiosk/done")
    assert _lang(kclient.get("/kiosk/", headers=EN_BROWSER).get_data(as_text=True)) == "ky"


def test_pairing_screen_follows_the_default_not_the_browser(app):
    page = app.test_client().get("/kiosk/", headers=EN_BROWSER).get_data(as_text=True)
    assert _lang(page) == "ky" and "This terminal is not enrolled yet" not in page


def test_the_candidate_may_switch_between_ky_and_ru_before_choosing(kclient):
    assert _lang(kclient.get("/kiosk/?lang=ru", headers=EN_BROWSER).get_data(as_text=True)) == "ru"
    assert _lang(kclient.get("/kiosk/", headers=EN_BROWSER).get_data(as_text=True)) == "ru"


def test_every_screen_has_an_h1(app, kclient, candidate, kworld):
    pages = [app.test_client().get("/kiosk/").get_data(as_text=True),          # pairing
             kclient.get("/kiosk/").get_data(as_text=True)]                    # code entry
    kclient.post("/kiosk/code", data={"code": candidate[1]})
    pages.append(kclient.get("/kiosk/confirm").get_data(as_text=True))
    kclient.post("/kiosk/confirm", data={"language": "ky"})
    pages.append(kclient.get("/kiosk/instructions").get_data(as_text=True))
    kclient.post("/kiosk/instructions")
    pages.append(kclient.get("/kiosk/exam").get_data(as_text=True))
    kclient.post("/kiosk/api/finish", json={"confirm": True})
    pages.append(kclient.get("/kiosk/result").get_data(as_text=True))
    pages.append(kclient.get("/kiosk/offline").get_data(as_text=True))
    with app.app_context():
        terminals.lock(db.session.get(Terminal, kworld.terminal))
        db.session.commit()
    pages.append(kclient.get("/kiosk/").get_data(as_text=True))               # locked
    assert 'id="locked"' in pages[-1]
    assert all(_has_h1(p) for p in pages), [i for i, p in enumerate(pages) if not _has_h1(p)]


def test_offline_page_retries_by_itself_in_both_languages(client):
    r = client.get("/kiosk/offline", headers=EN_BROWSER)
    page = r.get_data(as_text=True)
    assert r.status_code == 200 and 'http-equiv="refresh"' in page
    assert "Сервер менен байланыш жок" in page and "Нет связи с сервером" in page


def test_service_worker_is_served_under_the_kiosk_scope(client):
    r = client.get("/kiosk/sw.js")
    assert r.status_code == 200 and r.mimetype == "text/javascript"
    assert r.headers["Cache-Control"] == "no-store"
    assert b"/kiosk/offline" in r.data


def test_server_error_on_a_kiosk_page_retries_by_itself(tmp_path, clock):
    """The database is unreachable: a kiosk page answers the self-retrying page
    (503), the API a JSON error the kiosk keeps its queue on (never a bare 500 page)."""
    from examserver import create_app

    broken = create_app({"MODE": "testing", "DATABASE_URL": f"sqlite:///{tmp_path}/missing/dir/exam.db",
                         "INSTANCE_PATH": str(tmp_path / "instance"), "CLOCK": clock, "PROPAGATE_EXCEPTIONS": False})
    try:
        client = broken.test_client()
        r = client.get("/kiosk/")
        page = r.get_data(as_text=True)
        assert r.status_code == 503 and 'id="offline-page"' in page and 'http-equiv="refresh"' in page
        client.set_cookie("exam_terminal", "x" * 43, path="/kiosk")
        r = client.get("/kiosk/api/state")
        assert r.status_code in (500, 503) and r.is_json and r.get_json()["error"]   # JSON: the queue is kept
    finally:
        db.dispose(broken)
