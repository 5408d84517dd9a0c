"""The kiosk in a real browser: pairing, code login, answering with keyboard and
mouse, losing the network while answering, reloading, finishing; the result on
screen must equal the score computed independently from the answers given."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from examserver.db import db
from examserver.models import Attempt, BankItem, Room
from examserver.exam import codes
from examserver.exam import terminals
from examserver.core.audit import Actor
from question_bank.blueprint import Blueprint
from question_bank.drawing import Form
from question_bank.items import Item
from question_bank.scoring import score_form
from tests.factories import make_admitted_candidate, make_centre, make_open_session, make_room

pytestmark = pytest.mark.browser

VERDICTS = {
    "ky": {"meets": "Балл квалификациялык талаптарга жооп берет.",
           "does_not_meet": "Балл квалификациялык талаптарга жооп бербейт."},
    "ru": {"meets": "Балл соответствует квалификационным требованиям.",
           "does_not_meet": "Балл не соответствует квалификационным требованиям."},
}
OFFLINE = {"ky": "Байланыш жок", "ru": "Нет связи"}


@pytest.fixture
def app_config():
    """CSRF on, as in production: the kiosk must send its token."""
    return {"WTF_CSRF_ENABLED": True}


def _world(app) -> tuple[int, str, str]:
    """Centre, room, open session; one registered, admitted candidate with a code."""
    with app.app_context():
        proctor = Actor("user", None, "proctor")
        centre = make_centre(ky="Бишкек", ru="Бишкек")
        room = make_room(centre, seats=10)
        session = make_open_session(centre, room)
        participant, code = make_admitted_candidate(session, proctor, surname="Токтогулова", name="Айпери",
                                                    patronymic="Бакытовна", pin="21505199012345")
        db.session.commit()
        return room.id, codes.format_code(code), participant.full_name


def _enrol(app, room_id: int, pairing: str) -> None:
    with app.app_context():
        terminals.enrol(pairing, db.session.get(Room, room_id), "A-01", Actor("user", None, "proctor"))
        db.session.commit()


def _options(page) -> list[str]:
    page.wait_for_selector(".option")
    return [b.get_attribute("data-option") for b in page.query_selector_all(".option")]


def _current(page) -> int:
    return int(page.get_attribute(".pal.current", "data-slot"))


def _independent_score(app, given: dict[int, str]):
    with app.app_context():
        attempt = db.session.scalar(sa.select(Attempt))
        form = Form.from_dict(attempt.form)
        items = {}
        for slot in form.slots:
            row = db.session.scalar(sa.select(BankItem).where(BankItem.item_id == slot.item_id,
                                                             BankItem.version == slot.item_version))
            items[slot.item_ref] = Item.from_dict(row.payload)
        blueprint = Blueprint.from_dict(attempt.blueprint.payload)
        report = score_form(form, items, blueprint, {s: frozenset({o}) for s, o in given.items()})
        return report, attempt.total_points


@pytest.mark.parametrize("language", ["ky", "ru"])
def test_exam_in_the_browser(live_server, page, loaded_bank, language):
    app = loaded_bank
    room_id, code, name = _world(app)
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.accept()))   # must stay empty: the kiosk's own dialogs

    # An unknown browser shows a pairing code; the page moves on once enrolled.
    page.goto(live_server.url + "/kiosk/")
    pairing = page.text_content("#pairing-code").strip()
    _enrol(app, room_id, pairing)
    page.wait_for_selector("#code")

    page.fill("#code", code.lower())
    page.click("#code-submit")
    assert page.text_content("#candidate-name").strip() == name
    page.click(f"#lang-{language}")
    page.click("#start")
    page.wait_for_selector(".option")
    page.wait_for_function("document.getElementById('timer').textContent !== '--:--'")
    assert re.fullmatch(r"(29|30):\d\d", page.text_content("#timer"))
    total = len(page.query_selector_all(".pal"))
    given: dict[int, str] = {}

    # Q1 by digit key, then changed by the number pad (last answer wins).
    ids = _options(page)
    page.keyboard.press("2")
    given[1] = ids[1]
    page.keyboard.press("Numpad3")
    given[1] = ids[2]
    page.wait_for_selector('#save-status[data-state="saved"]')
    # Q2 with the mouse, after moving with the arrow key.
    page.keyboard.press("ArrowRight")
    assert _current(page) == 2
    ids = _options(page)
    page.click(f'.option[data-option="{ids[0]}"]')
    given[2] = ids[0]
    # Q3: digit key, and flagged with F.
    page.keyboard.press("ArrowRight")
    ids = _options(page)
    page.keyboard.press("2")
    given[3] = ids[1]
    page.keyboard.press("f")
    page.wait_for_selector('.pal.flagged[data-slot="3"]')
    page.wait_for_selector('#save-status[data-state="saved"]')

    # The network goes away while answering Q4 and Q5.
    page.route("**/kiosk/api/**", lambda route: route.abort())
    page.click("#next")
    ids = _options(page)
    page.keyboard.press("1")
    given[4] = ids[0]
    page.wait_for_selector('#save-status[data-state="offline"]')
    assert OFFLINE[language] in page.text_content("#save-status")
    page.keyboard.press("ArrowRight")
    ids = _options(page)
    page.click(f'.option[data-option="{ids[-1]}"]')
    given[5] = ids[-1]
    # Reload while still offline: the answers wait in localStorage.
    page.reload()
    page.unroute("**/kiosk/api/**")
    page.wait_for_selector(".option")
    page.wait_for_selector('#save-status[data-state="saved"]')
    assert _current(page) == 5
    assert page.get_attribute(f'.option[data-option="{given[5]}"]', "aria-checked") == "true"
    answered = {int(b.get_attribute("data-slot")) for b in page.query_selector_all(".pal.answered")}
    assert answered == {1, 2, 3, 4, 5}

    # A reload when online restores everything from the server.
    page.reload()
    page.wait_for_selector(".option")
    assert _current(page) == 5
    page.click('.pal[data-slot="6"]')
    ids = _options(page)
    page.keyboard.press("2")
    given[6] = ids[1]
    page.wait_for_selector('#save-status[data-state="saved"]')

    # Review lists the unanswered and flagged questions; then finish.
    page.click("#to-review")
    unanswered = page.text_content("#review-unanswered")
    assert [int(x) for x in re.findall(r"\d+", unanswered)] == list(range(7, total + 1))
    assert re.findall(r"\d+", page.text_content("#review-flagged")) == ["3"]
    page.click("#finish")
    page.wait_for_selector("#kiosk-dialog[open]")   # the kiosk's own confirmation, not confirm()
    page.click("#kiosk-dialog-ok")
    page.wait_for_selector("#result")
    assert dialogs == []

    report, stored = _independent_score(app, given)
    assert stored == report.total_points
    assert page.text_content("#total-points").strip() == f"{report.total_points} / {report.max_points}"
    for section in report.sections:
        shown = page.text_content(f'tr[data-section="{section.code}"] .points').strip()
        assert shown == f"{section.points} / {section.max_points}"
    assert page.text_content("#verdict").strip() == VERDICTS[language][report.verdict]
    assert page.get_attribute("html", "lang") == language
    assert page.query_selector("#print") is not None
