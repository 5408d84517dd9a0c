"""The review workflow through its service: four eyes, immutability, only approved items drawn."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from question_bank.items import drawable_items

from examserver.bank import importing, store, workflow
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
    """The fixture's test data came in approved by a named system actor, the importer recorded as author."""
    row = workflow.get_version("GEN_A-001", 1)
    assert workflow.author_of(row).actor_name == "cli"
    assert [(s.action, s.actor_kind, s.actor_name, s.comment) for s in workflow.history("GEN_A-001")] == [
        ("imported", "cli", "cli", ""), ("approve", "system", "system", importing.LOADER_NOTE)]


def _bank_file(test_bank_path, tmp_path, name: str, **changes):
    import yaml

    data = yaml.safe_load((test_bank_path / "test-bank.yaml").read_text(encoding="utf-8"))
    data["items"] = [dict(data["items"][0], **changes)]
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_bank_import_approved_by_an_administrator(app, test_bank_path, tmp_path):
    """``bank import --approved --by ADMIN`` approves the new versions and records ADMIN as approver."""
    runner = app.test_cli_runner()
    with app.app_context():
        accounts.create_user("chief", "correct horse battery", Role.ADMIN, "Chief", None)
        accounts.create_user("gone", "correct horse battery", Role.ADMIN, "Gone", None).active = False
        from tests.factories import make_centre

        accounts.create_user("clerk", "correct horse battery", Role.PROCTOR, "Clerk", make_centre())
        db.session.commit()
    path = _bank_file(test_bank_path, tmp_path, "approve.yaml", id="GEN_A-500", status="approved")
    result = runner.invoke(args=["bank", "import", str(path), "--approved"])
    assert result.exit_code == 2 and "--approved needs --by USER" in result.output
    for who in ("nobody", "gone", "clerk"):
        result = runner.invoke(args=["bank", "import", str(path), "--approved", "--by", who])
        assert result.exit_code == 2 and f"--by {who}: no active administrator" in result.output, who
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(BankItem)) == 0
    result = runner.invoke(args=["bank", "import", str(path), "--approved", "--by", "chief"])
    assert result.exit_code == 0, result.output
    assert "items added: 1 (approved)" in result.output
    with app.app_context():
        row = workflow.get_version("GEN_A-500")
        assert row.status == "approved" and row.payload["status"] == "approved"
        assert [(s.action, s.from_status, s.to_status, s.actor_name, s.comment)
                for s in workflow.history("GEN_A-500")] == [
            ("imported", "", "draft", "chief", ""), ("approve", "draft", "approved", "chief", "import --approved")]
        assert "GEN_A-500" in drawable()
        entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "bank.import"))
        assert entry.details["items_approved"] == 1 and entry.details["approved_by"] == "chief"


def test_a_plain_import_brings_drafts(app, test_bank_path):
    """A plain ``bank import`` (and ``--drafts``, its explicit spelling) brings every new version in as
    a draft, whatever its file says: nothing of it is drawn until reviewed in the console."""
    runner = app.test_cli_runner()
    assert runner.invoke(args=["bank", "import", str(test_bank_path), "--drafts", "--approved"]).exit_code == 2
    result = runner.invoke(args=["bank", "import", str(test_bank_path)])
    assert result.exit_code == 0, result.output
    assert "items added: 19 (drafts)" in result.output
    with app.app_context():
        assert store.latest_items(["GEN_A", "GEN_B", "SUBJ"]) == []
        row = workflow.get_version("GEN_A-001")
        assert (row.status, row.payload["status"]) == ("draft", "draft")
        assert [(s.action, s.to_status, s.actor_name) for s in workflow.history("GEN_A-001")] == [
            ("imported", "draft", "cli")]
    again = runner.invoke(args=["bank", "import", str(test_bank_path), "--drafts"])
    assert "items added: 0; status changed: 0; unchanged: 19; status kept: 0" in again.output


def test_an_import_retires_but_never_approves_a_stored_version(admins, app, test_bank_path, tmp_path):
    """Stored versions belong to the workflow: a file may retire one, not approve or reopen one."""
    author, reviewer = admins
    runner = app.test_cli_runner()
    draft = workflow.new_version(None, NEW, author)          # GEN_A-900 v1, a draft under review
    workflow.transition(draft, "submit", author)
    db.session.commit()
    payload = dict(draft.payload, status="approved")
    import yaml

    path = tmp_path / "approve.yaml"
    path.write_text(yaml.safe_dump({"items": [dict(payload, text=dict(payload["text"]),
                                                   options=[{"id": o["id"], **o["text"]} for o in payload["options"]],
                                                   key=list(payload["key"]))]}, allow_unicode=True), encoding="utf-8")
    result = runner.invoke(args=["bank", "import", str(path)])           # a plain import would make it a draft
    assert result.exit_code == 0 and "unchanged: 1; status kept: 0" in result.output, result.output
    result = runner.invoke(args=["bank", "import", str(path), "--approved", "--by", "reviewer"])
    assert result.exit_code == 0, result.output
    assert "status kept: 1" in result.output
    assert "GEN_A-900 v1: the file says approved, the bank keeps review (the review workflow decides)" in result.output
    db.session.expire_all()
    assert workflow.get_version("GEN_A-900").status == "review"
    retire = _bank_file(test_bank_path, tmp_path, "retire.yaml", status="retired")
    result = runner.invoke(args=["bank", "import", str(retire)])
    assert "status changed: 1" in result.output
    db.session.expire_all()
    assert workflow.get_version("GEN_A-001").status == "retired" and "GEN_A-001" not in drawable()
    last = workflow.history("GEN_A-001")[-1]
    assert (last.action, last.from_status, last.to_status, last.actor_name, last.comment) == (
        "retire", "approved", "retired", "cli", "import")


@pytest.mark.parametrize("status", ["draft", "retired"])
def test_an_approved_import_leaves_a_files_draft_or_retired_version_alone(app, test_bank_path, tmp_path, status):
    """``--approved`` confirms the file's approvals; it does not approve what the file calls draft or retired."""
    path = _bank_file(test_bank_path, tmp_path, "other.yaml", id="GEN_A-501", status=status)
    with app.app_context():
        accounts.create_user("chief", "correct horse battery", Role.ADMIN, "Chief", None)
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["bank", "import", str(path), "--approved", "--by", "chief"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert workflow.get_version("GEN_A-501").status == status
        assert [(s.action, s.to_status) for s in workflow.history("GEN_A-501")] == [("imported", status)]


def test_demo_items_are_approved_by_the_demo_loader_and_say_so(runner, app):
    """``examserver demo`` approves its bank as a named system actor; the history says no person reviewed it."""
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        approved = db.session.scalar(sa.select(sa.func.count()).select_from(BankItem)
                                     .where(BankItem.status == "approved"))
        assert approved >= 300
        row = db.session.scalar(sa.select(BankItem).where(BankItem.status == "approved").limit(1))
        steps = [(s.action, s.actor_kind, s.actor_name, s.comment) for s in workflow.history(row.item_id)
                 if s.version == row.version]
        assert steps == [("imported", "cli", "demo", ""), ("approve", "system", "system", importing.LOADER_NOTE)]
