"""Pre-drawn forms: a start takes the form drawn ahead instead of drawing
(the draw reads the item bank; a start with a pre-drawn form does not).
Issuing a code draws the form (tests/perf/test_predraw_at_issue.py)."""
from __future__ import annotations

from unittest import mock

import sqlalchemy as sa

from examserver.db import db
from examserver.bank import drawn
from examserver.core.audit import Actor
from examserver.exam import predraw
from examserver.models import (Attempt, BankItem, BankStamp, ExamBlueprint, ExamSession, JournalEvent, Participant,
                               PredrawnForm)
from question_bank.drawing import Form


def draws(statements) -> list[str]:
    """The statements that draw: they read items (text, digest) or a topic's pool.
    A start may check that its form's items are still current in one narrow
    query (ids, versions, states: ``predraw.items_current``); that is no draw."""
    bank = [s for s in statements.sql() if "bank_item" in s]
    checks = [s for s in bank if not any(word in s for word in ("digest", "payload", "topic_code"))]
    assert len(checks) <= 1, checks
    return [s for s in bank if s not in checks]


def start_counting_draws(kclient, code, statements) -> list[str]:
    """Code, language, start through the kiosk; the start's statements that draw, and
    ``"draw_for"`` for each draw (the latest items read under the bank's current stamp
    are kept per process, so a draw may read no item at all)."""
    assert kclient.post("/kiosk/code", data={"code": code}).status_code == 303
    assert kclient.post("/kiosk/confirm", data={"language": "ky"}).status_code == 303
    statements.recording = True
    with mock.patch.object(predraw, "draw_for", wraps=predraw.draw_for) as draw_for:
        r = kclient.post("/kiosk/instructions")
    statements.recording = False
    assert r.status_code == 303 and r.headers["Location"].endswith("/kiosk/exam")
    return draws(statements) + ["draw_for"] * draw_for.call_count


def test_a_start_with_a_predrawn_form_does_not_draw(kclient, candidate, loaded_bank, kworld, statements):
    with loaded_bank.app_context():
        ready = predraw.predraw_session(db.session.get(ExamSession, kworld.session), Actor.cli("pytest"))
        db.session.commit()
        drawn = db.session.scalar(sa.select(PredrawnForm))
        seed, digest, form = drawn.seed, drawn.form_digest, drawn.form
    assert ready == 1
    bank_reads = start_counting_draws(kclient, candidate[1], statements)
    assert bank_reads == []
    with loaded_bank.app_context():
        attempt = db.session.scalar(sa.select(Attempt))
        assert (attempt.seed, attempt.form_digest, attempt.form) == (seed, digest, form)
        assert db.session.scalar(sa.select(sa.func.count(PredrawnForm.id))) == 0  # taken, not reusable
        start = db.session.scalar(sa.select(JournalEvent).where(JournalEvent.seq == 0))
        assert start.payload["form_digest"] == digest


def test_without_a_predrawn_form_the_start_draws(kclient, candidate, loaded_bank, statements):
    with loaded_bank.app_context():  # a code issued before forms were drawn at issue
        db.session.execute(sa.delete(PredrawnForm))
        db.session.commit()
    assert start_counting_draws(kclient, candidate[1], statements) != []
    with loaded_bank.app_context():
        assert db.session.scalar(sa.select(Attempt)).form_digest


def test_a_form_drawn_from_an_older_blueprint_is_not_used(kclient, candidate, loaded_bank, statements, clock):
    with loaded_bank.app_context():
        participant = db.session.get(Participant, candidate[0])
        old = db.session.get(ExamBlueprint, predraw.predraw_participant(participant).blueprint_id)
        # The blueprint gets a new version after the draw.
        new = ExamBlueprint(code=old.code, version=old.version + 1, group_code=old.group_code,
                            payload=old.payload, digest=old.digest, imported_at=clock.now())
        db.session.add(new)
        db.session.flush()
        drawn.record_approval(new, Actor.system())  # only an approved version is drawn (issue 11)
        db.session.commit()
    assert start_counting_draws(kclient, candidate[1], statements) != []
    with loaded_bank.app_context():
        attempt = db.session.scalar(sa.select(Attempt))
        assert attempt.blueprint_id != old.id
        assert db.session.scalar(sa.select(sa.func.count(PredrawnForm.id))) == 0


def test_the_predraw_command_draws_a_session_ahead(runner, candidate, loaded_bank, kworld):
    result = runner.invoke(args=["predraw", "--session", str(kworld.session)])
    assert result.exit_code == 0 and "1 form(s) drawn ahead" in result.output, result.output
    again = runner.invoke(args=["predraw", "--session", str(kworld.session)])
    assert again.exit_code == 0 and "1 form(s)" in again.output
    with loaded_bank.app_context():
        assert db.session.scalar(sa.select(sa.func.count(PredrawnForm.id))) == 1  # idempotent
    assert runner.invoke(args=["predraw", "--session", "999999"]).exit_code != 0


def _stamp():
    return db.session.scalar(sa.select(BankStamp.value))


def test_every_write_to_the_bank_renews_its_stamp(loaded_bank, clock):
    """Migration 0012's trigger: whatever writes bank_item (here plain SQL), in its own transaction."""
    with loaded_bank.app_context():
        seen = [_stamp()]
        row = db.session.scalar(sa.select(BankItem).order_by(BankItem.id))
        newer = dict(item_id=row.item_id, version=row.version + 1, topic_code=row.topic_code, status="draft",
                     bank_id=row.bank_id, payload=row.payload, digest=row.digest, imported_at=clock.now())
        for write in (sa.insert(BankItem).values(**newer),
                      sa.update(BankItem).where(BankItem.id == row.id).values(status="retired"),
                      sa.delete(BankItem).where(BankItem.item_id == row.item_id, BankItem.version == row.version + 1)):
            db.session.execute(write)
            assert _stamp() not in seen, write  # seen by the writing transaction itself
            seen.append(_stamp())
            db.session.commit()
        assert None not in seen and len(set(seen)) == 4


def test_item_states_are_asked_once_per_stamp_and_a_retirement_asks_again(kclient, candidate, loaded_bank,
                                                                          statements):
    with loaded_bank.app_context():
        row = db.session.scalar(sa.select(PredrawnForm).where(PredrawnForm.participant_id == candidate[0]))
        refs = Form.from_dict(row.form).item_refs()
        stamp = _stamp()
        statements.recording = True
        assert predraw.items_current(refs, stamp)
        assert predraw.items_current(refs, stamp)  # kept under this stamp: not asked again
        statements.recording = False
        assert len([s for s in statements.sql() if "bank_item" in s]) == 1, statements.sql()
        # Retired in plain SQL after the states were kept: the stamp moves with it.
        item_id, version = refs[0]
        db.session.execute(sa.update(BankItem).where(BankItem.item_id == item_id, BankItem.version == version)
                           .values(status="retired"))
        db.session.commit()
        assert _stamp() != stamp
    statements.statements.clear()
    # The start reads the new stamp, asks the bank again and draws afresh: the retired item is never shown.
    assert start_counting_draws(kclient, candidate[1], statements) != []
    with loaded_bank.app_context():
        attempt = db.session.scalar(sa.select(Attempt))
        assert item_id not in {i for i, _v in Form.from_dict(attempt.form).item_refs()}
        assert predraw.items_current(refs, _stamp()) is False


def test_without_a_stamp_the_items_are_always_asked(loaded_bank, candidate, statements):
    """No stamp (the issue's own check, or the stamp row emptied by hand): nothing is kept, asked each time."""
    with loaded_bank.app_context():
        row = db.session.scalar(sa.select(PredrawnForm).where(PredrawnForm.participant_id == candidate[0]))
        refs = Form.from_dict(row.form).item_refs()
        statements.recording = True
        assert predraw.items_current(refs, None) and predraw.items_current(refs, None)
        statements.recording = False
        assert len([s for s in statements.sql() if "bank_item" in s]) == 2
