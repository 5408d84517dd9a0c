"""The bank workbench pages through the HTTP client: items, review, blueprints, statistics and plots."""
from __future__ import annotations

import re

import pytest

from examserver.core import accounts
from examserver.db import db
from examserver.models import Role
from tests.appeals.conftest import build_world
from tests.bank.test_statistics_service import CORRECT, sit

PASSWORD = "correct horse battery"


@pytest.fixture
def admins(loaded_bank):
    """Two administrators, author and reviewer, committed."""
    with loaded_bank.app_context():
        for name in ("author", "reviewer"):
            accounts.create_user(name, PASSWORD, Role.ADMIN, name.title(), None)
        db.session.commit()
    return loaded_bank


def login(client, username: str) -> None:
    client.post("/admin/auth/logout")
    response = client.post("/admin/auth/login", data={"username": username, "password": PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)


NEW_ITEM = {"id": "GEN_A-777", "topic": "GEN_A", "source": "Общий закон А, ст. 7",
            "text_ky": "Мыйзам качан күчүнө кирет?", "text_ru": "Когда закон вступает в силу?",
            "opt_a_ky": "Кол коюлган күнү", "opt_a_ru": "В день подписания",
            "opt_b_ky": "Жарыяланган күндөн он күн өткөндө", "opt_b_ru": "Через десять дней после опубликования",
            "opt_c_ky": "Бир жылдан кийин", "opt_c_ru": "Через год", "key_b": "1", "comment": "ст. 7"}


def test_author_drafts_reviewer_approves(admins, client):
    login(client, "author")
    page = client.get("/admin/bank/items/new")
    assert page.status_code == 200
    response = client.post("/admin/bank/items/new", data=NEW_ITEM)
    assert response.status_code == 302 and response.location.endswith("/admin/bank/items/GEN_A-777?version=1")
    page = client.get("/admin/bank/items/GEN_A-777").get_data(as_text=True)
    assert "Мыйзам качан күчүнө кирет?" in page and "Когда закон вступает в силу?" in page
    client.post("/admin/bank/items/GEN_A-777/1/submit", data={"comment": ""})
    client.post("/admin/bank/items/GEN_A-777/1/approve", data={"comment": "mine"})
    page = client.get("/admin/bank/items/GEN_A-777").get_data(as_text=True)
    assert 'id="item-status">на проверке<' in page or 'id="item-status">текшерүүдө<' in page
    login(client, "reviewer")
    client.post("/admin/bank/items/GEN_A-777/1/approve", data={"comment": "checked"})
    page = client.get("/admin/bank/items/GEN_A-777").get_data(as_text=True)
    assert "checked" in page and ('id="item-status">утверждён<' in page or 'id="item-status">бекитилген<' in page)
    # the list finds it by Cyrillic text in either language, by topic and by author
    for query in ("q=вступает", "q=КҮЧҮНӨ", "q=GEN_A-777", "author=author"):
        assert "GEN_A-777" in client.get(f"/admin/bank/?{query}").get_data(as_text=True), query
    assert "GEN_A-777" not in client.get("/admin/bank/?status=draft").get_data(as_text=True)
    preview = client.get("/admin/bank/items/GEN_A-777/1/preview/ru").get_data(as_text=True)
    assert "Через десять дней после опубликования" in preview and "✓" not in preview


def test_edit_makes_version_two_with_a_diff(admins, client):
    login(client, "author")
    response = client.post("/admin/bank/items/GEN_A-001/edit", data={
        "topic": "GEN_A", "source": "Общий закон А, ст. 1", "text_ky": "Оңдолгон суроо", "text_ru": "Исправленный вопрос",
        "opt_a_ky": "А", "opt_a_ru": "А", "opt_b_ky": "Б", "opt_b_ru": "Б", "key_a": "1"})
    assert response.status_code == 302
    page = client.get("/admin/bank/items/GEN_A-001").get_data(as_text=True)
    assert "--- v1" in page and "+++ v2" in page and "+text[ru]: Исправленный вопрос" in page
    assert "-text[ru]: Общий закон А: вопрос 1. Выберите верный ответ." in page


def test_bad_input_is_a_4xx(admins, client):
    login(client, "author")
    bad = dict(NEW_ITEM, key_b="")
    response = client.post("/admin/bank/items/new", data=bad)
    assert response.status_code == 422 and "key" in response.get_data(as_text=True)
    assert client.get("/admin/bank/items/NOPE").status_code == 404
    assert client.get("/admin/bank/items/GEN_A-001/99999999999999999999/preview/ky").status_code == 404
    assert client.get("/admin/bank/items/GEN_A-001/1/preview/xx").status_code == 404
    assert client.get("/admin/bank/?page=abc&q=" + "x" * 5000).status_code == 200
    assert client.get("/admin/bank/statistics?since=not-a-date").status_code == 200
    assert client.get("/admin/bank/statistics/NOPE/scatter.svg").status_code == 404


def test_blueprint_feasibility_and_approval(admins, client):
    """The test data's version 1 came in approved by the system (as the demo's); it is drawn, and
    approved once only."""
    login(client, "reviewer")
    page = client.get("/admin/bank/blueprints/TEST-U-A/1").get_data(as_text=True)
    assert 'id="feasibility"' in page and "GEN_A" in page and "TEST-POS-1" in page
    assert 'id="approved-by"' in page and "system" in page and 'id="approve-blueprint"' not in page
    assert 'id="drawn-state" data-state="drawn"' in page
    client.post("/admin/bank/blueprints/TEST-U-A/1", data={"comment": "order 12"})
    page = client.get("/admin/bank/blueprints/TEST-U-A/1").get_data(as_text=True)
    assert "order 12" not in page
    listing = client.get("/admin/bank/blueprints").get_data(as_text=True)
    assert 'id="state-TEST-U-A-1" data-state="drawn"' in listing


def test_statistics_pages_and_plots(admins, client, clock):
    with admins.app_context():
        world = build_world()
        for n, correct in enumerate(CORRECT):
            sit(world, f"2150519901234{n}", correct, clock)
        db.session.commit()
    login(client, "author")
    page = client.get("/admin/bank/statistics").get_data(as_text=True)
    assert 'id="stats-TEST-U-A"' in page and "KR-20" in page
    for kind in ("distribution", "sections", "scatter"):
        svg = client.get(f"/admin/bank/statistics/TEST-U-A/{kind}.svg")
        assert svg.status_code == 200 and svg.content_type == "image/svg+xml" and b"<svg" in svg.data
    pdf = client.get("/admin/bank/statistics/report.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    used = re.search(r'href="/admin/bank/items/([A-Z_0-9-]+)\?version=1"', page).group(1)
    item_page = client.get(f"/admin/bank/items/{used}").get_data(as_text=True)
    assert 'class="item-stat"' in item_page and "TEST-U-A" in item_page and "options.svg" in item_page
    bars = client.get(f"/admin/bank/statistics/TEST-U-A/items/{used}/1/options.svg")
    assert bars.status_code == 200 and b"<svg" in bars.data


def test_blueprint_upload_makes_a_new_version_or_lists_the_problems(admins, client, test_blueprints_path):
    import io

    import yaml

    login(client, "reviewer")
    data = yaml.safe_load((test_blueprints_path / "test-blueprints.yaml").read_text(encoding="utf-8"))
    data["blueprints"][0]["threshold"] = {"percent": 60}
    clash = yaml.safe_dump(data, allow_unicode=True).encode("utf-8")
    response = client.post("/admin/bank/blueprints/import", data={"file": (io.BytesIO(clash), "bp.yaml")},
                           content_type="multipart/form-data")
    text = response.get_data(as_text=True)
    assert response.status_code == 422 and 'id="import-problems"' in text and "bp.yaml" in text and "/tmp" not in text
    data["blueprints"][0]["version"] = 2
    ok = yaml.safe_dump(data, allow_unicode=True).encode("utf-8")
    response = client.post("/admin/bank/blueprints/import", data={"file": (io.BytesIO(ok), "bp.yaml")},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    assert client.get("/admin/bank/blueprints/TEST-U-A/2").status_code == 200
    response = client.post("/admin/bank/blueprints/import", data={"file": (io.BytesIO(b"x"), "bp.exe")},
                           content_type="multipart/form-data")
    assert response.status_code == 422
