"""Forms drawn when the code is issued (issue 15): the issue draws and freezes
the form in its own transaction, the start takes it without reading the bank,
a re-issue draws afresh, a newer blueprint or item version makes the start (or
``examserver predraw``) draw again, and a bank that cannot fill the test
refuses the code."""
from __future__ import annotations

import sqlalchemy as sa

from question_bank.drawing import Form

from examserver.bank.store import latest_blueprint
from examserver.bank import drawn
from examserver.core.audit import Actor
from examserver.db import db
from examserver.exam import codes, predraw
from examserver.models import AccessCode, Attempt, BankItem, ExamBlueprint, Participant, PredrawnForm

from tests.perf.test_predraw import start_counting_draws

PROCTOR = Actor("user", None, "proctor")


def _predrawn(participant_id: int) -> PredrawnForm | None:
    return db.session.scalar(sa.select(PredrawnForm).where(PredrawnForm.participant_id == participant_id))


def test_issuing_a_code_draws_and_freezes_the_form(candidate, loaded_bank):
    with loaded_bank.app_context():
        participant = db.session.get(Participant, candidate[0])
        row = _predrawn(participant.id)
        assert row is not None
        assert row.blueprint_id == latest_blueprint(participant.position.blueprint_code).id
        form = Form.from_dict(row.form)
        assert row.form_digest == form.digest() and form.slots
        assert predraw.items_current(form.item_refs())


def test_the_start_takes_the_form_drawn_at_issue_without_reading_the_bank(kclient, candidate, loaded_bank, statements):
    with loaded_bank.app_context():
        row = _predrawn(candidate[0])
        seed, digest, form = row.seed, row.form_digest, row.form
    assert start_counting_draws(kclient, candidate[1], statements) == []
    with loaded_bank.app_context():
        attempt = db.session.scalar(sa.select(Attempt).where(Attempt.participant_id == candidate[0]))
        assert (attempt.seed, attempt.form_digest, attempt.form) == (seed, digest, form)
        assert _predrawn(candidate[0]) is None


def test_a_reissued_code_comes_with_a_fresh_form_which_the_start_takes(kclient, candidate, loaded_bank, statements):
    with loaded_bank.app_context():
        first = _predrawn(candidate[0])
        first_seed = first.seed
        participant = db.session.get(Participant, candidate[0])
        new_code = codes.issue_code(participant, PROCTOR)
        db.session.commit()
        again = _predrawn(candidate[0])
        assert again.seed != first_seed  # drawn afresh (63 random bits)
        assert db.session.scalar(sa.select(sa.func.count(PredrawnForm.id))) == 1
        seed = again.seed
    # The old code is dead; the new one starts with the new form, without a draw.
    refused = kclient.post("/kiosk/code", data={"code": candidate[1]})
    assert not refused.headers.get("Location", "").endswith("/kiosk/confirm")
    assert start_counting_draws(kclient, new_code, statements) == []
    with loaded_bank.app_context():
        assert db.session.scalar(sa.select(Attempt.seed)) == seed


def test_a_new_blueprint_version_after_the_issue_makes_the_start_draw(kclient, candidate, loaded_bank, statements,
                                                                       clock):
    with loaded_bank.app_context():
        old = db.session.get(ExamBlueprint, _predrawn(candidate[0]).blueprint_id)
        new = ExamBlueprint(code=old.code, version=old.version + 1, group_code=old.group_code,
                            payload=old.payload, digest=old.digest, imported_at=clock.now())
        db.session.add(new)
        db.session.flush()
        drawn.record_approval(new, Actor.system())  # only an approved version is drawn (issue 11)
        db.session.commit()
        old_id = old.id
    assert start_counting_draws(kclient, candidate[1], statements) != []
    with loaded_bank.app_context():
        attempt = db.session.scalar(sa.select(Attempt))
        assert attempt.blueprint_id != old_id
        assert _predrawn(candidate[0]) is None


def test_the_predraw_command_redraws_a_form_whose_item_was_retired(runner, candidate, loaded_bank, kworld):
    with loaded_bank.app_context():
        row = _predrawn(candidate[0])
        first_seed = row.seed
        item_id, version = Form.from_dict(row.form).item_refs()[0]
        db.session.execute(sa.update(BankItem).where(BankItem.item_id == item_id, BankItem.version == version)
                           .values(status="retired"))
        db.session.commit()
    result = runner.invoke(args=["predraw", "--session", str(kworld.session)])
    assert result.exit_code == 0 and "1 form(s) drawn ahead" in result.output, result.output
    with loaded_bank.app_context():
        row = _predrawn(candidate[0])
        assert row.seed != first_seed and item_id not in {i for i, _v in Form.from_dict(row.form).item_refs()}
        assert predraw.items_current(Form.from_dict(row.form).item_refs())


def test_a_bank_that_cannot_fill_the_test_refuses_the_code_and_keeps_the_old_one(candidate, loaded_bank):
    with loaded_bank.app_context():
        before = _predrawn(candidate[0]).seed
        db.session.execute(sa.update(BankItem).values(status="retired"))
        db.session.commit()
        participant = db.session.get(Participant, candidate[0])
        try:
            codes.issue_code(participant, PROCTOR)
        except codes.ServiceError as exc:
            assert exc.code == "draw_failed" and participant.full_name in exc.message
            assert exc.message.endswith("Код не выдан.")  # Russian outside a request
        else:
            raise AssertionError("a code was issued for a test the bank cannot fill")
        db.session.rollback()
        # Nothing changed: the code issued before still works, its form is still there.
        assert db.session.scalar(sa.select(sa.func.count(AccessCode.id)).where(AccessCode.revoked_at.is_(None))) == 1
        assert _predrawn(candidate[0]).seed == before


def test_the_predraw_command_names_whom_the_bank_cannot_serve(runner, candidate, loaded_bank, kworld):
    with loaded_bank.app_context():
        db.session.execute(sa.delete(PredrawnForm))
        db.session.execute(sa.update(BankItem).values(status="retired"))
        db.session.commit()
        name = db.session.get(Participant, candidate[0]).full_name
    result = runner.invoke(args=["predraw", "--session", str(kworld.session)])
    assert result.exit_code == 1 and name in result.output and "Traceback" not in result.output, result.output



def test_an_item_retired_after_the_issue_is_never_shown(kclient, candidate, loaded_bank, statements):
    with loaded_bank.app_context():
        row = _predrawn(candidate[0])
        item_id, version = Form.from_dict(row.form).item_refs()[0]
        db.session.execute(sa.update(BankItem).where(BankItem.item_id == item_id, BankItem.version == version)
                           .values(status="retired"))
        db.session.commit()
    assert start_counting_draws(kclient, candidate[1], statements) != []  # drawn afresh at the start
    with loaded_bank.app_context():
        attempt = db.session.scalar(sa.select(Attempt))
        assert item_id not in {i for i, _v in Form.from_dict(attempt.form).item_refs()}
