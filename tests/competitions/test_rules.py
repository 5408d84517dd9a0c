"""The rules engine on plain data: every clause of seed 003 §§29-32 and seed 001."""
from examserver.competitions.rules import Candidate, Facts, decide


def scored(pid, total, meets=True, max_points=10, tiebreak=None):
    return Candidate(pid, f"P{pid}", "tested", total=total, max_points=max_points, meets=meets, tiebreak=tiebreak)


def edu(cands, **kw):
    return Facts("education", cands, **kw)


def muni(cands, **kw):
    return Facts("municipal", cands, **kw)


def test_no_applications_fails():
    out = decide(edu([]))
    assert (out.status, out.failure) == ("failed", "no_applications")


def test_all_withdrew_fails():
    out = decide(edu([Candidate(1, "A", "withdrawn"), Candidate(2, "B", "withdrawn")]))
    assert (out.status, out.failure) == ("failed", "all_withdrew")


def test_nobody_came_fails():
    out = decide(edu([Candidate(1, "A", "absent"), Candidate(2, "B", "withdrawn"), Candidate(3, "C", "not_admitted")]))
    assert (out.status, out.failure) == ("failed", "nobody_came")


def test_nobody_reached_the_threshold_fails():
    out = decide(edu([scored(1, 9, meets=False), scored(2, 3, meets=False)]))
    assert (out.status, out.failure) == ("failed", "below_threshold")
    assert out.reserve == [] and out.winner is None


def test_someone_still_testing_is_not_decided():
    assert decide(edu([scored(1, 9), Candidate(2, "B", "pending")])).status == "testing"


def test_highest_score_wins_and_reserve_excludes_those_below_threshold():
    out = decide(edu([scored(1, 6), scored(2, 9), scored(3, 7), scored(4, 8, meets=False)]))
    assert (out.status, out.winner) == ("winner", 2)
    # 8 points but below a section minimum (verdict "does not meet"): never in the reserve (§32).
    assert out.reserve == [3, 1]
    assert out.places == {2: 1, 4: 2, 3: 3, 1: 4}


def test_three_way_tie_needs_an_additional_test_then_the_sum_decides():
    cands = [scored(1, 9), scored(2, 9), scored(3, 9), scored(4, 5)]
    assert decide(edu(cands)).status == "tie_break_needed"
    assert decide(edu(cands, tiebreak_scheduled=True)).status == "tie_break_pending"
    cands[0].tiebreak, cands[1].tiebreak, cands[2].tiebreak = 2, 3, 1
    out = decide(edu(cands, tiebreak_scheduled=True, tiebreak_complete=True))
    assert sorted(out.tied) == [1, 2, 3]
    assert (out.status, out.winner) == ("winner", 2)
    assert [c.participant_id for c in out.ranking] == [2, 1, 3, 4]
    assert out.reserve == [1, 3, 4]


def test_a_tie_that_survives_the_sum_needs_a_recorded_decision():
    cands = [scored(1, 9, tiebreak=2), scored(2, 9, tiebreak=2), scored(3, 9, tiebreak=1)]
    out = decide(edu(cands, tiebreak_scheduled=True, tiebreak_complete=True))
    assert out.status == "tie_unresolved" and out.tied_after_sum == [1, 2] and out.winner is None
    out = decide(edu(cands, tiebreak_scheduled=True, tiebreak_complete=True, tie_resolved_for=2))
    assert (out.status, out.winner) == ("winner", 2)
    # A decision naming someone not tied after the sum is ignored.
    assert decide(edu(cands, tiebreak_scheduled=True, tiebreak_complete=True, tie_resolved_for=3)).winner is None


def test_winner_declines_then_runner_up_or_new_competition():
    cands = [scored(1, 9), scored(2, 8), scored(3, 4, meets=False)]
    out = decide(edu(cands, declined=[1]))
    assert (out.status, out.winner) == ("declined", None)
    out = decide(edu(cands, declined=[1], runner_up_offered=True))
    assert (out.status, out.winner, out.reserve) == ("winner", 2, [])
    out = decide(edu(cands, declined=[1], new_competition=True))
    assert (out.status, out.winner) == ("new_competition", None)
    # The runner-up declines too: nobody left at or above the threshold.
    assert decide(edu(cands, declined=[1, 2], runner_up_offered=True)).status == "declined"


def test_municipal_interview_majority_and_internal_reserve():
    cands = [scored(1, 80, max_points=100), scored(2, 60, max_points=100), scored(3, 49, max_points=100),
             scored(4, 75, max_points=100)]
    out = decide(muni(cands))
    assert out.status == "interview" and out.reached == [1, 4, 2]   # 3 is below 50 %
    out = decide(muni(cands, votes={"a": 4, "b": 4, "c": 1}))
    assert (out.status, out.winner, out.present) == ("winner", 4, 3)
    # 75 % or more and not appointed: the internal reserve.
    assert (out.reserve_kind, out.reserve) == ("internal", [1])


def test_municipal_split_vote_has_no_majority():
    cands = [scored(1, 80, max_points=100), scored(2, 60, max_points=100)]
    out = decide(muni(cands, votes={"a": 1, "b": 2}))
    assert (out.status, out.winner) == ("no_majority", None)
    out = decide(muni(cands, votes={"a": 1, "b": 2, "c": None, "d": 1}))
    assert out.status == "no_majority"   # 2 of 4 present is not more than half
    out = decide(muni(cands, votes={"a": 1, "b": 1, "c": None}))
    assert (out.status, out.winner) == ("winner", 1)


def test_municipal_threshold_is_half_of_the_attainable_score():
    out = decide(muni([scored(1, 49, max_points=100), scored(2, 10, max_points=100)]))
    assert (out.status, out.failure) == ("failed", "below_threshold")
    assert decide(muni([scored(1, 50, max_points=100)])).status == "interview"


def test_tiebreak_blueprint_keeps_the_topics_in_proportion():
    from question_bank.blueprint import Blueprint, Quota, Section, Threshold
    from examserver.competitions.tiebreak import derive_blueprint, max_questions

    basic = Section("basic", {"ru": "Основной"}, (Quota("CONST", 6), Quota("LABOUR", 5), Quota("CIVIL", 5),
                                                  Quota("ANTI", 4), Quota("NLA", 4), Quota("APPEALS", 3),
                                                  Quota("ETHICS", 3)), min_correct=12)
    subject = Section("subject", {"ru": "Предметный"}, (Quota("COURTS", 15), Quota("JUDGES", 15)), min_correct=12)
    main = Blueprint("LEAD", 1, "Б-А", {"ru": "Тест"}, 90, ("ky", "ru"), True, Threshold("percent", 50),
                     (basic, subject))
    assert max_questions(main) == 20
    short = derive_blueprint(main, 20, "TB-X", 1)
    assert short.question_count == 20
    assert short.demand() == {"CONST": 2, "LABOUR": 2, "CIVIL": 2, "ANTI": 1, "NLA": 1, "APPEALS": 1, "ETHICS": 1,
                              "COURTS": 5, "JUDGES": 5}
    assert short.threshold == Threshold("percent", 0) and all(s.min_correct is None for s in short.sections)
    assert short.duration_minutes == 30
    assert derive_blueprint(main, 1, "TB-X", 2).demand() == {"COURTS": 1}
