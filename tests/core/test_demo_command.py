"""`examserver demo` (behind `make demo`): everything the walkthrough needs."""
import re

import sqlalchemy as sa

from examserver.db import db
from examserver.models import AccessCode, BankItem, Commission, ExamBlueprint, ExamSession, Position, SessionState, User
from examserver.exam import codes


def test_demo_loads_banks_accounts_commission_and_an_open_session(runner, app):
    result = runner.invoke(args=["demo", "--url", "http://exam.local:9000"])
    assert result.exit_code == 0, result.output
    assert "http://exam.local:9000/kiosk" in result.output and "http://exam.local:9000/admin" in result.output
    printed = re.findall(r"seat +\d+ +([0-9A-Z]{4}-[0-9A-Z]{4})", result.output)
    assert len(printed) == 10
    with app.app_context():
        count = lambda model: db.session.scalar(sa.select(sa.func.count()).select_from(model))  # noqa: E731
        assert count(BankItem) >= 300 and count(ExamBlueprint) == 36 and count(Position) == 49
        assert {u.username for u in db.session.scalars(sa.select(User))} == {"admin", "proctor", "chair", "member1", "member2"}
        commission = db.session.scalar(sa.select(Commission))
        assert len(commission.members) == 3
        session = db.session.scalar(sa.select(ExamSession))
        assert session.state == SessionState.OPEN
        # The printed codes are the live ones, stored only as keyed hashes.
        assert all(codes.find_participant(code) is not None for code in printed)
        assert count(AccessCode) == 10
    again = runner.invoke(args=["demo"])
    assert again.exit_code == 0, again.output  # re-running adds a session, keeps the rest


def test_demo_says_what_it_does_with_the_database_and_prints_the_given_urls(runner, app, backend):
    """Without --reset the data is kept and the command says so; with --reset it
    says the database was deleted; the URLs are always the ones given (never
    the database path)."""
    first = runner.invoke(args=["demo", "--url", "http://hall.local:8080"])
    assert first.exit_code == 0, first.output
    assert "Database:" in first.output
    assert "http://hall.local:8080/kiosk" in first.output
    kept = runner.invoke(args=["demo", "--url", "http://hall.local:8080"])
    assert "kept" in kept.output and "RESET=1" in kept.output
    if backend == "sqlite":
        reset = runner.invoke(args=["demo", "--reset", "--url", "http://hall.local:8080"])
        assert reset.exit_code == 0, reset.output
        assert "deleted" in reset.output
        assert "http://hall.local:8080/kiosk" in reset.output and "sqlite:" not in reset.output.split("Database:")[-1].split("\n", 2)[-1]
        with app.app_context():
            # The demo session and the demo competitions' sitting (examserver/competitions/demo.py).
            assert db.session.scalar(sa.select(sa.func.count()).select_from(ExamSession)) == 2
