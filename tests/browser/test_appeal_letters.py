"""The commission sees what the candidate saw, and corrects by clicking.

A Kyrgyz attempt (options shown as А Б В Г in a shuffled order) is appealed;
the chair opens the review in a real browser: the options carry the
candidate's Cyrillic letters in the order shown, the player reads in words,
radio buttons sit next to their labels; the chair upholds the appeal and
chooses the corrected answer by clicking the option (never by typing an id);
the confirmation appears next to the signing block, on screen.
"""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from examserver.appeals import filing as appeals, replay
from examserver.core.audit import Actor
from examserver.db import db
from examserver.models import Appeal, Attempt, Terminal
from tests.appeals.conftest import PASSWORD, build_world, take_test
from tests.appeals.helpers import make_commission

pytestmark = pytest.mark.browser


@pytest.fixture
def app_config():
    """CSRF on, as in production."""
    return {"WTF_CSRF_ENABLED": True}


def _appealed(app) -> dict:
    """A finished Kyrgyz attempt (3 of 7 right) with an appeal, and a commission; what the test needs."""
    with app.test_request_context():
        world = build_world()
        attempt = take_test(world, "21234567890501", correct=3, language="ky")
        make_commission(world, ("member1", "member2"))
        terminal = db.session.get(Terminal, world.terminal)
        appeal = appeals.file_appeal(attempt, "Экинчи суроого башка жооп бергем.", "kiosk",
                                     Actor("terminal", terminal.id, "terminal", world.centre))
        rp = replay.replay_attempt(attempt)
        wrong = next(s for s in rp.recomputed.slots if not s.correct)
        slot = rp.form.slot(wrong.index)
        item = rp.items[slot.item_ref]
        db.session.commit()
        return {"appeal": appeal.id, "slot": slot.index, "order": list(slot.option_order),
                "key": sorted(item.key), "texts": [item.option(o).text["ky"] for o in slot.option_order],
                "member1": world.users["member1"]}


def test_review_in_the_candidates_letters_and_correction_by_click(live_server, browser, loaded_bank):
    app = loaded_bank
    info = _appealed(app)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15000)
    page = context.new_page()
    page.goto(live_server.url + "/admin/auth/login?lang=ru")
    page.fill("#username", "chair")
    page.fill("#password", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_selector("#logout")
    page.goto(f"{live_server.url}/admin/appeals/{info['appeal']}?lang=ru")

    # The question as the candidate saw it: Cyrillic letters, shuffled order, Kyrgyz text.
    n = info["slot"]
    options = page.query_selector_all(f"#q-{n} ol.options li")
    letters = [li.query_selector("b").text_content() for li in options]
    assert letters == list("АБВГ"[:len(info["order"])])
    for li, text in zip(options, info["texts"]):
        assert text in li.text_content()
    key_letters = "".join("АБВГ"[info["order"].index(o)] for o in sorted(info["key"], key=info["order"].index))
    assert page.text_content(f"#q-{n} td.big >> nth=1").strip() == key_letters
    assert "chain ok" in page.get_attribute("#chain-status", "class")

    # The player speaks Russian, not event codes.
    page.click("#step-first")
    assert "тест начат" in page.text_content("#step-now").lower()
    page.click("#step-next")
    now = page.text_content("#step-now")
    assert "ответ" in now and "key:" not in now and "answer" not in now

    # Decide: upheld, technical fault, rescore; the correction is a click on the option.
    page.check(f'#decision-form input[name="present"][value="{info["member1"]}"]')
    page.click('#decision-form label:has(input[name="decision"][value="upheld"])')
    page.click('#decision-form label:has(input[name="grounds"][value="technical_fault"])')
    page.click('#decision-form label:has(input[name="remedy"][value="rescore"])')
    page.click(f"#corr-{n} summary")
    target = page.locator(f'#corr-{n} label:has(input[data-letter="{key_letters[0]}"])')
    radio = target.locator("input")
    # The radio sits on the same line as its letter and text, just before them.
    rbox, lbox = radio.bounding_box(), target.locator("b").bounding_box()
    assert abs((rbox["y"] + rbox["height"] / 2) - (lbox["y"] + lbox["height"] / 2)) < 12
    assert 0 <= lbox["x"] - (rbox["x"] + rbox["width"]) < 40
    target.locator("b").click()  # clicking the label's letter ticks the radio
    assert radio.is_checked()
    assert page.query_selector(f'#corr-{n} input[type="text"][name^="corr_options"]') is None
    page.fill(f"#corr-reason-{n}", "Экран басылганды жазган жок")
    page.fill('#decision-form textarea[name="text"]', "Техникалык ката далилденди.")
    page.click("#decide-submit")
    page.wait_for_selector("#sign-form")

    # The confirmation is next to the signing block, and on screen.
    notice = page.locator("#signing .flash.success")
    assert notice.count() == 1 and notice.is_visible()
    box = notice.bounding_box()
    assert 0 <= box["y"] < 900
    assert page.query_selector(".flashes") is None
    with app.app_context():
        appeal = db.session.scalar(sa.select(Appeal).where(Appeal.id == info["appeal"]))
        corrections = appeal.decision_details["corrections"]
        assert [(c["slot"], c["selected"]) for c in corrections] == [(n, info["key"][:1])]
        attempt = db.session.get(Attempt, appeal.attempt_id)
        assert appeal.decision_details["corrected"]["total"] == attempt.total_points + 1
    context.close()
