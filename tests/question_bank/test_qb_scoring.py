"""Scoring: bounds, monotone verdict, neutralisation, minimums, no key leaks."""
from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from question_bank.blueprint import Threshold
from question_bank.canonical import canonical_json
from question_bank.drawing import draw_form
from question_bank.scoring import ScoringError, present_item, score_form
from question_bank.types import QUESTION_TYPES
from qb_factories import make_blueprint, make_item, make_pool

BP = make_blueprint([("basic", [("CONST", 4, 2), ("LAB", 2, None)], 3),
                     ("subject", [("CIV", 4, None)], None)], Threshold("percent", 60))
POOL = (make_pool({"CONST": 6, "LAB": 3}) +
        [make_item(f"CIV-{i}", "CIV", qtype="multiple", key=("a", "c"), points=2) for i in range(5)])
ITEMS = {i.ref: i for i in POOL}
FORM = draw_form(BP, POOL, 99)
N = len(FORM.slots)
CHOICES = st.sampled_from(["none", "right", "wrong"])


def answer(slot, how):
    item = ITEMS[slot.item_ref]
    if how == "right":
        return item.key
    if how == "wrong":
        return frozenset({"d"})
    return frozenset()


def answers_from(plan):
    return {s.index: answer(s, how) for s, how in zip(FORM.slots, plan) if how != "none"}


PLANS = st.lists(CHOICES, min_size=N, max_size=N)


@settings(max_examples=100, deadline=None)
@given(plan=PLANS)
def test_bounds_and_no_floats(plan):
    r = score_form(FORM, ITEMS, BP, answers_from(plan))
    assert 0 <= r.total_points <= r.max_points == 14
    assert r.correct == plan.count("right") and r.answered == N - plan.count("none")
    assert sum(s.points for s in r.sections) == r.total_points
    canonical_json(r.to_dict())  # raises on any float
    assert r.verdict == ("meets" if r.meets else "does_not_meet")


@settings(max_examples=100, deadline=None)
@given(plan=PLANS, i=st.integers(0, N - 1))
def test_adding_a_correct_answer_never_hurts(plan, i):
    before = score_form(FORM, ITEMS, BP, answers_from(plan))
    plan = list(plan)
    plan[i] = "right"
    after = score_form(FORM, ITEMS, BP, answers_from(plan))
    assert after.total_points >= before.total_points
    assert not (before.meets and not after.meets)


@settings(max_examples=60, deadline=None)
@given(plan=PLANS, i=st.integers(0, N - 1))
def test_credit_counts_as_correct(plan, i):
    slot = FORM.slots[i]
    credited = score_form(FORM, ITEMS, BP, answers_from(plan), {slot.index: "credit"})
    plan = list(plan)
    plan[i] = "right"
    right = score_form(FORM, ITEMS, BP, answers_from(plan))
    assert (credited.total_points, credited.correct, credited.max_points, credited.meets) == (
        right.total_points, right.correct, right.max_points, right.meets)
    assert credited.slots[i].neutralised == "credit" and credited.slots[i].correct


@settings(max_examples=60, deadline=None)
@given(plan=PLANS, i=st.integers(0, N - 1))
def test_remove_leaves_max_and_counts(plan, i):
    slot = FORM.slots[i]
    base = score_form(FORM, ITEMS, BP, answers_from(plan))
    removed = score_form(FORM, ITEMS, BP, answers_from(plan), {slot.index: "remove"})
    pts = ITEMS[slot.item_ref].points
    assert removed.max_points == base.max_points - pts
    assert removed.questions == base.questions - 1
    assert removed.total_points == base.total_points - base.slots[i].points
    assert removed.correct == base.correct - base.slots[i].correct
    assert removed.slots[i].points == removed.slots[i].max_points == 0


def test_percent_threshold_is_integer_ceiling():
    r = score_form(FORM, ITEMS, BP, {})
    assert r.threshold_points == 9  # ceil(60 * 14 / 100) = ceil(8.4)
    assert r.verdict == "does_not_meet"


def test_section_minimum_fails_a_high_total():
    # Everything right except three CONST questions: 11 of 14 points, but the
    # basic section needs 3 correct... and the CONST topic needs 2 of 4.
    plan = ["right"] * N
    wrong = [k for k, s in enumerate(FORM.slots) if s.topic == "CONST"][:3]
    for k in wrong:
        plan[k] = "wrong"
    r = score_form(FORM, ITEMS, BP, answers_from(plan))
    assert r.total_points >= r.threshold_points
    basic = r.sections[0]
    assert (basic.correct, basic.min_correct, basic.meets) == (3, 3, True)
    const = next(t for t in r.topics if t.code == "CONST")
    assert (const.correct, const.min_correct, const.meets) == (1, 2, False)
    assert r.verdict == "does_not_meet"
    plan[wrong[0]] = "right"
    assert score_form(FORM, ITEMS, BP, answers_from(plan)).verdict == "meets"


def test_correct_threshold_counts_answers():
    bp = make_blueprint([("s", [("CONST", 4, None)], None)], Threshold("correct", 3))
    form = draw_form(bp, POOL, 1)
    items = {i.ref: i for i in POOL}
    two = {s.index: items[s.item_ref].key for s in form.slots[:2]}
    three = {s.index: items[s.item_ref].key for s in form.slots[:3]}
    assert score_form(form, items, bp, two).verdict == "does_not_meet"
    assert score_form(form, items, bp, three).verdict == "meets"


def test_bad_inputs_raise():
    with pytest.raises(ScoringError):
        score_form(FORM, ITEMS, BP, {999: frozenset("a")})
    with pytest.raises(ScoringError):
        score_form(FORM, ITEMS, BP, {}, {1: "forgive"})
    with pytest.raises(ScoringError):
        score_form(FORM, {}, BP, {})


def test_grading_rules():
    single = make_item("S", key=("b",))
    multi = make_item("M", qtype="multiple", key=("a", "c"), points=2)
    g1, g2 = QUESTION_TYPES["single"], QUESTION_TYPES["multiple"]
    assert g1.grade(single, frozenset("b")) == 1 and g1.grade(single, frozenset("ab")) == 0
    assert g2.grade(multi, frozenset("ac")) == 2
    assert g2.grade(multi, frozenset("a")) == 0 and g2.grade(multi, frozenset("acd")) == 0
    assert g1.validate(make_item("S2", key=("a", "b"))) == [
        "key: a single-choice item needs exactly one key, has 2"]


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**53), lang=st.sampled_from(["ky", "ru"]))
def test_present_item_never_leaks_the_key(seed, lang):
    form = draw_form(BP, POOL, seed)
    for slot in form.slots:
        item = ITEMS[slot.item_ref]
        shown = present_item(item, lang, slot.option_order)
        assert set(shown) == {"id", "version", "text", "options", "type"}
        assert all(set(o) == {"id", "text"} for o in shown["options"])
        assert [o["id"] for o in shown["options"]] == list(slot.option_order)
        assert "key" not in json.dumps(shown)


def test_present_item_refuses_bad_input():
    item = make_item("X")
    with pytest.raises(ValueError):
        present_item(item, "kk", item.option_ids)
    with pytest.raises(ValueError):
        present_item(item, "ky", ("a", "b"))
