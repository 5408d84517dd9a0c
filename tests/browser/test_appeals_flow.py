"""A technical appeal end to end in a real browser: the candidate finishes and
files an appeal at the kiosk; the chair and two members open it in the console
and step through the journal replay; the chair records the decision; each
member confirms with their own password; the appeal protocol PDF verifies."""
from __future__ import annotations


import pytest

from examserver.db import db
from examserver.models import Room
from examserver.core import accounts
from examserver.exam import codes
from examserver.appeals import commissions
from examserver.exam import terminals
from examserver.core.audit import Actor
from examserver.protocols.verify import trusted_keys, verify_bytes
from tests.factories import make_admitted_candidate, make_centre, make_open_session, make_room

pytestmark = pytest.mark.browser
PASSWORD = "correct horse battery"


@pytest.fixture
def app_config():
    """CSRF on, as in production."""
    return {"WTF_CSRF_ENABLED": True}


def _world(app) -> tuple[int, str]:
    with app.app_context():
        cli = Actor.cli()
        centre = make_centre()
        room = make_room(centre, seats=10)
        proctor = accounts.create_user("proctor", PASSWORD, "proctor", "Токтогулов Бакыт", centre, cli)
        chair = accounts.create_user("chair", PASSWORD, "chair", "Осмонова Нургүл", centre, cli)
        m1 = accounts.create_user("member1", PASSWORD, "member", "Жээнбеков Үмөт", centre, cli)
        m2 = accounts.create_user("member2", PASSWORD, "member", "Иванова Ольга", centre, cli)
        commissions.create_commission(centre, "Техникалык комиссия", chair, [m1, m2], cli)
        session = make_open_session(centre, room, proctor_id=proctor.id)
        _participant, code = make_admitted_candidate(session, cli)
        db.session.commit()
        return room.id, codes.format_code(code)


def _verify_in_thread(app, raw: bytes):
    """Verify off the main thread: Playwright's sync API keeps an asyncio loop
    running there, and pyHanko's validation calls asyncio.run()."""
    from concurrent.futures import ThreadPoolExecutor

    def run():
        with app.app_context():
            return verify_bytes(raw, trusted_keys())

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(run).result()


def _login(browser, url: str, username: str):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15000)
    page = context.new_page()
    page.goto(url + "/admin/auth/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_selector("#logout")
    return context, page


def test_appeal_from_kiosk_to_signed_protocol(live_server, page, browser, loaded_bank):
    app = loaded_bank
    room_id, code = _world(app)

    # The candidate takes the test at the kiosk and files an appeal from the result screen.
    page.on("dialog", lambda d: d.accept())
    page.goto(live_server.url + "/kiosk/")
    pairing = page.text_content("#pairing-code").strip()
    with app.app_context():
        terminals.enrol(pairing, db.session.get(Room, room_id), "A-01", Actor.cli())
        db.session.commit()
    page.wait_for_selector("#code")
    page.fill("#code", code)
    page.click("#code-submit")
    page.click("#lang-ky")
    page.click("#start")
    page.wait_for_selector(".option")
    page.keyboard.press("2")
    page.wait_for_selector('#save-status[data-state="saved"]')
    page.keyboard.press("ArrowRight")
    page.wait_for_selector(".option")
    page.click(".option >> nth=0")
    page.wait_for_selector('#save-status[data-state="saved"]')
    page.click("#to-review")
    page.click("#finish")
    page.click("#kiosk-dialog-ok")   # the kiosk's own confirmation dialog (no confirm())
    page.wait_for_selector("#result")
    page.fill("#statement", "Мен 2-суроого башка жооп бергем деп ойлойм.")
    page.click("#appeal")
    page.wait_for_selector("#appeal-filed")

    # Two members open the appeal on their own screens and step through the replay.
    for username in ("member1", "member2"):
        context, mpage = _login(browser, live_server.url, username)
        mpage.goto(live_server.url + "/admin/appeals/")
        mpage.click("#appeals tbody a")
        mpage.wait_for_selector("#player")
        mpage.click("#step-next")
        assert mpage.text_content("#step-now").startswith("1 / ")
        assert mpage.query_selector("#decision-form") is None   # only the chair decides
        context.close()

    # The chair opens it on the projector, replays with the keyboard, decides.
    context, cpage = _login(browser, live_server.url, "chair")
    cpage.goto(live_server.url + "/admin/appeals/")
    cpage.click("#appeals tbody a")
    assert "chain ok" in cpage.get_attribute("#chain-status", "class")
    assert cpage.get_attribute("#score-match", "class") == "verdict ok"
    assert cpage.text_content("#stored-score") == cpage.text_content("#recomputed-score")
    cpage.focus("#step-first")
    cpage.keyboard.press("Enter")
    assert cpage.text_content("#step-now").startswith("1 / ")
    cpage.keyboard.press("ArrowRight")
    cpage.keyboard.press("ArrowRight")
    assert cpage.text_content("#step-now").startswith("3 / ")
    assert "current" in cpage.get_attribute("#step-2", "class")
    cpage.select_option("#jump", "2")
    assert "focus" in cpage.get_attribute("#q-2", "class")
    cpage.keyboard.press("End")
    total = len(cpage.query_selector_all("#steps tbody tr"))
    assert cpage.text_content("#step-now").startswith(f"{total} / {total}")

    for label in cpage.query_selector_all('#decision-form input[name="present"]:not([disabled])'):
        label.check()
    cpage.check('#decision-form input[name="decision"][value="rejected"]')
    cpage.fill('#decision-form textarea[name="text"]', "Журнал бүтүн, балл туура эсептелген.")
    cpage.click("#decide-submit")
    cpage.wait_for_selector("#sign-form")

    # A wrong password signs nothing; then each member present types their own.
    cpage.fill("#sign-password", "not my password")
    cpage.click("#sign-submit")
    cpage.wait_for_selector(".flash.error")
    for _ in range(3):
        cpage.fill("#sign-password", PASSWORD)
        cpage.click("#sign-submit")
        cpage.wait_for_selector(".flash.success")
    cpage.wait_for_selector("#protocol-pdf")
    assert "signed" in cpage.get_attribute("#appeal-state", "class")

    pdf = cpage.request.get(live_server.url + cpage.get_attribute("#protocol-pdf", "href"))
    assert pdf.ok and pdf.body().startswith(b"%PDF")
    report = _verify_in_thread(app, pdf.body())
    assert report.ok, [(c.name, c.detail) for c in report.checks if not c.ok]
    assert any(c.name == "commission members' personal signatures" and c.ok for c in report.checks)
    context.close()
