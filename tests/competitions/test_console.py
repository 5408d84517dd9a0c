"""The competitions console over HTTP: administrators only, announce, link,
the ranking page, tie-break scheduling, votes, decisions, signing, letters;
bad input gets a 4xx and a message."""
from __future__ import annotations

import sqlalchemy as sa

from examserver.db import db
from examserver.models import Centre, Competition, Participant, Position, Role
from examserver.core import accounts
from tests.competitions.conftest import PASSWORD, candidate, make_competition, past_appeal_window


def _login(client, username="admin"):
    response = client.post("/admin/auth/login", data={"username": username, "password": PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)
    client.get("/admin/competitions/?lang=en")   # the messages below are checked in English


def test_only_administrators_see_competitions(cworld, app, client):
    with app.app_context():
        accounts.create_user("proctor", PASSWORD, Role.PROCTOR, "Нурлан", db.session.get(Centre, cworld.centre))
        db.session.commit()
    _login(client, "proctor")
    assert client.get("/admin/competitions/").status_code == 403


def test_announce_link_rank_sign_and_letters(cworld, app, client):
    with app.app_context():
        centre_id = cworld.centre
        position_id = db.session.scalar(sa.select(Position.id).where(Position.code == "TEST-POS-1"))
        candidate(cworld, "21505199012341", 7, "Алиев")
        candidate(cworld, "21505199012342", 5, "Бекова")
        db.session.commit()
    _login(client)
    form = {"code": "EDU-9", "title": "Мектеп директору", "rule_set": "education", "centre_id": centre_id,
            "position_id": position_id, "applications_until": "2026-11-20", "test_date": "2026-11-23"}
    response = client.post("/admin/competitions/new", data={**form, "test_date": "2026-11-19"})
    assert response.status_code == 400 and "before the end of applications" in response.get_data(as_text=True)
    response = client.post("/admin/competitions/new", data={**form, "centre_id": "99999999999999"})
    assert response.status_code == 400
    response = client.post("/admin/competitions/new", data=form)
    assert response.status_code == 302
    with app.app_context():
        comp_id = db.session.scalar(sa.select(Competition.id).where(Competition.code == "EDU-9"))
    base = f"/admin/competitions/{comp_id}"
    assert client.post(base + "/link", data={"session_id": str(cworld.session)}).status_code == 302
    page = client.get(base).get_data(as_text=True)
    assert "Алиев Бакыт" in page and "4/4" in page
    assert client.post(base + "/link", data={"session_id": str(cworld.session)}).status_code == 409
    assert client.post(base + "/decision", data={"kind": "declined", "reason": ""}).status_code == 400
    assert client.get(base + "/letters.csv").status_code == 409   # no protocol yet
    assert client.post(base + "/protocol").status_code == 409   # the appeal window is still open
    app.config["CLOCK"].advance(minutes=61)
    assert client.post(base + "/protocol").status_code == 302
    pdf = client.get(base + "/protocol.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    with app.app_context():
        pid = db.session.scalar(sa.select(Participant.id).where(Participant.pin == "21505199012342"))
    letter = client.get(f"{base}/letters/{pid}.pdf")
    assert letter.status_code == 200 and letter.data.startswith(b"%PDF")
    assert client.post(base + "/letters").status_code == 302
    csv_text = client.get(base + "/letters.csv").get_data(as_text=True)
    assert "reserve" in csv_text and "winner" in csv_text
    assert client.get("/admin/competitions/").status_code == 200
    assert client.get("/admin/competitions/99999999999999").status_code == 404


def test_municipal_votes_over_http(cworld, app, client):
    with app.app_context():
        comp = make_competition(cworld, "municipal", "MUN-9")
        a = candidate(cworld, "21505199012341", 7, "Алиев")
        b = candidate(cworld, "21505199012342", 5, "Бекова")
        db.session.commit()
        base, a_id, b_id = f"/admin/competitions/{comp.id}", a.id, b.id
    _login(client)
    response = client.post(base + "/votes", data={"member": ["Мамбетов", "Осмонова"], "vote": [str(a_id), "x"],
                                                  "theme": ["motivation", "goals"], "note": ["", ""]})
    assert response.status_code == 400
    response = client.post(base + "/votes", data={"member": ["Мамбетов"], "vote": ["99999999999999999999"],
                                                  "theme": ["goals"], "note": [""]})
    assert response.status_code == 400
    response = client.post(base + "/votes", data={"member": ["Мамбетов", "Осмонова"], "vote": [str(a_id), str(b_id)],
                                                  "theme": ["motivation", "goals"], "note": ["Жакшы", ""]})
    assert response.status_code == 302
    assert "no candidate has the majority" in client.get(base).get_data(as_text=True)


def test_pages_and_protocol_render_in_kyrgyz_and_russian(cworld, app, client, tmp_path):
    from examserver.competitions import decisions, issuing
    from tests.competitions.conftest import actor

    with app.app_context():
        comp = make_competition(cworld, "municipal", "MUN-8")
        a = candidate(cworld, "21505199012341", 7, "Алиев")
        candidate(cworld, "21505199012342", 6, "Бекова")
        decisions.record_votes(comp, [("Мамбетов", a.id, {"goals": "Так"})], actor(cworld))
        past_appeal_window()
        number = issuing.issue(comp, actor(cworld)).number
        decisions.decide(comp, "declined", "Баш тартты", actor(cworld))
        db.session.commit()
        base = f"/admin/competitions/{comp.id}"
    _login(client)
    ky = client.get(base + "?lang=ky").get_data(as_text=True)
    assert "Ички резервге сунушталгандар (баллдын кеминде 75 %" in ky
    assert "Алиев Бакыт кызматтан баш тартты" in ky
    ru = client.get(base + "?lang=ru").get_data(as_text=True)
    assert "Рекомендованы во внутренний резерв (не менее 75 %" in ru
    assert "Конкурсы" in client.get("/admin/competitions/?lang=ru").get_data(as_text=True)
    runner = app.test_cli_runner()
    for lang in ("ky", "ru"):
        path = str(tmp_path / f"p-{lang}.pdf")
        result = runner.invoke(args=["protocol", "export", number, "--pdf", "--lang", lang, "-o", path])
        assert result.exit_code == 0, result.output
        assert runner.invoke(args=["verify", path]).exit_code == 0
