"""Pre-drawn forms: a start takes the form drawn ahead instead of drawing
(the draw reads the item bank; a start with a pre-drawn form does not).
Issuing a code draws the form (tests/perf/test_predraw_at_issue.py)."""
from __future__ import annotations

import sqlalchemy as sa

from examserver.db import db
from examserver.bank import drawn
from examserver.core.audit import Actor
from examserver.exam import predraw
from examserver.models import Attempt, ExamBlueprint, ExamSession, JournalEvent, Participant, PredrawnForm


def draws(statements) -> list[str]:
    """The statements that draw: they read items (text, digest) or a topic's pool.
    A start may check that its form's items are still current in one narrow
    query (ids, versions, states: ``predraw.items_current``); that is no draw."""
    bank = [s for s in statements.sql() if "bank_item" in s]
    checks = [s for s in bank if not any(word in s for word in ("digest", "payload", "topic_code"))]
    assert len(checks) <= 1, checks
    return [s for s in bank if s not in checks]


def start_counting_draws(kclient, code, statements) -> list[str]:
    """Code, language, start through the kiosk; the start's statements that draw."""
    assert kclient.post("/kiosk/code", data={"code": code}).status_code == 303
    assert kclient.post("/kiosk/confirm", data={"language": "ky"}).status_code == 303
    statements.recording = True
    r = kclient.post("/kiosk/instructions")
    statements.recording = False
    assert r.status_code == 303 and r.headers["Location"].endswith("/kiosk/exam")
    return draws(statements)


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
