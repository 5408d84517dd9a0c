"""A competition in a real browser, from the announcement to the signed
protocol and the letters: the administrator announces it, links the session
whose candidates sat the test, reads the ranking, signs the protocol (its PDF
verifies offline), issues the results letters and downloads one and the CSV."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from examserver.db import db
from examserver.models import Participant, Terminal, TerminalState
from examserver.core import accounts
from examserver.core.audit import Actor
from examserver.protocols.verify import trusted_keys, verify_bytes
from tests.competitions.conftest import CompWorld, candidate
from tests.factories import make_centre, make_open_session, make_room

pytestmark = pytest.mark.browser
PASSWORD = "correct horse battery"


@pytest.fixture
def app_config():
    """CSRF on, as in production."""
    return {"WTF_CSRF_ENABLED": True}


def _world(app) -> CompWorld:
    with app.app_context():
        centre = make_centre()
        room = make_room(centre)
        admin = accounts.create_user("admin", PASSWORD, "admin", "Айгүл Сыдыкова", None, Actor.cli())
        session = make_open_session(centre, room, title="Конкурс: мектеп директору")
        terminal = Terminal(secret_hash="b" * 64, state=TerminalState.ENROLLED, centre_id=centre.id, room_id=room.id,
                            seat="A-01", created_at=session.created_at, enrolled_at=session.created_at)
        db.session.add(terminal)
        db.session.flush()
        world = CompWorld(centre.id, room.id, session.id, terminal.id, admin.id)
        candidate(world, "21505199012341", 7, "Алиев")
        candidate(world, "21505199012342", 5, "Бекова")
        candidate(world, "21505199012343", 3, "Чынаров")
        db.session.commit()
        return world


def _in_thread(app, fn):
    """Run off the main thread: Playwright's sync API keeps an asyncio loop
    running there, and pyHanko's validation calls asyncio.run()."""
    from concurrent.futures import ThreadPoolExecutor

    def run():
        with app.app_context():
            return fn()

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(run).result()


def test_competition_from_announcement_to_protocol_and_letters(live_server, page, loaded_bank):
    app = loaded_bank
    world = _world(app)
    url = live_server.url
    page.goto(url + "/admin/auth/login?lang=en")
    page.fill("#username", "admin")
    page.fill("#password", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_selector("#logout")

    page.goto(url + "/admin/competitions/")
    page.fill("#competition-form input[name=code]", "EDU-2026-1")
    page.fill("#competition-form input[name=title]", "Мектеп директору")
    page.select_option("#competition-form select[name=rule_set]", "education")
    page.fill("#competition-form input[name=applications_until]", "2026-11-20")
    page.fill("#competition-form input[name=test_date]", "2026-11-23")
    page.click("#announce")
    page.wait_for_selector("#link-form")
    assert "EDU-2026-1" in page.content()

    page.select_option("#link-form select[name=session_id]", str(world.session))
    page.click("#link-session")
    page.wait_for_selector("#ranking")
    rows = page.locator("#ranking tbody tr")
    assert rows.count() == 3
    assert "Алиев" in rows.nth(0).text_content() and "7/7" in rows.nth(0).text_content()
    assert "below" in rows.nth(2).text_content()
    assert "Алиев" in page.text_content("#winner")
    assert "Бекова" in page.text_content("#reserve") and "Чынаров" not in page.text_content("#reserve")

    app.config["CLOCK"].advance(minutes=61)   # the appeal window has closed
    page.reload()
    page.click("#sign-protocol")
    page.wait_for_selector("#protocol-pdf")
    with page.expect_download() as download:
        page.click("#protocol-pdf")
    with open(download.value.path(), "rb") as handle:
        pdf = handle.read()
    report = _in_thread(app, lambda: verify_bytes(pdf, trusted_keys()))
    assert report.ok, [(c.name, c.detail) for c in report.checks if not c.ok]
    assert report.record["kind"] == "competition"

    page.click("#issue-letters")
    page.wait_for_selector(".flash.success")
    with page.expect_download() as download:
        page.locator(".letter-link").first.click()
    with open(download.value.path(), "rb") as handle:
        assert handle.read().startswith(b"%PDF")
    with page.expect_download() as download:
        page.click("#letters-csv")
    with open(download.value.path(), encoding="utf-8-sig") as handle:
        text = handle.read()
    assert "winner" in text and "reserve" in text and "below_threshold" in text
    with app.app_context():
        pins = set(db.session.scalars(sa.select(Participant.pin)))
    assert all(pin in text for pin in pins)


def test_competition_pages_in_every_state_pass_axe(live_server, browser, loaded_bank):
    """The forms each state shows (additional test, interview votes, decisions)
    have no critical or serious axe violation and no empty table header."""
    import json
    from pathlib import Path

    from examserver.competitions import announce
    from examserver.models import Centre, ExamSession, Position
    from tests.competitions.conftest import register

    axe = Path(__file__).resolve().parent / "axe" / "node_modules" / "axe-core" / "axe.min.js"
    if not axe.exists():
        pytest.fail(f"axe-core missing at {axe}: run `make axe`")
    app = loaded_bank
    world = _world(app)   # Алиев 7/7, Бекова 5/7, Чынаров 3/7
    with app.app_context():
        centre, session = db.session.get(Centre, world.centre), db.session.get(ExamSession, world.session)
        position = db.session.scalar(sa.select(Position).where(Position.code == "TEST-POS-1"))
        actor = Actor.cli()
        ids = []
        for code, rules in (("MUN-A", "municipal"), ("EDU-A", "education")):
            comp = announce.announce(centre, position, code, "Конкурс", rules, session.session_date,
                                     session.session_date, actor)
            announce.link_session(comp, session, actor)
            ids.append(comp.id)
        candidate(world, "21505199012344", 7, "Дуйшеев")   # a tie at the top for EDU-A
        register(world, "21505199012345", "Эсенов", admitted=False)
        db.session.commit()
    context = browser.new_context(viewport={"width": 1024, "height": 768}, bypass_csp=True)
    context.set_default_timeout(15000)
    page = context.new_page()
    page.goto(live_server.url + "/admin/auth/login")
    page.fill("#username", "admin")
    page.fill("#password", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_selector("#logout")
    problems = {}
    for comp_id, form in zip(ids, ("#votes-form", "#tiebreak-form")):
        for lang in ("ky", "ru"):
            page.goto(f"{live_server.url}/admin/competitions/{comp_id}?lang={lang}")
            page.wait_for_selector(form)
            page.add_script_tag(path=str(axe))
            found = page.evaluate("""async () => {
                const r = await axe.run(document, {resultTypes: ['violations'],
                                                   rules: {'empty-table-header': {enabled: true}}});
                return r.violations.filter(v => ['critical', 'serious'].includes(v.impact)
                                                || v.id === 'empty-table-header')
                                   .map(v => ({id: v.id, nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
            }""")
            if found:
                problems[f"{comp_id} {lang}"] = found
    context.close()
    assert not problems, json.dumps(problems, ensure_ascii=False)
