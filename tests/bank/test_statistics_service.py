"""Statistics of real finished attempts (attempt service and journal), and ``examserver stats``."""
from __future__ import annotations

import csv
import io
import json

import pytest

from examserver.bank.statistics import collect, usage
from examserver.db import db
from examserver.exam import attempts
from examserver.models import FinishReason, Terminal
from tests.appeals.conftest import add_participant, build_world

CORRECT = [7, 5, 3, 1]   # right answers of four candidates on the 7-question TEST-U-A


def sit(world, pin: str, correct: int, clock, before_finish=None):
    """One candidate: answers slot by slot, ten seconds each, the first ``correct`` right; the attempt."""
    participant = add_participant(world, pin)
    attempt = attempts.start_attempt(participant, db.session.get(Terminal, world.terminal), "ky")
    items = attempts.items_of(attempt)
    for slot in attempts.form_of(attempt).slots:
        clock.advance(seconds=10)
        item = items[slot.item_ref]
        chosen = sorted(item.key) if slot.index <= correct else [next(o for o in slot.option_order
                                                                      if o not in item.key)]
        attempts.record_event(attempt, attempt.last_seq + 1, "answer", {"slot": slot.index, "selected": chosen,
                               "input": "key:" + str(slot.option_order.index(chosen[0]) + 1)},
                              "2026-11-23T09:10:00+06:00")
    clock.advance(seconds=10)
    if before_finish is not None:
        before_finish()
    attempts.finish_attempt(attempt, FinishReason.SUBMITTED)
    return attempt


@pytest.fixture
def finished(loaded_bank, clock):
    """Four finished attempts of TEST-U-A, committed."""
    with loaded_bank.app_context():
        world = build_world()
        for n, correct in enumerate(CORRECT):
            sit(world, f"2150519901234{n}", correct, clock)
        db.session.commit()
    return loaded_bank


def test_collect_from_finished_attempts(finished):
    with finished.app_context():
        stats = collect(min_responses=1)
        assert stats.attempts == 4 and [bp.code for bp in stats.blueprints] == ["TEST-U-A"]
        bp = stats.blueprints[0]
        assert bp.form.totals == CORRECT and bp.max_points == 7 and bp.threshold_points is not None
        assert list(bp.sessions.values()) == [CORRECT]
        shown = sum(a.responses for a in bp.items.values())
        assert shown == 4 * 7
        # every question took ten seconds: from its answer to the next one (or the finish)
        assert {a.mean_seconds for a in bp.items.values()} == {10}
        some = next(iter(bp.items))
        assert stats.item(some[0]) and usage(some[0])[some[1]] == {"TEST-U-A": bp.items[some].responses}
        assert collect(blueprint="OTHER").attempts == 0


def test_stats_command_formats(finished):
    runner = finished.test_cli_runner()
    result = runner.invoke(args=["stats", "--format", "json", "--min-responses", "1"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["attempts"] == 4 and data["blueprints"][0]["form"]["candidates"] == 4
    assert "attempts: 4/4" in result.stderr
    result = runner.invoke(args=["stats", "--format", "csv", "--blueprint", "TEST-U-A"])
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert result.exit_code == 0 and rows and {r["blueprint"] for r in rows} == {"TEST-U-A"}
    result = runner.invoke(args=["stats", "--since", "2026-13-01"])
    assert result.exit_code == 2 and "not a date" in result.output
    result = runner.invoke(args=["stats", "--since", "2027-01-01"])
    assert result.exit_code == 0 and "0 finished attempt(s)" in result.output


def test_blueprint_approval_is_signed_into_new_protocols(loaded_bank, clock, test_blueprints_path, tmp_path):
    """A protocol carries and prints who approved the blueprint version its form was drawn from,
    and when: a newer version awaiting approval is not drawn (the protocol names the older
    version's approval), once approved it is. A protocol issued before approvals existed
    keeps its old shape and still verifies."""
    import sqlalchemy as sa
    import yaml

    from examserver.bank import blueprints
    from examserver.bank.store import import_blueprints
    from examserver.core.audit import Actor
    from examserver.models import ExamBlueprint, Protocol
    from examserver.models.bank_review import BlueprintApproval
    from examserver.protocols import texts
    from examserver.protocols.store import export_json
    from examserver.protocols.verify import trusted_keys, verify_json_bytes

    def record(attempt) -> dict:
        return json.loads(db.session.scalar(sa.select(Protocol.record).where(Protocol.attempt_id == attempt.id)))

    with loaded_bank.app_context():
        world = build_world()
        v1 = db.session.scalars(sa.select(ExamBlueprint)).one()
        kept = db.session.scalar(sa.select(BlueprintApproval).where(BlueprintApproval.blueprint_id == v1.id))
        when = kept.approved_at

        def before_approvals_existed():
            db.session.delete(kept)
            db.session.flush()

        old = sit(world, "21505199012340", 3, clock, before_finish=before_approvals_existed)
        db.session.add(BlueprintApproval(blueprint_id=v1.id, approved_by="system", approved_at=when))
        data = yaml.safe_load((test_blueprints_path / "test-blueprints.yaml").read_text(encoding="utf-8"))
        data["blueprints"][0].update(version=2, duration_minutes=35)
        (tmp_path / "v2.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
        v2 = import_blueprints(tmp_path / "v2.yaml", Actor.cli()).blueprints[0]
        waiting = sit(world, "21505199012341", 4, clock)
        blueprints.approve(v2, Actor("user", world.users["admin"], "admin"), "order 12")
        after = sit(world, "21505199012342", 5, clock)
        db.session.commit()
        assert "blueprint_approval" not in record(old)
        assert (waiting.blueprint_id, record(waiting)["blueprint_approval"]["by"]) == (v1.id, "system")
        assert (after.blueprint_id, after.duration_seconds) == (v2.id, 35 * 60)
        assert record(after)["blueprint_approval"]["by"] == "admin"
        _title, blocks, _signs = texts.testing_lines(record(after), "ru")
        printed = " ".join(str(x if isinstance(x, str) else x[1]) for block in blocks for x in block)
        assert "admin" in printed and "утверд" in printed
        for attempt in (old, waiting, after):
            protocol = db.session.scalar(sa.select(Protocol).where(Protocol.attempt_id == attempt.id))
            assert verify_json_bytes(export_json(protocol), trusted_keys()).ok
