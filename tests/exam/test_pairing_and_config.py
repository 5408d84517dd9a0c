"""Terminal enrolment by pairing code is throttled (counters in the database),
and ``EXAM_NEW_USER_PASSWORD`` is the one ``EXAM_*`` input that is not a setting."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from examserver import create_app
from examserver.config import ConfigError, load_config
from examserver.db import db
from examserver.exam import terminals
from examserver.models import AuditEntry, Terminal, TerminalState


def _pending(app) -> tuple[int, str]:
    with app.app_context():
        terminal, _secret = terminals.register_pending("pytest")
        db.session.commit()
        return terminal.id, terminal.pairing_code


def _enrol(console, gworld, code: str):
    return console.post("/admin/terminals/enrol", data={"room_id": gworld.room_a, "seat": "A-9",
                                                         "pairing_code": code}, follow_redirects=True)


def _state(app, terminal_id: int) -> TerminalState:
    with app.app_context():
        return db.session.get(Terminal, terminal_id).state


def test_wrong_pairing_codes_are_counted_and_then_refused(loaded_bank, gworld, console, clock):
    limit = loaded_bank.config["PAIRING_FAILURES_LIMIT"]
    terminal_id, code = _pending(loaded_bank)
    wrong = "AAAAAA" if code != "AAAAAA" else "CCCCCC"
    for _ in range(limit):
        _enrol(console, gworld, wrong)
    # Each wrong code left its audit entry (the refusal keeps its record).
    assert _audit_count(loaded_bank) == limit
    # Now even the right code is refused until the window has passed.
    _enrol(console, gworld, code)
    assert _state(loaded_bank, terminal_id) == TerminalState.PENDING
    assert _audit_count(loaded_bank) == limit  # a refused try is not counted again
    clock.advance(seconds=loaded_bank.config["PAIRING_FAILURES_WINDOW_SECONDS"] + 1)
    _enrol(console, gworld, code)
    assert _state(loaded_bank, terminal_id) == TerminalState.ENROLLED


def test_the_limit_is_per_account_and_says_when_to_retry(loaded_bank, gworld, console):
    from examserver.core.audit import Actor
    from examserver.core.errors import ServiceError
    from examserver.models import Room

    limit = loaded_bank.config["PAIRING_FAILURES_LIMIT"]
    for _ in range(limit):
        _enrol(console, gworld, "AAAAAA")
    with loaded_bank.app_context():
        room = db.session.get(Room, gworld.room_a)
        with pytest.raises(ServiceError) as refused:
            terminals.enrol("AAAAAA", room, "1", Actor("user", gworld.proctor, "proctor", gworld.centre))
        assert refused.value.status == 429 and refused.value.code == "pairing_throttled"
        db.session.rollback()
        # Another account of the centre is not yet stopped (the centre allows three times as many).
        from examserver.core import accounts
        from examserver.models import Centre, Role

        other = accounts.create_user("proctor2", "correct horse battery", Role.PROCTOR, "Экинчи",
                                     db.session.get(Centre, gworld.centre))
        terminal, _secret = terminals.register_pending("pytest")
        enrolled = terminals.enrol(terminal.pairing_code, room, "2", Actor.for_user(other))
        assert enrolled.state == TerminalState.ENROLLED
        db.session.rollback()


def _audit_count(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count(AuditEntry.id))
                                 .where(AuditEntry.action == "terminal.pairing_failed"))


def test_new_user_password_variable_is_accepted_by_the_config():
    load_config({"EXAM_NEW_USER_PASSWORD": "s3cret pass phrase", "EXAM_MODE": "testing"})
    with pytest.raises(ConfigError, match="EXAM_NEW_USER_PASWORD"):
        load_config({"EXAM_NEW_USER_PASWORD": "typo", "EXAM_MODE": "testing"})


def test_user_create_reads_the_password_from_the_environment(db_url, tmp_path, monkeypatch):
    """The documented way: the variable is set for the whole command, app start included."""
    from examserver.core import accounts
    from examserver.models import User

    monkeypatch.setenv("EXAM_NEW_USER_PASSWORD", "correct horse battery staple")
    app = create_app({"MODE": "testing", "DATABASE_URL": db_url, "INSTANCE_PATH": str(tmp_path / "instance")})
    try:
        result = app.test_cli_runner().invoke(args=["user", "create", "chief", "--role", "admin"])
        assert result.exit_code == 0, result.output
        with app.app_context():
            user = db.session.scalar(sa.select(User).where(User.username == "chief"))
            assert accounts.check_password(user, "correct horse battery staple")
    finally:
        db.dispose(app)
