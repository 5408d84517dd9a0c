"""Bank and blueprint import through the CLI: all-or-nothing, clear messages."""
import shutil

import sqlalchemy as sa
import yaml

from examserver.db import db
from examserver.models import AuditEntry, BankItem, ExamBlueprint, Position, Topic


def _approved(app) -> list[str]:
    """Options of an import whose new versions come in approved (a plain import brings drafts)."""
    from examserver.core.accounts import create_user
    from examserver.models import Role

    with app.app_context():
        create_user("chief", "correct horse battery", Role.ADMIN, "Chief", None)
        db.session.commit()
    return ["--approved", "--by", "chief"]


def _count(app, model):
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_import_then_reimport_is_unchanged(runner, app, test_bank_path):
    first = runner.invoke(args=["bank", "import", str(test_bank_path)])
    assert first.exit_code == 0, first.output
    assert "items added: 19" in first.output
    again = runner.invoke(args=["bank", "import", str(test_bank_path)])
    assert "items added: 0; status changed: 0; unchanged: 19" in again.output
    assert _count(app, BankItem) == 19
    with app.app_context():
        actions = db.session.scalars(sa.select(AuditEntry.action)).all()
    assert actions.count("bank.import") == 2


def test_bad_file_in_a_folder_imports_nothing(runner, app, test_bank_path, tmp_path):
    folder = tmp_path / "bank"
    shutil.copytree(test_bank_path, folder)
    (folder / "zz-bad.yaml").write_text(
        "items:\n"
        "  - id: BAD-1\n    version: 1\n    topic: NOPE\n    type: single\n"
        "    text: {ky: 'а', ru: 'а'}\n"
        "    options:\n      - {id: a, ky: 'x', ru: 'x'}\n      - {id: b, ky: 'y', ru: 'y'}\n"
        "    key: [e]\n",
        encoding="utf-8",
    )
    result = runner.invoke(args=["bank", "import", str(folder)])
    assert result.exit_code == 1
    assert "zz-bad.yaml" in result.output and "BAD-1" in result.output
    assert "nothing was imported" in result.output
    assert _count(app, BankItem) == 0 and _count(app, Topic) == 0


def test_changed_content_needs_a_new_version(runner, app, test_bank_path, tmp_path):
    assert runner.invoke(args=["bank", "import", str(test_bank_path)]).exit_code == 0
    data = yaml.safe_load((test_bank_path / "test-bank.yaml").read_text(encoding="utf-8"))
    data["items"][0]["text"]["ru"] = "Изменённый текст"
    changed = tmp_path / "changed.yaml"
    changed.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    result = runner.invoke(args=["bank", "import", str(changed)])
    assert result.exit_code == 1
    assert "GEN_A-001" in result.output and "new version number" in result.output
    data["items"][0]["version"] = 2
    changed.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    result = runner.invoke(args=["bank", "import", str(changed)])
    assert result.exit_code == 0, result.output
    assert _count(app, BankItem) == 20


def test_blueprint_that_cannot_be_filled_is_refused(runner, app, test_bank_path, test_blueprints_path, tmp_path):
    assert runner.invoke(args=["bank", "import", str(test_bank_path), *_approved(app)]).exit_code == 0
    data = yaml.safe_load((test_blueprints_path / "test-blueprints.yaml").read_text(encoding="utf-8"))
    data["blueprints"][0]["sections"][1]["quotas"][0]["count"] = 9
    path = tmp_path / "greedy.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    result = runner.invoke(args=["blueprint", "import", str(path)])
    assert result.exit_code == 1
    assert "SUBJ" in result.output and "3" in result.output
    assert _count(app, ExamBlueprint) == 0


def test_blueprints_and_positions_import(runner, app, loaded_bank):
    assert _count(app, ExamBlueprint) == 1
    with app.app_context():
        position = db.session.scalar(sa.select(Position))
    assert position.code == "TEST-POS-1" and position.group_code == "У-А"


def test_bank_check_lists_problems_without_database_writes(runner, app, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("items:\n  - id: X\n    version: zero\n", encoding="utf-8")
    result = runner.invoke(args=["bank", "check", str(bad)])
    assert result.exit_code == 1
    assert "bad.yaml:" in result.output


def test_export_round_trips(runner, app, test_bank_path, tmp_path):
    assert runner.invoke(args=["bank", "import", str(test_bank_path)]).exit_code == 0
    out = tmp_path / "export.yaml"
    result = runner.invoke(args=["bank", "export", "-o", str(out)])
    assert result.exit_code == 0, result.output
    check = runner.invoke(args=["bank", "check", str(out)])
    assert check.exit_code == 0, check.output
    assert "19 items" in check.output


def test_status_may_change_in_place(runner, app, test_bank_path, tmp_path):
    assert runner.invoke(args=["bank", "import", str(test_bank_path)]).exit_code == 0
    data = yaml.safe_load((test_bank_path / "test-bank.yaml").read_text(encoding="utf-8"))
    data["items"][0]["status"] = "retired"
    path = tmp_path / "retire.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    result = runner.invoke(args=["bank", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "status changed: 1" in result.output
    with app.app_context():
        status = db.session.scalar(sa.select(BankItem.status).where(BankItem.item_id == "GEN_A-001"))
    assert status == "retired"


def test_draw_pool_is_the_latest_version_of_each_item(runner, app, test_bank_path, tmp_path):
    """A retired newer version takes the item out of the draw; an approved one replaces the old."""
    from question_bank.items import drawable_items

    from examserver.bank.store import latest_items

    approved = _approved(app)
    assert runner.invoke(args=["bank", "import", str(test_bank_path), *approved]).exit_code == 0
    data = yaml.safe_load((test_bank_path / "test-bank.yaml").read_text(encoding="utf-8"))
    retired = dict(data["items"][0], version=2, status="retired")
    edited = dict(data["items"][1], version=2, text={"ky": "Жаңы", "ru": "Новый"})
    path = tmp_path / "v2.yaml"
    path.write_text(yaml.safe_dump({"items": [retired, edited]}, allow_unicode=True), encoding="utf-8")
    assert runner.invoke(args=["bank", "import", str(path), *approved]).exit_code == 0, "v2 import"
    with app.app_context():
        pool = latest_items(["GEN_A"])
    refs = {item.ref for item in pool}
    # the status column is the gate: a retired latest version is not even read (nor the older approved one)
    assert ("GEN_A-001", 1) not in refs and ("GEN_A-001", 2) not in refs
    assert ("GEN_A-002", 2) in refs and ("GEN_A-002", 1) not in refs
    drawable = drawable_items(pool)
    assert "GEN_A-001" not in drawable and drawable["GEN_A-002"].version == 2
