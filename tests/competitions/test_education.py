"""Education-leader rules (seed 003) through the services, on every backend:
ranking from real attempts, the tie-break test (short blueprint, unseen items,
2-day limit), the sum, a surviving tie, declines, the reserve, the signed
protocol and the four ways a competition fails."""
from __future__ import annotations

import json
from datetime import date, datetime, timezone

import pytest
import sqlalchemy as sa

from question_bank.blueprint import Blueprint
from examserver.db import db
from examserver.models import Attempt, ExamBlueprint, ExamSession, Participant, ReserveEntry, SessionState
from examserver.core.errors import ServiceError
from examserver.exam import codes
from examserver.competitions import announce, decisions, issuing, ranking, tiebreak
from tests.competitions.conftest import (actor, candidate, close, make_competition, past_appeal_window, register,
                                         room, sit)

START = datetime(2026, 11, 24, 3, 0, tzinfo=timezone.utc)


def _open_tiebreak(world, comp, when=date(2026, 11, 24)):
    tb = tiebreak.schedule(comp, room(world), when, START, None, actor(world))
    session = db.session.get(ExamSession, tb.session_id)
    session.state = SessionState.OPEN
    return tb


def test_highest_score_wins_reserve_excludes_below_threshold(cworld, app, tmp_path):
    with app.app_context():
        comp = make_competition(cworld)
        a = candidate(cworld, "21505199012341", 7, "Алиев")
        b = candidate(cworld, "21505199012342", 6, "Бекова")
        c = candidate(cworld, "21505199012343", 4, "Чолпонов")   # 4 of 7 but no subject answer: does not meet
        d = candidate(cworld, "21505199012344", 5, "Дуйшеев")
        _people, out = ranking.outcome(comp)
        assert (out.status, out.winner) == ("winner", a.id)
        assert out.reserve == [b.id, d.id]
        assert c.id not in out.reserve
        past_appeal_window()
        protocol = issuing.issue(comp, actor(cworld))
        db.session.commit()
        comp_id, number, protocol_id = comp.id, protocol.number, protocol.id
        record = json.loads(protocol.record)
        assert protocol.number.endswith("-K000001")
        assert record["outcome"]["winner"]["pin"] == a.pin
        assert [m["pin"] for m in record["reserve"]["members"]] == [b.pin, d.pin]
        assert record["ranking"][0]["sections"][0]["code"] == "basic"
        rows = db.session.scalars(sa.select(ReserveEntry).order_by(ReserveEntry.place)).all()
        assert [r.participant_id for r in rows] == [b.id, d.id]
    # The protocol and its PDF verify offline with `examserver verify`.
    runner = app.test_cli_runner()
    for extra, name in (([], "p.json"), (["--pdf"], "p.pdf")):
        path = str(tmp_path / name)
        result = runner.invoke(args=["protocol", "export", number, "-o", path, *extra])
        assert result.exit_code == 0, result.output
        result = runner.invoke(args=["verify", path])
        assert result.exit_code == 0, result.output
    with app.app_context():
        comp = db.session.get(type(comp), comp_id)
        # Signing again with nothing changed gives the same protocol.
        past_appeal_window()
        assert issuing.issue(comp, actor(cworld)).id == protocol_id


def test_three_way_tie_resolved_by_the_sum_of_both_tests(cworld, app):
    with app.app_context():
        comp = make_competition(cworld)
        tied = [candidate(cworld, f"2150519901234{i}", 6, s) for i, s in ((1, "Алиев"), (2, "Бекова"), (3, "Чынаров"))]
        candidate(cworld, "21505199012349", 5, "Дуйшеев")
        assert ranking.outcome(comp)[1].status == "tie_break_needed"
        with pytest.raises(ServiceError) as exc:
            tiebreak.schedule(comp, room(cworld), date(2026, 11, 26), START, None, actor(cworld))
        assert exc.value.code == "tiebreak_date"   # 3 days after the main test: too late (§29)
        with pytest.raises(ServiceError) as exc:
            tiebreak.schedule(comp, room(cworld), date(2026, 11, 24), START, 3, actor(cworld))
        assert exc.value.code == "tiebreak_count"  # more than a third of 7 questions
        tb = _open_tiebreak(cworld, comp)
        assert (tb.question_count, tb.main_question_count) == (2, 7)
        short = Blueprint.from_dict(db.session.get(ExamBlueprint, tb.blueprint_id).payload)
        assert short.demand() == {"GEN_A": 1, "SUBJ": 1}
        assert ranking.outcome(comp)[1].status == "tie_break_pending"
        for entry, right in zip(tb.entries, (1, 2, 0)):
            twin = db.session.get(Participant, entry.participant_id)
            assert codes.find_participant(codes.issue_code(twin, actor(cworld))).id == twin.id   # the proctor's door
            attempt = sit(cworld, twin, right)
            main = db.session.scalar(sa.select(Attempt).where(Attempt.participant_id == entry.main_participant_id))
            seen = {s["item_id"] for s in main.form["slots"]}
            assert not seen & {s["item_id"] for s in attempt.form["slots"]}   # nothing seen before
        _people, out = ranking.outcome(comp)
        assert (out.status, out.winner) == ("winner", tied[1].id)
        assert [c.participant_id for c in out.ranking][:3] == [tied[1].id, tied[0].id, tied[2].id]
        past_appeal_window()
        record = json.loads(issuing.issue(comp, actor(cworld)).record)
        assert record["tiebreak"]["question_count"] == 2
        assert record["ranking"][0]["tiebreak_points"] == 2


def test_tie_surviving_the_sum_needs_a_decision(cworld, app):
    with app.app_context():
        comp = make_competition(cworld)
        first = candidate(cworld, "21505199012341", 6, "Алиев")
        second = candidate(cworld, "21505199012342", 6, "Бекова")
        tb = _open_tiebreak(cworld, comp)
        for entry in tb.entries:
            sit(cworld, db.session.get(Participant, entry.participant_id), 1)
        _people, out = ranking.outcome(comp)
        assert out.status == "tie_unresolved" and set(out.tied_after_sum) == {first.id, second.id}
        with pytest.raises(ServiceError):
            past_appeal_window()
            issuing.issue(comp, actor(cworld))
        with pytest.raises(ServiceError):
            decisions.decide(comp, "tie_resolved", "", actor(cworld), participant_id=second.id)
        decisions.decide(comp, "tie_resolved", "Комиссиянын чечими", actor(cworld), participant_id=second.id)
        _people, out = ranking.outcome(comp)
        assert (out.status, out.winner, out.reserve) == ("winner", second.id, [first.id])


def test_winner_declines_runner_up_takes_the_post_with_a_new_protocol(cworld, app):
    with app.app_context():
        comp = make_competition(cworld)
        a = candidate(cworld, "21505199012341", 7, "Алиев")
        b = candidate(cworld, "21505199012342", 6, "Бекова")
        past_appeal_window()
        first = issuing.issue(comp, actor(cworld))
        decisions.decide(comp, "declined", "Келишимден баш тартты", actor(cworld))
        assert ranking.outcome(comp)[1].status == "declined"
        decisions.decide(comp, "runner_up_offered", "§29 б", actor(cworld))
        _people, out = ranking.outcome(comp)
        assert (out.status, out.winner, out.reserve) == ("winner", b.id, [])
        past_appeal_window()
        second = issuing.issue(comp, actor(cworld))
        assert second.supersedes_id == first.id
        record = json.loads(second.record)
        assert record["outcome"]["winner"]["pin"] == b.pin
        assert [d["kind"] for d in record["decisions"]] == ["declined", "runner_up_offered"]
        assert a.id not in out.reserve


def test_failed_no_applications(cworld, app):
    with app.app_context():
        comp = make_competition(cworld)
        assert ranking.outcome(comp)[1].failure == "no_applications"
        past_appeal_window()
        assert json.loads(issuing.issue(comp, actor(cworld)).record)["outcome"]["failure"] == "no_applications"


def test_failed_all_withdrew(cworld, app):
    with app.app_context():
        comp = make_competition(cworld)
        for pin in ("21505199012341", "21505199012342"):
            announce.withdraw(comp, register(cworld, pin), "Арызын кайтарып алды", actor(cworld))
        assert ranking.outcome(comp)[1].failure == "all_withdrew"


def test_failed_nobody_came(cworld, app):
    with app.app_context():
        comp = make_competition(cworld)
        register(cworld, "21505199012341")
        register(cworld, "21505199012342")
        assert ranking.outcome(comp)[1].status == "testing"   # the session is still open
        close(cworld.session)
        assert ranking.outcome(comp)[1].failure == "nobody_came"


def test_failed_nobody_reached_the_threshold(cworld, app):
    with app.app_context():
        comp = make_competition(cworld)
        candidate(cworld, "21505199012341", 4)
        candidate(cworld, "21505199012342", 2)
        _people, out = ranking.outcome(comp)
        assert (out.status, out.failure, out.reserve) == ("failed", "below_threshold", [])


def test_withdraw_needs_a_reason_and_an_applicant(cworld, app):
    with app.app_context():
        comp = make_competition(cworld)
        p = register(cworld, "21505199012341")
        with pytest.raises(ServiceError):
            announce.withdraw(comp, p, " ", actor(cworld))
        other = make_competition(cworld, code="EDU-2", link=False)
        with pytest.raises(ServiceError):
            announce.withdraw(other, p, "x", actor(cworld))


def test_the_registration_label_makes_an_applicant_without_a_linked_session(cworld, app):
    with app.app_context():
        comp = make_competition(cworld, link=False)
        p = register(cworld, "21505199012341")
        assert ranking.applicants(comp) == []
        p.competition = comp.code
        assert [a.participant.id for a in ranking.applicants(comp)] == [p.id]


def test_tiebreak_deadline_is_due_then_late(cworld, app, clock):
    from examserver.competitions import deadlines

    with app.app_context():
        comp = make_competition(cworld)
        candidate(cworld, "21505199012341", 6, "Алиев")
        candidate(cworld, "21505199012342", 6, "Бекова")
        (due,) = deadlines.deadlines(comp)
        assert (due.what, due.due_on, due.done, due.late) == ("tiebreak", date(2026, 11, 25), False, False)
        clock.advance(days=3)
        assert deadlines.deadlines(comp)[0].late
        with pytest.raises(ServiceError):
            tiebreak.schedule(comp, room(cworld), date(2026, 11, 26), START, None, actor(cworld))


def test_retention_purge_removes_an_expired_competition_protocol(cworld, app, clock):
    from examserver.protocols import retention

    with app.app_context():
        comp = make_competition(cworld)
        candidate(cworld, "21505199012341", 7, "Алиев")
        past_appeal_window()
        issuing.issue(comp, actor(cworld))
        clock.advance(days=5 * 366 + 1)
        summary = retention.purge(actor(cworld))
        assert summary.protocols >= 2   # the testing protocol and the competition protocol
        assert comp.protocol_id is None and issuing.current_protocol(comp) is None


def test_no_signing_while_an_appeal_could_change_a_score(cworld, app):
    from examserver.appeals import filing
    from examserver.models import Attempt

    with app.app_context():
        comp = make_competition(cworld)
        a = candidate(cworld, "21505199012341", 7, "Алиев")
        candidate(cworld, "21505199012342", 5, "Бекова")
        with pytest.raises(ServiceError) as exc:
            issuing.issue(comp, actor(cworld))
        assert exc.value.code == "appeal_open"   # the 1-hour window (§33) is still open
        attempt = db.session.scalar(sa.select(Attempt).where(Attempt.participant_id == a.id))
        filing.file_appeal(attempt, "Жоопторум сакталган жок", "proctor", actor(cworld))
        past_appeal_window()
        with pytest.raises(ServiceError) as exc:
            issuing.issue(comp, actor(cworld))
        assert exc.value.code == "appeal_open" and "Алиев" in exc.value.message   # filed, not yet signed
