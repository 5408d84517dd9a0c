"""The review workflow through its service: four eyes, immutability, only approved items drawn."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from question_bank.items import drawable_items

from examserver.bank import store, workflow
from examserver.core import accounts
from examserver.core.audit import Actor
from examserver.core.errors import Conflict, Forbidden, ServiceError
from examserver.db import db
from examserver.models import AuditEntry, BankItem, Role

NEW = {"id": "GEN_A-900", "topic": "GEN_A", "type": "single", "source": "Общий закон А, ст. 9",
       "text": {"ky": "Жаңы суроо?", "ru": "Новый вопрос?"},
       "options": [{"id": "a", "ky": "Биринчи", "ru": "Первый"}, {"id": "b", "ky": "Экинчи", "ru": "Второй"},
                   {"id": "c", "ky": "Үчүнчү", "ru": "Третий"}],
       "key": ["b"]}


@pytest.fixture
def admins(loaded_bank):
    """Two administrators (author and reviewer) as actors, inside an app context."""
    with loaded_bank.app_context():
        a = accounts.create_user("author", "correct horse battery", Role.ADMIN, "Author", None)
        r = accounts.create_user("reviewer", "correct horse battery", Role.ADMIN, "Reviewer", None)
        db.session.flush()
        yield Actor.for_user(a), Actor.for_user(r)
        db.session.rollback()


def drawable(topic: str = "GEN_A") -> dict:
    return {i: item.version for i, item in drawable_items(store.latest_items([topic])).items()}


def test_new_item_is_drawn_only_once_approved_by_another_admin(admins):
    author, reviewer = admins
    row = workflow.new_version(None, NEW, author, "new question on art. 9")
    assert (row.item_id, row.version, row.status, row.payload["status"]) == ("GEN_A-900", 1, "draft", "draft")
    assert "GEN_A-900" not in drawable()
    workflow.transition(row, "submit", author)
    assert row.status == "review" and row.payload["status"] == "draft" and "GEN_A-900" not in drawable()
    with pytest.raises(Forbidden) as err:
        workflow.transition(row, "approve", author, "looks fine to me")
    assert err.value.code == "four_eyes" and row.status == "review"
    workflow.transition(row, "approve", reviewer, "checked against the law")
    assert row.status == "approved" and drawable()["GEN_A-900"] == 1
    steps = [(s.action, s.from_status, s.to_status, s.actor_name, s.comment) for s in workflow.history("GEN_A-900")]
    assert steps == [("created", "", "draft", "author", "new question on art. 9"),
                     ("submit", "draft", "review", "author", ""),
                     ("approve", "review", "approved", "reviewer", "checked against the law")]
    actions = set(db.session.scalars(sa.select(AuditEntry.action).where(AuditEntry.action.like("bank.item.%"))))
    assert actions == {"bank.item.created", "bank.item.submit", "bank.item.approve"}
    workflow.transition(row, "retire", reviewer, "law amended")
    assert "GEN_A-900" not in drawable()


def test_editing_makes_a_new_version_and_leaves_the_old_one_alone(admins):
    author, reviewer = admins
    old = workflow.get_version("GEN_A-001")
    old_payload, old_digest = dict(old.payload), old.digest
    edited = workflow.new_version(old, {"text": {"ky": "Оңдолгон суроо", "ru": "Исправленный вопрос"}}, author)
    assert (edited.version, edited.status) == (2, "draft")
    assert edited.payload["options"] == old_payload["options"] and edited.payload["key"] == old_payload["key"]
    db.session.refresh(old)
    assert old.payload == old_payload and old.digest == old_digest and old.status == "approved"
    # a version under revision is suspect: the item leaves the draw until v2 is approved
    assert "GEN_A-001" not in drawable()
    workflow.transition(edited, "submit", author)
    with pytest.raises(ServiceError) as err:
        workflow.transition(edited, "return", reviewer)          # returning needs a reason
    assert err.value.code == "comment_needed"
    workflow.transition(edited, "return", reviewer, "option c is also right")
    assert edited.status == "draft"
    workflow.transition(edited, "submit", author)
    workflow.transition(edited, "approve", reviewer)
    assert drawable()["GEN_A-001"] == 2


def test_refusals(admins):
    author, reviewer = admins
    row = workflow.get_version("GEN_A-001")
    with pytest.raises(Conflict):
        workflow.transition(row, "approve", reviewer)             # approved is not in review
    with pytest.raises(Conflict):
        workflow.new_version(None, dict(NEW, id="GEN_A-001"), author)
    with pytest.raises(ServiceError) as err:
        workflow.new_version(None, dict(NEW, key=["z"]), author)
    assert err.value.status == 422 and "key" in err.value.message
    with pytest.raises(ServiceError) as err:
        workflow.new_version(None, dict(NEW, topic="NOPE"), author)
    assert err.value.status == 422 and "NOPE" in err.value.message
    assert db.session.scalar(sa.select(sa.func.count()).select_from(BankItem)
                             .where(BankItem.item_id == "GEN_A-900")) == 0


def test_import_records_importer_and_approval(admins):
    author, _reviewer = admins
    row = workflow.new_version(None, NEW, author)
    # the fixture's CLI import named its importer
    assert workflow.author_of(workflow.get_version("GEN_A-001", 1)).actor_name == "cli"
    workflow.record_import([(row.item_id, row.version)], author, approved=True)
    assert row.status == "approved" and workflow.history(row.item_id)[-1].comment == "import --approved"


def test_bank_import_approved_by_an_administrator(app, test_bank_path, tmp_path):
    """``bank import --approved --by ADMIN`` approves the new versions and records the importer as approver."""
    import yaml

    runner = app.test_cli_runner()
    with app.app_context():
        accounts.create_user("chief", "correct horse battery", Role.ADMIN, "Chief", None)
        db.session.commit()
    data = yaml.safe_load((test_bank_path / "test-bank.yaml").read_text(encoding="utf-8"))
    draft = dict(data["items"][0], id="GEN_A-500", status="draft")
    data["items"] = [draft]
    path = tmp_path / "drafts.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    result = runner.invoke(args=["bank", "import", str(path), "--approved"])
    assert result.exit_code == 2 and "--by" in result.output
    result = runner.invoke(args=["bank", "import", str(path), "--approved", "--by", "chief"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        row = workflow.get_version("GEN_A-500")
        assert row.status == "approved" and row.payload["status"] == "approved"
        assert [(s.action, s.actor_name, s.comment) for s in workflow.history("GEN_A-500")] == [
            ("imported", "chief", ""), ("approve", "chief", "import --approved")]
    # a plain import records the importer as author and keeps the file's status
    result = runner.invoke(args=["bank", "import", str(test_bank_path)])
    with app.app_context():
        assert workflow.author_of(workflow.get_version("GEN_A-001")).actor_name == "cli"


def test_bank_import_as_drafts(app, test_bank_path):
    """``bank import --drafts`` brings every new version in as a draft: nothing of it is drawn until reviewed."""
    runner = app.test_cli_runner()
    assert runner.invoke(args=["bank", "import", str(test_bank_path), "--drafts", "--approved"]).exit_code == 2
    result = runner.invoke(args=["bank", "import", str(test_bank_path), "--drafts"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert store.latest_items(["GEN_A", "GEN_B", "SUBJ"]) == []
        row = workflow.get_version("GEN_A-001")
        assert (row.status, row.payload["status"]) == ("draft", "draft")
        assert workflow.history("GEN_A-001")[0].to_status == "draft"
