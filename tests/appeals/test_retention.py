"""Retention purge: appeal materials after APPEAL_RETENTION_DAYS, protocols after PROTOCOL_RETENTION_DAYS."""
from __future__ import annotations

import sqlalchemy as sa

from examserver.db import db
from examserver.models import Appeal, AppealSignature, AuditEntry, Protocol, ProtocolKind
from examserver.appeals import decisions as appeal_decisions
from examserver.appeals import filing as appeals
from examserver.core.audit import Actor

from .conftest import PASSWORD, take_test
from .helpers import make_commission, user


def _count(model):
    return db.session.scalar(sa.select(sa.func.count(model.id)))


def test_purge_cli_dry_run_then_purge(app, aworld, clock, runner):
    with app.test_request_context():
        attempt = take_test(aworld, "21234567890301")
        terminal = Actor("terminal", aworld.terminal, "t", aworld.centre)
        appeal = appeals.file_appeal(attempt, "statement", "kiosk", terminal)
        make_commission(aworld, ("member1",))
        chair = user(aworld, "chair")
        appeal_decisions.decide(appeal, "rejected", "score_confirmed", "ok", [aworld.users["member1"]], chair,
                                Actor.for_user(chair))
        for name in ("chair", "member1"):
            appeal_decisions.sign(appeal, user(aworld, name), PASSWORD, Actor.cli())
        db.session.commit()
    clock.advance(days=364)
    result = runner.invoke(args=["purge"])
    assert result.exit_code == 0 and "0 appeal(s)" in result.output
    clock.advance(days=2)
    result = runner.invoke(args=["purge", "--dry-run"])
    assert "would delete: 1 appeal(s), 2 member signature(s), 1 protocol(s)" in result.output
    with app.app_context():
        assert _count(Appeal) == 1
    result = runner.invoke(args=["purge"])
    assert result.exit_code == 0 and "deleted: 1 appeal(s)" in result.output
    with app.app_context():
        assert _count(Appeal) == 0 and _count(AppealSignature) == 0
        kinds = set(db.session.scalars(sa.select(Protocol.kind)))
        assert kinds == {ProtocolKind.TESTING}   # testing protocols stay 5 years
        assert db.session.scalar(sa.select(sa.func.count(AuditEntry.id)).where(
            AuditEntry.action == "retention.purge")) == 3
    clock.advance(days=5 * 365)
    runner.invoke(args=["purge"])
    with app.app_context():
        assert _count(Protocol) == 0
