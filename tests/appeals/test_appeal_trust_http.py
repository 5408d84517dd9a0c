"""The appeal review through HTTP: who may see it, what it shows (the
candidate's own letters, every difference from the signed protocol), how a
correction is chosen (by clicking options), where messages appear, and ids
from forms that never reveal another centre's people."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from examserver.db import db
from examserver.exam import journal
from examserver.models import Appeal, Attempt, JournalEvent
from examserver.appeals import replay

from .conftest import PASSWORD, take_test
from .helpers import make_commission

HUGE = "9" * 15


@pytest.fixture
def login(client):
    def do(username: str, password: str = PASSWORD):
        client.post("/admin/auth/logout")
        response = client.post("/admin/auth/login", data={"username": username, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)
    return do


@pytest.fixture
def appealed(app, aworld, client, login):
    """A finished Kyrgyz attempt (3 of 7 right), a commission (chair, member1, member2) and an appeal; its id."""
    with app.test_request_context():
        attempt = take_test(aworld, "21234567890401", correct=3, language="ky")
        make_commission(aworld, ("member1", "member2"))
        db.session.commit()
        attempt_id = attempt.id
    login("proctor")
    client.post("/admin/appeals/file", data={"attempt_id": attempt_id, "statement": "Арыз"})
    with app.app_context():
        return db.session.scalar(sa.select(Appeal.id).where(Appeal.attempt_id == attempt_id))


def _page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def test_only_the_commission_and_administrators_see_the_review(client, login, appealed):
    url = f"/admin/appeals/{appealed}"
    for name, status in (("proctor", 403), ("member3", 403), ("member_osh", 404), ("proctor_osh", 403),
                         ("member1", 200), ("chair", 200), ("admin", 200)):
        login(name)
        assert client.get(url).status_code == status, name
    for name in ("proctor", "member3"):
        login(name)
        assert client.post(f"{url}/sign", data={"member_id": "1", "password": PASSWORD}).status_code == 403, name
        assert client.post(f"{url}/decide", data={"decision": "rejected", "text": "x"}).status_code == 403, name
    login("proctor")
    listing = _page(client, "/admin/appeals/")
    assert "AP-BISH-2026-" in listing and url not in listing  # the list stays visible; no link to the keys
    login("member1")
    assert f'href="{url}"' in _page(client, "/admin/appeals/")


def test_filing_proctor_is_sent_to_the_list_not_the_keys(client, login, app, aworld):
    with app.test_request_context():
        attempt = take_test(aworld, "21234567890402", correct=3)
        make_commission(aworld, ("member1",))
        db.session.commit()
        attempt_id = attempt.id
    login("proctor")
    response = client.post("/admin/appeals/file", data={"attempt_id": attempt_id, "statement": "Арыз"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/admin/appeals/")


def test_review_shows_the_candidates_cyrillic_letters_in_shown_order(client, login, appealed, app):
    login("chair")
    page = _page(client, f"/admin/appeals/{appealed}?lang=ru")
    with app.app_context():
        attempt = db.session.get(Attempt, db.session.scalar(sa.select(Appeal.attempt_id)))
        rp = replay.replay_attempt(attempt)
        items = rp.items
        form = rp.form
    for slot in form.slots:
        item = items[slot.item_ref]
        row = page[page.index(f'id="q-{slot.index}"'):]
        row = row[:row.index("</tr>")]
        shown = re.findall(r"<li[^>]*><b>(.)</b> ([^<]*)", row)
        assert [letter for letter, _ in shown] == list("АБВГ"[:len(slot.option_order)])
        # Same shuffled order and the same Kyrgyz texts as the kiosk showed.
        assert [text.strip() for _, text in shown] == [item.option(o).text["ky"] for o in slot.option_order]
        key = "".join("АБВГ"[slot.option_order.index(o)] for o in sorted(item.key, key=slot.option_order.index))
        assert f'<td class="big">{key}</td>' in row
    assert not re.search(r"<b>[A-D]</b>", page)


def test_player_speaks_russian_not_event_codes(client, login, appealed):
    login("chair")
    page = _page(client, f"/admin/appeals/{appealed}?lang=ru")
    steps = page[page.index('id="steps"'):page.index("</table>", page.index('id="steps"'))]
    assert "<td>answer</td>" not in steps and "<td>start</td>" not in steps and "key:" not in steps
    assert "ответ" in steps and "тест начат" in steps.lower()
    assert "⏮" not in page and "⏭" not in page  # glyphs the DejaVu font lacks


def test_correction_chosen_by_clicking_an_option(client, login, appealed, app, aworld):
    with app.app_context():
        rp = replay.replay_attempt(db.session.get(Attempt, db.session.scalar(sa.select(Appeal.attempt_id))))
        slot = next(s for s in rp.form.slots if s.index not in {x.index for x in rp.recomputed.slots if x.correct})
        key = sorted(rp.items[slot.item_ref].key)
    login("chair")
    page = _page(client, f"/admin/appeals/{appealed}")
    assert f'name="corr_{slot.index}" value="{key[0]}"' in page and "option ids" not in page
    base = {"decision": "upheld", "grounds": "technical_fault", "remedy": "rescore",
            "text": "Жазуу катасы далилденди", "present": [aworld.users["member1"]]}
    base.update({f"corr_shown_{s.index}": "1" for s in rp.form.slots})
    base.update({f"corr_{s.index}": sorted(rp.answers.get(s.index, ()))[:1] for s in rp.form.slots})
    # The same answer as recorded, with a reason: refused next to the decision form.
    same = dict(base, **{f"corr_reason_{slot.index}": "себеп"})
    response = client.post(f"/admin/appeals/{appealed}/decide", data=same)
    assert response.headers["Location"].endswith("#decision-form")
    page = _page(client, f"/admin/appeals/{appealed}?lang=en")
    form = page[page.index('id="decision-form"'):]
    assert "flash error" in form[:form.index("</fieldset>")]
    assert 'class="flashes"' not in page
    chosen = dict(base, **{f"corr_{slot.index}": key[0], f"corr_reason_{slot.index}": "Экран жазган жок"})
    response = client.post(f"/admin/appeals/{appealed}/decide", data=chosen)
    assert response.headers["Location"].endswith("#signing")
    with app.app_context():
        appeal = db.session.get(Appeal, appealed)
        corrections = appeal.decision_details["corrections"]
        assert [(c["slot"], c["selected"]) for c in corrections] == [(slot.index, key[:1])]
        assert appeal.decision_details["corrected"]["total"] == rp.recomputed.total_points + 1
        # The protocol names the options by the letters the candidate saw.
        assert corrections[0]["letters"] == "АБВГ"[slot.option_order.index(key[0])]
    page = _page(client, f"/admin/appeals/{appealed}?lang=en")
    signing = page[page.index('id="signing"'):]
    assert "flash success" in signing[:signing.index("</h2>") + 400]
    assert 'class="flashes"' not in page


def test_sign_with_an_id_outside_the_commission_reveals_nothing(client, login, appealed, aworld):
    login("chair")
    client.post(f"/admin/appeals/{appealed}/decide", data={"decision": "rejected", "text": "Балл туура",
                                                           "present": [aworld.users["member1"]]})
    for member_id in (aworld.users["member_osh"], aworld.users["member3"], 987654, HUGE, "x"):
        response = client.post(f"/admin/appeals/{appealed}/sign", data={"member_id": member_id, "password": "p"})
        assert response.status_code == 302
        page = _page(client, f"/admin/appeals/{appealed}?lang=en")
        assert "Member_Osh" not in page and "Member3" not in page
        assert "flash error" in page[page.index('id="signing"'):]


def test_commission_ids_from_another_centre_are_refused_without_names(client, login, aworld):
    login("proctor")
    for chair_id in (aworld.users["member_osh"], aworld.users["proctor_osh"], 987654):
        page = client.post("/admin/appeals/commissions?lang=en", data={
            "name": "Комиссия", "chair_id": aworld.users["chair"], "member_ids": [aworld.users["member1"], chair_id]},
            follow_redirects=True).get_data(as_text=True)
        assert "flash error" in page and "from this centre" in page
        assert "Member_Osh" not in page and "Proctor_Osh" not in page
    for field, value in (("chair_id", HUGE), ("member_ids", HUGE), ("session_id", HUGE), ("chair_id", "-1")):
        data = {"name": "Комиссия", "chair_id": aworld.users["chair"], field: value}
        response = client.post("/admin/appeals/commissions", data=data, follow_redirects=True)
        assert response.status_code < 500 and "flash error" in response.get_data(as_text=True)
    response = client.post("/admin/appeals/commissions/1/members", data={"user_id": aworld.users["member_osh"]},
                           follow_redirects=True)
    assert "Member_Osh" not in response.get_data(as_text=True)


def test_huge_ids_in_urls_and_forms_are_4xx(client, login, appealed):
    login("admin")
    assert client.get(f"/admin/appeals/{HUGE}").status_code == 404
    assert client.post(f"/admin/appeals/{HUGE}/sign", data={"member_id": "1"}).status_code == 404
    assert client.get(f"/admin/appeals/{HUGE}/protocol.pdf").status_code == 404
    assert client.get(f"/admin/appeals/commissions?centre_id={HUGE}").status_code == 200
    login("proctor")
    response = client.post("/admin/appeals/file", data={"attempt_id": HUGE, "statement": "x"})
    assert response.status_code == 200 and "flash error" in response.get_data(as_text=True)


def test_review_shows_what_differs_from_the_signed_protocol(client, login, appealed, app):
    with app.app_context():
        attempt = db.session.get(Attempt, db.session.scalar(sa.select(Appeal.attempt_id)))
        finish = next(e for e in journal.events_for(attempt) if e.kind == "finish")
        attempt.total_points = 7  # the stored column is edited as well; it is never the reference
        db.session.execute(sa.delete(JournalEvent).where(JournalEvent.id == finish.id))
        db.session.commit()
    login("chair")
    page = _page(client, f"/admin/appeals/{appealed}?lang=en")
    assert 'class="chain bad"' in page
    box = page[page.index('id="discrepancies"'):]
    box = box[:box.index("</div>")]
    assert "no finish event" in box and "Journal hash chain broken" in box
    assert "The score stored in the database was changed: signed 3/7" in box
    assert re.search(r'id="stored-score">3 / 7<', page)


def test_cli_verify_attempt(runner, app, appealed):
    with app.app_context():
        attempt_id = db.session.scalar(sa.select(Appeal.attempt_id))
    result = runner.invoke(args=["verify-attempt", str(attempt_id)])
    assert result.exit_code == 0, result.output
    assert "VALID" in result.output and "FAIL" not in result.output
    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        last = journal.events_for(attempt)[-1]
        payload = {"slot": 1, "selected": ["a"], "input": "click"}
        record = journal.event_dict(attempt.id, last.seq + 1, "answer", payload, "", last.server_time)
        db.session.add(JournalEvent(attempt_id=attempt.id, seq=last.seq + 1, kind="answer", payload=payload,
                                    client_time="", server_time=last.server_time, prev_hash=last.hash,
                                    hash=journal.chain_hash(last.hash, record)))
        db.session.commit()
    result = runner.invoke(args=["verify-attempt", str(attempt_id)])
    assert result.exit_code == 1 and "NOT VALID" in result.output
    assert "journal_after_finish" in result.output
    assert runner.invoke(args=["verify-attempt", "424242"]).exit_code == 2


def test_console_checks_a_test_against_its_protocol(client, login, appealed, app):
    with app.app_context():
        attempt_id = db.session.scalar(sa.select(Appeal.attempt_id))
        from examserver.protocols.store import protocol_for_attempt
        number = protocol_for_attempt(db.session.get(Attempt, attempt_id)).number
    login("member1")
    page = client.post("/admin/verify/attempt", data={"number": number}).get_data(as_text=True)
    assert 'id="attempt-verdict" data-ok="1"' in page
    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        events = journal.events_for(attempt)
        db.session.execute(sa.delete(JournalEvent).where(JournalEvent.id == events[-1].id))
        db.session.commit()
    page = client.post("/admin/verify/attempt?lang=en", data={"number": number}).get_data(as_text=True)
    assert 'id="attempt-verdict" data-ok="0"' in page and "appeal" in page[page.index("attempt-discrepancies"):]
    for name in ("proctor_osh",):
        login(name)
        assert client.post("/admin/verify/attempt", data={"number": number}).status_code == 404
    assert client.post("/admin/verify/attempt", data={"number": "NOPE-1"}).status_code == 404
    assert client.post("/admin/verify/attempt", data={"number": "x" * 5000}).status_code == 404


def test_a_form_edited_to_unknown_items_is_a_clear_4xx(client, login, appealed, app, runner):
    with app.app_context():
        attempt = db.session.get(Attempt, db.session.scalar(sa.select(Appeal.attempt_id)))
        form = dict(attempt.form)
        form["slots"] = [dict(form["slots"][0], item_version=99)] + form["slots"][1:]
        attempt.form = form
        db.session.commit()
        attempt_id = attempt.id
    login("chair")
    response = client.get(f"/admin/appeals/{appealed}?lang=en")
    assert response.status_code == 409 and "cannot be replayed" in response.get_data(as_text=True)
    result = runner.invoke(args=["verify-attempt", str(attempt_id)])
    assert result.exit_code == 1 and "form_broken" in result.output
