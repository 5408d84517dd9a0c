"""Personal data: kept while the protocols it stands behind are kept, purged
with them by ``examserver purge``, and exported whole on the person's request."""
from __future__ import annotations

import json

import sqlalchemy as sa

from examserver.db import db
from examserver.models import AccessCode, Attempt, AuditEntry, JournalEvent, Participant, Protocol


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_a_person_can_have_everything_exported(exam_world, tmp_path):
    app, _, _ = exam_world
    out = tmp_path / "person.json"
    result = app.test_cli_runner().invoke(args=["person", "export", "２１２３４５６７８９０１２３", "-o", str(out),
                                                "--reason", "request 17"])
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["pin"] == "21234567890123" and len(data["registrations"]) == 1
    attempt = data["registrations"][0]["attempt"]
    assert [e["kind"] for e in attempt["journal"]][0] == "start" and attempt["journal"][-1]["kind"] == "finish"
    assert attempt["protocols"] and attempt["protocols"][0]["record"].startswith("{")
    assert out.stat().st_mode & 0o077 == 0
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(AuditEntry.id)).where(
            AuditEntry.action == "person.exported")) == 1


def test_personal_data_is_purged_with_the_protocols_and_not_before(exam_world, clock):
    app, _, _ = exam_world
    runner = app.test_cli_runner()
    before = {m: _count(app, m) for m in (Participant, Attempt, JournalEvent, AccessCode)}
    clock.advance(days=4 * 365)
    kept = runner.invoke(args=["purge"])
    assert kept.exit_code == 0 and "personal data of 0 participant(s)" in kept.output
    assert {m: _count(app, m) for m in before} == before
    clock.advance(days=366 + 2)
    dry = runner.invoke(args=["purge", "--dry-run"])
    assert "would delete" in dry.output and f"personal data of {before[Participant]} participant(s)" in dry.output
    assert _count(app, Participant) == before[Participant]
    done = runner.invoke(args=["purge"])
    assert done.exit_code == 0, done.output
    assert _count(app, Protocol) == 0
    assert all(_count(app, m) == 0 for m in (Participant, Attempt, JournalEvent, AccessCode))
