"""Only an approved blueprint version is drawn (issue 11): a newer version waits for its
approval, a code without any approved version refuses codes and starts, the import policy.
Through the console, the kiosk and the CLI."""
from __future__ import annotations

import io
import re

import sqlalchemy as sa
import yaml

from examserver import clock as clock_mod
from examserver.bank import drawn
from examserver.bank.importing import LOADER_NOTE
from examserver.core import accounts
from examserver.db import db
from examserver.models import (AccessCode, Admission, Attempt, AuditEntry, ExamBlueprint, Participant, Position,
                               PredrawnForm, Protocol, Role, Room)
from examserver.models.bank_review import BlueprintApproval
from kiosk.context import COOKIE
from tests.bank.test_console_bank import admins, login  # noqa: F401
from tests.kiosk.conftest import kclient, kworld  # noqa: F401
from tests.kiosk.kiosk_helpers import enrol_terminal, start_exam

PASSWORD = "correct horse battery"


def _upload(client, test_blueprints_path, **changes) -> None:
    """Upload TEST-U-A changed by ``changes`` (a new version, or another code) as the logged-in administrator."""
    data = yaml.safe_load((test_blueprints_path / "test-blueprints.yaml").read_text(encoding="utf-8"))
    data["blueprints"][0].update(changes)
    body = yaml.safe_dump({"blueprints": data["blueprints"]}, allow_unicode=True).encode("utf-8")
    response = client.post("/admin/bank/blueprints/import", data={"file": (io.BytesIO(body), "bp.yaml")},
                           content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)


def _participant(app, session_id: int, pin: str, position: str = "TEST-POS-1") -> int:
    with app.app_context():
        row = Participant(session_id=session_id, surname="Асанова", name="Гүлнара", patronymic="", pin=pin,
                          id_document="AN" + pin[-7:], admission=Admission.ADMITTED, created_at=clock_mod.now(),
                          position_id=db.session.scalar(sa.select(Position.id).where(Position.code == position)))
        db.session.add(row)
        db.session.commit()
        return row.id


def _issue(client, participant_id: int):
    """Issue a code in the console: ``(code, None)``, or ``(None, the page the refusal is shown on)``."""
    response = client.post(f"/admin/participants/{participant_id}/code")
    if response.status_code == 200:
        return re.search(r'id="access-code">([^<]+)<', response.get_data(as_text=True)).group(1), None
    assert response.status_code == 303, response.status_code
    return None, client.get(response.headers["Location"]).get_data(as_text=True)


def _ids(app) -> dict[int, int]:
    with app.app_context():
        return dict(db.session.execute(sa.select(ExamBlueprint.version, ExamBlueprint.id)
                                       .where(ExamBlueprint.code == "TEST-U-A")).all())


def test_a_new_version_is_drawn_only_once_approved(admins, client, kworld, kclient, test_blueprints_path):  # noqa: F811
    login(client, "author")
    _upload(client, test_blueprints_path, version=2, duration_minutes=35)
    ids = _ids(admins)
    listing = client.get("/admin/bank/blueprints").get_data(as_text=True)
    assert 'id="state-TEST-U-A-2" data-state="awaiting"' in listing
    assert 'id="state-TEST-U-A-1" data-state="drawn"' in listing
    page = client.get("/admin/bank/blueprints/TEST-U-A/2").get_data(as_text=True)
    assert 'id="drawn-state" data-state="awaiting"' in page

    # A code issued now draws from version 1, and the start takes that form (v1's 30 minutes).
    first = _participant(admins, kworld.session, "21234567890123")
    code, _page = _issue(client, first)
    with admins.app_context():
        assert db.session.scalar(sa.select(PredrawnForm.blueprint_id)) == ids[1]
    start_exam(kclient, code)
    assert kclient.post("/kiosk/api/finish", json={"confirm": True}).status_code == 200
    with admins.app_context():
        attempt = db.session.scalar(sa.select(Attempt).where(Attempt.participant_id == first))
        assert (attempt.blueprint_id, attempt.duration_seconds) == (ids[1], 30 * 60)
        record = db.session.scalar(sa.select(Protocol.record).where(Protocol.attempt_id == attempt.id))
        assert '"blueprint_approval":{"at"' in record.replace(" ", "") and '"by":"system"' in record.replace(" ", "")

    # Another administrator approves version 2: from the next code issue and start on, it is drawn.
    login(client, "reviewer")
    client.post("/admin/bank/blueprints/TEST-U-A/2", data={"comment": "приказ 8"})
    listing = client.get("/admin/bank/blueprints").get_data(as_text=True)
    assert 'id="state-TEST-U-A-2" data-state="drawn"' in listing
    assert 'id="state-TEST-U-A-1" data-state="superseded"' in listing
    second = _participant(admins, kworld.session, "21234567890124")
    code, _page = _issue(client, second)
    with admins.app_context():
        assert db.session.scalar(sa.select(PredrawnForm.blueprint_id)) == ids[2]
        terminal, secret = enrol_terminal(db.session.get(Room, kworld.room), seat="A-02")
        db.session.commit()
    other = admins.test_client()
    other.set_cookie(COOKIE, secret, path="/kiosk")
    start_exam(other, code)
    with admins.app_context():
        attempt = db.session.scalar(sa.select(Attempt).where(Attempt.participant_id == second))
        assert (attempt.blueprint_id, attempt.duration_seconds) == (ids[2], 35 * 60)


def test_a_form_drawn_before_a_newer_version_was_approved_is_drawn_again(admins, client, kworld, kclient,  # noqa: F811
                                                                         test_blueprints_path):
    """``predraw.take`` hands over a pre-drawn form only if its version is still the one drawn."""
    login(client, "author")
    participant = _participant(admins, kworld.session, "21234567890123")
    code, _page = _issue(client, participant)          # drawn from version 1
    _upload(client, test_blueprints_path, version=2, duration_minutes=35)
    login(client, "reviewer")
    client.post("/admin/bank/blueprints/TEST-U-A/2", data={})
    start_exam(kclient, code)
    ids = _ids(admins)
    with admins.app_context():
        attempt = db.session.scalar(sa.select(Attempt))
        assert attempt.blueprint_id == ids[2]
        assert db.session.scalar(sa.select(sa.func.count(PredrawnForm.id))) == 0


def test_no_approved_version_refuses_the_code_and_the_start(admins, client, kworld, kclient,  # noqa: F811
                                                            test_blueprints_path):
    login(client, "author")
    # TEST-U-B: a new blueprint code, uploaded (so unapproved), and a position that uses it.
    _upload(client, test_blueprints_path, code="TEST-U-B", version=1)
    with admins.app_context():
        main = db.session.scalar(sa.select(Position).where(Position.code == "TEST-POS-1"))
        db.session.add(Position(code="TEST-POS-9", title=dict(main.title), department=dict(main.department),
                                group_code=main.group_code, blueprint_code="TEST-U-B"))
        db.session.commit()
    page = client.get("/admin/bank/blueprints/TEST-U-B/1").get_data(as_text=True)
    assert "no access code can be issued" in page or "код доступа" in page or "кирүү коду" in page

    # At code issue: no code, the proctor is told which blueprint lacks an approval.
    waiting = _participant(admins, kworld.session, "21234567890125", position="TEST-POS-9")
    code, page = _issue(client, waiting)
    assert code is None and "TEST-U-B" in page and "TEST-POS-9" in page
    with admins.app_context():
        assert db.session.scalar(sa.select(sa.func.count(AccessCode.id))) == 0
        assert db.session.scalar(sa.select(sa.func.count(PredrawnForm.id))) == 0

    # At the start: a code issued while the position still used TEST-U-A, then the position moved
    # to TEST-U-B. The kiosk names the blueprint instead of offering no language.
    candidate = _participant(admins, kworld.session, "21234567890126")
    code, _page = _issue(client, candidate)
    assert kclient.post("/kiosk/code", data={"code": code}).status_code == 303
    assert kclient.post("/kiosk/confirm", data={"language": "ky"}).status_code == 303
    with admins.app_context():
        db.session.execute(sa.update(Position).where(Position.code == "TEST-POS-1").values(blueprint_code="TEST-U-B"))
        db.session.commit()
    response = kclient.post("/kiosk/instructions")
    assert response.status_code == 303 and response.headers["Location"].endswith("/kiosk/")
    assert "TEST-U-B" in kclient.get("/kiosk/").get_data(as_text=True)
    confirm = kclient.get("/kiosk/confirm")
    assert confirm.status_code == 303
    assert "TEST-U-B" in kclient.get("/kiosk/").get_data(as_text=True)
    with admins.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Attempt.id))) == 0

    # Approved by another administrator: the code issue works.
    login(client, "reviewer")
    client.post("/admin/bank/blueprints/TEST-U-B/1", data={})
    code, page = _issue(client, waiting)
    assert code is not None, page


def test_the_cli_import_brings_unapproved_versions_unless_an_administrator_approves(loaded_bank, runner,
                                                                                    test_blueprints_path, tmp_path):
    with loaded_bank.app_context():
        accounts.create_user("chief", PASSWORD, Role.ADMIN, "Chief", None)
        accounts.create_user("gone", PASSWORD, Role.ADMIN, "Gone", None).active = False
        db.session.commit()
    data = yaml.safe_load((test_blueprints_path / "test-blueprints.yaml").read_text(encoding="utf-8"))

    def version(n: int):
        data["blueprints"][0].update(version=n, duration_minutes=30 + n)
        path = tmp_path / f"v{n}.yaml"
        path.write_text(yaml.safe_dump({"blueprints": data["blueprints"]}, allow_unicode=True), encoding="utf-8")
        return str(path)

    plain = runner.invoke(args=["blueprint", "import", version(2)])
    assert plain.exit_code == 0 and "blueprints added: 1 (awaiting approval)" in plain.output, plain.output
    with loaded_bank.app_context():
        assert drawn.drawn_blueprint("TEST-U-A").version == 1
    for args, says in ((["--approved"], "--approved needs --by"), (["--approved", "--by", "nobody"], "nobody"),
                       (["--approved", "--by", "gone"], "gone")):
        refused = runner.invoke(args=["blueprint", "import", version(3), *args])
        assert refused.exit_code == 2 and says in refused.output, refused.output
    approved = runner.invoke(args=["blueprint", "import", version(3), "--approved", "--by", "chief"])
    assert approved.exit_code == 0 and "blueprints added: 1 (approved)" in approved.output, approved.output
    again = runner.invoke(args=["blueprint", "import", version(2), "--approved", "--by", "chief"])
    assert again.exit_code == 0 and "blueprints added: 0" in again.output   # a stored version is never approved
    with loaded_bank.app_context():
        assert drawn.drawn_blueprint("TEST-U-A").version == 3
        approvals = dict(db.session.execute(
            sa.select(ExamBlueprint.version, BlueprintApproval.approved_by + " " + BlueprintApproval.comment)
            .join(BlueprintApproval, BlueprintApproval.blueprint_id == ExamBlueprint.id)).all())
        assert approvals == {1: "system " + LOADER_NOTE, 3: "chief import --approved"}
        entries = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "blueprint.import",
                                                                 AuditEntry.actor_name == "chief")
                                     .order_by(AuditEntry.id)).all()
        assert (entries[0].details["blueprints"], entries[0].details["approved_by"]) == (["TEST-U-A v3"], "chief")
        assert "approved_by" not in entries[1].details   # the re-run approved nothing


def test_the_demo_blueprints_come_in_approved_by_the_system(runner, app):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        rows = db.session.execute(sa.select(ExamBlueprint.code, BlueprintApproval.approved_by)
                                  .outerjoin(BlueprintApproval, BlueprintApproval.blueprint_id == ExamBlueprint.id)
                                  ).all()
        assert rows and {by for _code, by in rows} == {"system"}, rows
