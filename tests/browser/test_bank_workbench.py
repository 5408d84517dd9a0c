"""The bank workbench in a real browser: an author drafts an item and sends it for review; the
author cannot approve it (four eyes); another administrator approves it; the item is drawn into
new attempts; after they finish, its statistics and plots appear. CSRF is on, as in production."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from examserver.bank import workflow
from examserver.core import accounts
from examserver.core.audit import Actor
from examserver.db import db
from examserver.models import Attempt, Role
from tests.appeals.conftest import build_world
from tests.bank.test_statistics_service import sit
from tests.browser.console_login import PASSWORD, login

pytestmark = pytest.mark.browser


@pytest.fixture
def app_config():
    return {"WTF_CSRF_ENABLED": True}


def plot_loaded(page, selector: str) -> bool:
    """The image has been fetched and decoded (an SVG from the server, not a broken image)."""
    image = page.locator(selector).first
    expect(image).to_have_js_property("complete", True)
    return image.evaluate("img => img.naturalWidth > 0")


def test_author_drafts_another_admin_approves_the_item_is_drawn_and_analysed(app, loaded_bank, live_server, page,
                                                                            clock):
    with app.app_context():
        world = build_world()
        for name in ("author", "reviewer"):
            accounts.create_user(name, PASSWORD, Role.ADMIN, name.title(), None)
        # Leave one other approved GEN_A item, so the blueprint's two GEN_A questions include the new one.
        for n in range(2, 7):
            workflow.transition(workflow.get_version(f"GEN_A-00{n}"), "retire", Actor.cli(), "test set-up")
        db.session.commit()
    base = live_server.url

    login(page, base, "author")
    page.goto(f"{base}/admin/bank/")
    page.click("#new-item")
    page.fill("input[name=id]", "GEN_A-777")
    page.select_option("select[name=topic]", "GEN_A")
    page.fill("input[name=source]", "Общий закон А, ст. 7")
    page.fill("textarea[name=text_ky]", "Мыйзам качан күчүнө кирет?")
    page.fill("textarea[name=text_ru]", "Когда закон вступает в силу?")
    for oid, ky, ru in [("a", "Кол коюлган күнү", "В день подписания"),
                        ("b", "Расмий жарыяланган күндөн тартып он күн өткөндө", "Через десять дней после опубликования"),
                        ("c", "Жарыяланган күнү", "В день опубликования"), ("d", "Бир жылдан кийин", "Через год")]:
        page.fill(f"input[name=opt_{oid}_ky]", ky)
        page.fill(f"input[name=opt_{oid}_ru]", ru)
    page.check("input[name=key_b]")
    page.click("#save-item")
    page.wait_for_selector("#item-status >> text=черновик")
    page.click("#do-submit")
    page.wait_for_selector("#item-status >> text=на проверке")
    page.click("#do-approve")
    page.wait_for_selector(".flash.error >> text=Автор не может утвердить свой вопрос")
    page.click("#logout")

    login(page, base, "reviewer")
    page.goto(f"{base}/admin/bank/?q=вступает")
    page.click("#items >> text=GEN_A-777")
    page.fill("#review form:has(#do-approve) input[name=comment]", "Сверено со ст. 7")
    page.click("#do-approve")
    page.wait_for_selector("#item-status >> text=утверждён")
    assert page.is_visible("#history >> text=Сверено со ст. 7")

    with app.app_context():
        for n, correct in enumerate([7, 5, 3, 1]):
            sit(world, f"2150519901234{n}", correct, clock)
        db.session.commit()
        forms = [a.form for a in db.session.scalars(sa.select(Attempt))]
        assert all(any(s["item_id"] == "GEN_A-777" for s in form["slots"]) for form in forms)

    page.goto(f"{base}/admin/bank/statistics")
    page.wait_for_selector("#stats-TEST-U-A")
    assert page.is_visible("#stats-TEST-U-A >> text=GEN_A-777 v1")
    assert plot_loaded(page, "#stats-TEST-U-A img.plot")
    page.click("#stats-TEST-U-A >> text=GEN_A-777 v1")
    page.wait_for_selector("#item-stats .item-stat")
    assert page.is_visible("#usage >> text=TEST-U-A: тестирований — 4")
    assert plot_loaded(page, "#item-stats img.plot-options")
