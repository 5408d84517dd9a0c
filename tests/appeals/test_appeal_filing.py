"""Filing a technical appeal: window edges, one per attempt, own attempt only."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from examserver.db import db
from examserver.models import Appeal, AuditEntry, JournalEvent, User
from examserver.appeals import filing as appeals
from examserver.exam import journal
from examserver.core.audit import Actor
from examserver.core.errors import Conflict, Forbidden, NotFound, ServiceError

from .conftest import take_test


def test_window_edges_exactly_at_deadline_allowed(aworld, ctx, clock, terminal_actor):
    attempt = take_test(aworld, "21234567890001")
    clock.advance(minutes=60)
    assert clock.now() == appeals.appeal_deadline(attempt)
    appeal = appeals.file_appeal(attempt, "Мен 3-суроого B деп жооп бергем", "kiosk", terminal_actor)
    assert appeal.number.startswith("AP-BISH-2026-")
    assert appeal.expires_at == appeal.filed_at + timedelta(days=365)


def test_window_edges_one_second_late_refused(aworld, ctx, clock, terminal_actor):
    attempt = take_test(aworld, "21234567890002")
    clock.advance(minutes=60, seconds=1)
    with pytest.raises(Conflict) as exc:
        appeals.file_appeal(attempt, "late", "kiosk", terminal_actor)
    assert exc.value.code == "window_closed"
    assert "60" in exc.value.message
    assert db.session.scalar(sa.select(sa.func.count(Appeal.id))) == 0


def test_window_is_configurable(aworld, ctx, clock, terminal_actor, app):
    app.config["APPEAL_WINDOW_MINUTES"] = 10
    attempt = take_test(aworld, "21234567890003")
    clock.advance(minutes=10, seconds=1)
    with pytest.raises(Conflict):
        appeals.file_appeal(attempt, "late", "kiosk", terminal_actor)


def test_one_appeal_per_attempt_and_numbers_increase(aworld, ctx, terminal_actor):
    first = take_test(aworld, "21234567890004")
    a1 = appeals.file_appeal(first, "wrong score", "kiosk", terminal_actor)
    with pytest.raises(Conflict) as exc:
        appeals.file_appeal(first, "again", "kiosk", terminal_actor)
    assert exc.value.code == "duplicate"
    second = take_test(aworld, "21234567890005")
    proctor = db.session.get(User, aworld.users["proctor"])
    a2 = appeals.file_appeal(second, "Письменное заявление", "proctor", Actor.for_user(proctor))
    assert a1.number == "AP-BISH-2026-00001" and a2.number == "AP-BISH-2026-00002"
    assert a2.filed_by_id == proctor.id and a2.filed_via == "proctor"


def test_unfinished_attempt_refused(aworld, ctx, terminal_actor):
    from examserver.models import Terminal
    from examserver.exam import attempts

    from .conftest import add_participant

    participant = add_participant(aworld, "21234567890006")
    attempt = attempts.start_attempt(participant, db.session.get(Terminal, aworld.terminal), "ru")
    with pytest.raises(ServiceError) as exc:
        appeals.file_appeal(attempt, "not yet", "kiosk", terminal_actor)
    assert exc.value.code == "not_finished"


def test_empty_statement_refused(aworld, ctx, terminal_actor):
    attempt = take_test(aworld, "21234567890007")
    with pytest.raises(ServiceError) as exc:
        appeals.file_appeal(attempt, "   ", "kiosk", terminal_actor)
    assert exc.value.code == "statement_required"


def test_only_own_attempt(aworld, ctx):
    attempt = take_test(aworld, "21234567890008")
    other_terminal = Actor("terminal", aworld.terminal + 100, "terminal x", aworld.centre)
    with pytest.raises(Forbidden):
        appeals.file_appeal(attempt, "not mine", "kiosk", other_terminal)
    other_proctor = db.session.get(User, aworld.users["proctor_osh"])
    with pytest.raises(NotFound):
        appeals.file_appeal(attempt, "other centre", "proctor", Actor.for_user(other_proctor))
    member = db.session.get(User, aworld.users["member1"])
    with pytest.raises(Forbidden):
        appeals.file_appeal(attempt, "member", "proctor", Actor.for_user(member))


def test_filing_is_journaled_and_audited(aworld, ctx, terminal_actor):
    attempt = take_test(aworld, "21234567890009")
    appeal = appeals.file_appeal(attempt, "Мен макул эмесмин", "kiosk", terminal_actor)
    events = journal.events_for(attempt)
    assert events[-1].kind == "appeal" and events[-1].payload["number"] == appeal.number
    assert journal.verify_chain(events).ok
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "appeal.file"))
    assert entry.object_id == str(appeal.id) and entry.actor_kind == "terminal"
    assert db.session.scalar(sa.select(sa.func.count(JournalEvent.id)).where(
        JournalEvent.attempt_id == attempt.id, JournalEvent.kind == "appeal")) == 1
