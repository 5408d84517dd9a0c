"""Municipal rules (seed 001) through the services: 50 % to the interview,
the commission's votes (majority of the members present, a split vote and a new
round), the 75 % internal reserve; and the results letters."""
from __future__ import annotations

import csv
import io
import json

import pytest

from examserver.core.errors import ServiceError
from examserver.competitions import decisions, deadlines, issuing, letters, ranking
from tests.competitions.conftest import actor, candidate, make_competition, past_appeal_window


def _three(world):
    a = candidate(world, "21505199012341", 7, "Алиев")       # 100 %
    b = candidate(world, "21505199012342", 5, "Бекова")      # 71 %
    c = candidate(world, "21505199012343", 3, "Чынаров")     # 43 %: not invited
    return a, b, c


def test_interview_majority_winner_and_internal_reserve(cworld, app):
    with app.app_context():
        comp = make_competition(cworld, "municipal", "MUN-1")
        a, b, c = _three(cworld)
        _people, out = ranking.outcome(comp)
        assert out.status == "interview" and out.reached == [a.id, b.id]
        with pytest.raises(ServiceError):   # a vote for someone below 50 % is refused
            decisions.record_votes(comp, [("Мамбетов", c.id, {})], actor(cworld))
        decisions.record_votes(comp, [("Мамбетов", b.id, {"motivation": "Жакшы"}), ("Осмонова", b.id, {}),
                                      ("Токтогулов", a.id, {})], actor(cworld))
        _people, out = ranking.outcome(comp)
        assert (out.status, out.winner, out.present) == ("winner", b.id, 3)
        assert (out.reserve_kind, out.reserve) == ("internal", [a.id])   # 100 % and not appointed
        past_appeal_window()
        record = json.loads(issuing.issue(comp, actor(cworld)).record)
        assert record["interview"]["present"] == 3
        assert record["interview"]["votes"][0]["notes"] == {"motivation": "Жакшы"}
        assert record["reserve"]["kind"] == "internal"


def test_split_vote_needs_a_new_round(cworld, app):
    with app.app_context():
        comp = make_competition(cworld, "municipal", "MUN-2")
        a, b, _c = _three(cworld)
        decisions.record_votes(comp, [("Мамбетов", a.id, {}), ("Осмонова", b.id, {}), ("Токтогулов", None, {})],
                               actor(cworld))
        _people, out = ranking.outcome(comp)
        assert (out.status, out.winner) == ("no_majority", None)
        with pytest.raises(ServiceError):
            past_appeal_window()
            issuing.issue(comp, actor(cworld))
        with pytest.raises(ServiceError):   # the round is recorded; no second vote in it
            decisions.record_votes(comp, [("Мамбетов", a.id, {})], actor(cworld))
        decisions.decide(comp, "new_vote", "Добуштар бөлүндү", actor(cworld))
        assert ranking.outcome(comp)[1].status == "interview"
        decisions.record_votes(comp, [("Мамбетов", a.id, {}), ("Осмонова", a.id, {})], actor(cworld))
        _people, out = ranking.outcome(comp)
        assert (out.status, out.winner) == ("winner", a.id)


def test_letters_one_per_participant_in_their_language_with_the_issue_date(cworld, app):
    with app.app_context():
        comp = make_competition(cworld, "municipal", "MUN-3")
        a, b, c = _three(cworld)
        b.language = "ru"
        with pytest.raises(ServiceError):   # no letters before the signed protocol
            letters.letters_csv(comp)
        decisions.record_votes(comp, [("Мамбетов", a.id, {})], actor(cworld))
        past_appeal_window()
        issuing.issue(comp, actor(cworld))
        due = [d for d in deadlines.deadlines(comp) if d.what == "letters"][0]
        assert not due.done and not due.late
        pdf = letters.letter_pdf(comp, b, actor(cworld))
        assert pdf.startswith(b"%PDF")
        assert letters.issue_all(comp, actor(cworld)) == 2
        rows = list(csv.DictReader(io.StringIO(letters.letters_csv(comp)), delimiter=";"))
        by_pin = {r["pin"]: r for r in rows}
        assert by_pin[a.pin]["result"] == "winner"
        assert by_pin[b.pin]["result"] == "not_selected" and by_pin[b.pin]["language"] == "ru"
        assert by_pin[c.pin]["result"] == "below_threshold"
        assert all(r["letter_issued_at"] for r in rows)
        assert [d for d in deadlines.deadlines(comp) if d.what == "letters"][0].done


def test_letters_late_after_five_days(cworld, app, clock):
    with app.app_context():
        comp = make_competition(cworld, "municipal", "MUN-4")
        a, _b, _c = _three(cworld)
        decisions.record_votes(comp, [("Мамбетов", a.id, {})], actor(cworld))
        past_appeal_window()
        issuing.issue(comp, actor(cworld))
        clock.advance(days=6)
        due = [d for d in deadlines.deadlines(comp) if d.what == "letters"][0]
        assert due.late and not due.done
