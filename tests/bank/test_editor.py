"""The blueprint and position editors through HTTP: every field checked, feasibility before saving,
a new unapproved version approved by another administrator, nothing written on any error."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
import yaml

from question_bank.blueprint_files import load_blueprints

from examserver.bank import blueprint_editor
from examserver.bank.store import latest_blueprint
from examserver.db import db
from examserver.models import AuditEntry, ExamBlueprint, Position
from examserver.models.bank_review import BlueprintApproval, BlueprintAuthor
from tests.bank.test_console_bank import admins, login  # noqa: F401 - the fixture is used by name

EDIT = "/admin/bank/blueprints/TEST-U-A/1/edit"


def form_of(values: dict, **changes) -> dict:
    """The editor's form fields for ``values`` (as ``blueprint_editor.values_of`` gives them)."""
    data = {"title_ky": values["title"]["ky"], "title_ru": values["title"]["ru"], "duration": values["duration"],
            "threshold_kind": values["threshold_kind"], "threshold_value": values["threshold_value"], "latest": "1"}
    data.update({f"lang_{lang}": "1" for lang in values["languages"]})
    if values["shuffle"]:
        data["shuffle"] = "1"
    for k, s in enumerate(values["sections"]):
        data.update({f"s{k}_code": s["code"], f"s{k}_min": s["min"],
                     **{f"s{k}_title_{lang}": text for lang, text in s["title"].items()}})
        for m, q in enumerate(s["quotas"]):
            data.update({f"s{k}_q{m}_topic": q["topic"], f"s{k}_q{m}_count": q["count"], f"s{k}_q{m}_min": q["min"]})
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


@pytest.fixture
def current(admins):  # noqa: F811
    with admins.app_context():
        return blueprint_editor.values_of(latest_blueprint("TEST-U-A").payload)


def _versions(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(ExamBlueprint))


def _approvers(app) -> dict[int, str]:
    """Who approved each version of TEST-U-A (the test data's version 1: the system)."""
    with app.app_context():
        return dict(db.session.execute(sa.select(ExamBlueprint.version, BlueprintApproval.approved_by)
                                       .join(BlueprintApproval, BlueprintApproval.blueprint_id == ExamBlueprint.id)
                                       .where(ExamBlueprint.code == "TEST-U-A")).all())


def test_new_version_shows_feasibility_and_needs_another_administrator(admins, client, current):  # noqa: F811
    login(client, "author")
    page = client.get(EDIT).get_data(as_text=True)
    assert 'name="s1_q0_topic"' in page and 'name="s2_code"' in page and 'id="feasibility"' in page
    assert "Сохранить как версию 2" in page or "2-версия катары сактоо" in page
    # the check shows the feasibility of the proposed quotas and writes nothing
    greedy = form_of(current, s1_q0_count="99", action="check")
    response = client.post(EDIT, data=greedy)
    text = response.get_data(as_text=True)
    assert response.status_code == 200 and 'class="short"><td>SUBJ</td><td>99</td>' in text
    saved = client.post(EDIT, data=dict(greedy, action="save"))
    assert saved.status_code == 422 and "SUBJ" in saved.get_data(as_text=True) and _versions(admins) == 1
    # a real change: more time, a higher threshold, a minimum in the basic section
    response = client.post(EDIT, data=form_of(current, duration="45", threshold_value="60", s0_min="2",
                                              comment="order 7", action="save"))
    assert response.status_code == 302 and response.location.endswith("/admin/bank/blueprints/TEST-U-A/2")
    with admins.app_context():
        row = latest_blueprint("TEST-U-A")
        assert (row.version, row.payload["duration_minutes"], row.payload["threshold"]) == (2, 45, {"percent": 60})
        assert row.payload["sections"][0]["min_correct"] == 2
        assert db.session.scalar(sa.select(BlueprintAuthor.author).where(BlueprintAuthor.blueprint_id == row.id)) \
            == "author"
        entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "blueprint.create"))
        assert entry.details["version"] == 2 and entry.details["based_on"] == 1 and entry.reason == "order 7"
        # the stored payload reads back through the file loader (the same rules as an import)
        path = admins.instance_path + "/bp.yaml"
        with open(path, "w", encoding="utf-8") as f:
            yaml.safe_dump({"blueprints": [row.payload]}, f, allow_unicode=True)
        assert load_blueprints(path)[0].to_dict() == row.payload
    page = client.get("/admin/bank/blueprints/TEST-U-A/2").get_data(as_text=True)
    assert 'id="made-by"' in page and "order 7" in page and 'id="approved-by"' not in page
    assert 'id="drawn-state" data-state="awaiting"' in page   # version 1 stays the one drawn
    # four eyes: the author cannot approve the version they made
    client.post("/admin/bank/blueprints/TEST-U-A/2", data={"comment": "mine"})
    with admins.app_context():
        assert _approvers(admins) == {1: "system"}
    login(client, "reviewer")
    client.post("/admin/bank/blueprints/TEST-U-A/2", data={"comment": "order 8"})
    page = client.get("/admin/bank/blueprints/TEST-U-A/2").get_data(as_text=True)
    assert 'id="approved-by"' in page and "reviewer" in page and 'data-state="drawn"' in page
    # version 1 keeps its own approval (the test data's, by the system); it is no longer drawn
    page = client.get("/admin/bank/blueprints/TEST-U-A/1").get_data(as_text=True)
    assert 'id="approved-by"' in page and 'id="drawn-state" data-state="superseded"' in page
    assert _approvers(admins) == {1: "system", 2: "reviewer"}


BAD = [
    ({"duration": "abc"}, "duration"),
    ({"duration": "0"}, "duration"),
    ({"lang_ky": None, "lang_ru": None}, "languages"),
    ({"threshold_kind": "median"}, "threshold_kind"),
    ({"threshold_value": "0"}, "threshold_value"),
    ({"threshold_value": "101"}, "threshold_value"),
    ({"threshold_kind": "correct", "threshold_value": "8"}, "threshold_value"),   # 7 questions
    ({"title_ru": "x" * 501}, "title_ru"),
    ({"s0_code": "basic test"}, "s0_code"),
    ({"s1_code": "basic"}, "s1_code"),
    ({"s0_q0_topic": "NOPE"}, "s0_q0_topic"),
    ({"s0_q0_topic": ""}, "s0_q0_topic"),
    ({"s0_q0_count": "0"}, "s0_q0_count"),
    ({"s0_q0_count": "-1"}, "s0_q0_count"),
    ({"s0_q0_count": "1.5"}, "s0_q0_count"),
    ({"s0_q0_min": "3"}, "s0_q0_min"),                 # more than the quota's 2 questions
    ({"s1_min": "4"}, "s1_min"),                       # more than the section's 3 questions
    ({"s1_title_ky": "Предмет", "s1_q0_topic": "", "s1_q0_count": "", "s1_min": ""}, "s1_quotas"),
]


@pytest.mark.parametrize("changes, field", BAD, ids=[f for _c, f in BAD])
def test_every_field_is_checked_and_nothing_is_written(admins, client, current, changes, field):  # noqa: F811
    login(client, "author")
    for action in ("check", "save"):
        response = client.post(EDIT, data=form_of(current, action=action, **changes))
        text = response.get_data(as_text=True)
        assert response.status_code == 422, (action, field)
        assert f'id="error-{field}"' in text and 'id="form-errors"' in text, (action, field)
        assert "Traceback" not in text
    assert _versions(admins) == 1


def test_no_section_at_all_and_the_values_come_back(admins, client, current):  # noqa: F811
    login(client, "author")
    data = {k: v for k, v in form_of(current, action="save", duration="x").items() if not k.startswith("s")}
    data["shuffle"] = "1"
    text = client.post(EDIT, data=data).get_data(as_text=True)
    assert 'id="error-sections"' in text and 'id="error-duration"' in text and 'value="x"' in text
    assert _versions(admins) == 1


def test_a_stale_or_unchanged_form_is_refused(admins, client, current):  # noqa: F811
    login(client, "author")
    response = client.post(EDIT, data=form_of(current, action="save"))
    assert response.status_code == 422 and ("өзгөргөн жок" in response.get_data(as_text=True).lower()
                                            or "ничего не изменилось" in response.get_data(as_text=True).lower())
    assert client.post(EDIT, data=form_of(current, duration="40", action="save")).status_code == 302
    stale = client.post(EDIT, data=form_of(current, duration="50", action="save"))   # still says latest = 1
    assert stale.status_code == 409 and _versions(admins) == 2
    assert client.get("/admin/bank/blueprints/TEST-U-A/9/edit").status_code == 404
    assert client.post("/admin/bank/blueprints/TEST-U-A/1/edit", data={"latest": "x", "action": "save"}
                       ).status_code in (409, 422)


def test_an_uploaded_version_is_approved_by_another_administrator(admins, client, test_blueprints_path):  # noqa: F811
    import io

    data = yaml.safe_load((test_blueprints_path / "test-blueprints.yaml").read_text(encoding="utf-8"))
    data["blueprints"][0].update(version=2, duration_minutes=35)
    login(client, "author")
    body = yaml.safe_dump({"blueprints": data["blueprints"]}, allow_unicode=True).encode("utf-8")
    response = client.post("/admin/bank/blueprints/import", data={"file": (io.BytesIO(body), "bp.yaml")},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    client.post("/admin/bank/blueprints/TEST-U-A/2", data={})
    assert _approvers(admins) == {1: "system"}
    login(client, "reviewer")
    client.post("/admin/bank/blueprints/TEST-U-A/2", data={})
    assert _approvers(admins) == {1: "system", 2: "reviewer"}


POSITION = {"code": "TEST-POS-2", "title_ky": "Башкы адис", "title_ru": "Главный специалист",
            "department_ky": "Сыноо бөлүмү", "department_ru": "Тестовый отдел", "group": "У-А",
            "blueprint": "TEST-U-A", "comment": "штат 2027"}


def test_position_editor(admins, client):  # noqa: F811
    login(client, "author")
    assert client.get("/admin/bank/positions/edit").status_code == 200
    assert client.get("/admin/bank/positions/edit?code=NOPE").status_code == 404
    for changes, field in [({"group": "У-Б"}, "blueprint"), ({"group": "X"}, "group"), ({"blueprint": "NOPE"}, "blueprint"),
                           ({"title_ru": ""}, "title_ru"), ({"code": "bad code"}, "code"),
                           ({"code": "TEST-POS-1"}, "code"), ({"department_ky": "б" * 501}, "department_ky")]:
        response = client.post("/admin/bank/positions/edit", data=dict(POSITION, **changes))
        assert response.status_code == 422 and f'id="error-{field}"' in response.get_data(as_text=True), field
    with admins.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Position)) == 1
    assert client.post("/admin/bank/positions/edit", data=POSITION).status_code == 302
    page = client.get("/admin/bank/positions/edit?code=TEST-POS-2").get_data(as_text=True)
    assert 'value="Главный специалист"' in page and 'name="code"' not in page
    edited = dict(POSITION, title_ru="Ведущий специалист", code="IGNORED")
    assert client.post("/admin/bank/positions/edit?code=TEST-POS-2", data=edited).status_code == 302
    assert client.post("/admin/bank/positions/edit?code=TEST-POS-2", data=edited).status_code == 422   # unchanged
    with admins.app_context():
        row = db.session.scalar(sa.select(Position).where(Position.code == "TEST-POS-2"))
        assert row.title["ru"] == "Ведущий специалист" and row.group_code == "У-А"
        entries = {e.action: e for e in db.session.scalars(sa.select(AuditEntry)
                                                             .where(AuditEntry.action.like("position.%")))}
        assert entries["position.create"].reason == "штат 2027"
        assert entries["position.update"].details == {
            "title": "Башкы адис / Главный специалист → Башкы адис / Ведущий специалист"}


def test_out_of_range_ids_are_a_404(admins, client):  # noqa: F811
    login(client, "author")
    for url in ("/admin/bank/blueprints/TEST-U-A/99999999999999999999/edit", "/admin/bank/blueprints/" + "X" * 500
                + "/1/edit", "/admin/bank/positions/edit?code=" + "X" * 5000):
        assert client.get(url).status_code == 404, url
        assert client.post(url, data={"action": "save"}).status_code == 404, url


def test_a_language_beyond_kyrgyz_and_russian_is_offered_and_kept(admins, client, current):  # noqa: F811
    with admins.app_context():
        row = latest_blueprint("TEST-U-A")
        payload = dict(row.payload, version=2, languages=["ky", "ru", "en"])
        db.session.add(ExamBlueprint(code=row.code, version=2, group_code=row.group_code, payload=payload,
                                     digest="x" * 64, imported_at=row.imported_at))
        db.session.commit()
    login(client, "author")
    page = client.get("/admin/bank/blueprints/TEST-U-A/2/edit").get_data(as_text=True)
    assert 'name="lang_en" value="1" checked' in page
    response = client.post("/admin/bank/blueprints/TEST-U-A/2/edit",
                           data=form_of(current, lang_en="1", duration="31", latest="2", action="save"))
    assert response.status_code == 302
    with admins.app_context():
        assert latest_blueprint("TEST-U-A").payload["languages"] == ["ky", "ru", "en"]
