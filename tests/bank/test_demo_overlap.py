"""Expected overlap of two forms of one blueprint (issue 11, "Demo bank quality": grow the bank so
that two forms of one group share few questions, and report the expected overlap).

The figure is pure arithmetic (``question_bank.quality.expected_overlap``), checked here against a
hand-computed example and against real draws, and printed by ``examserver bank check --overlap``.
The demo bank's basic section must stay at or below the share reached when it was grown."""
from __future__ import annotations

from pathlib import Path

import pytest

from question_bank.blueprint_files import load_blueprints
from question_bank.drawing import draw_form
from question_bank.formats import load_bank
from question_bank.quality import expected_overlap, section_overlaps

SAMPLES = Path(__file__).resolve().parents[2] / "question_bank" / "samples"
BLUEPRINTS = SAMPLES / "demo-blueprints" / "blueprints.yaml"

# Achieved when the basic topics were grown (docs/bank-management.md, "Form overlap"): 20.4 %,
# rounded up; it was 40.2 % before.
MAX_BASIC_OVERLAP = 0.21


def test_expected_overlap_hand_computed():
    # Quotas A 2 of 4, B 3 of 6, C 1 of 1: common 2*2/4 + 3*3/6 + 1*1/1 = 1 + 1.5 + 1 = 3.5
    # questions of 6, i.e. 7/12.
    share = expected_overlap({"A": 2, "B": 3, "C": 1}, {"A": 4, "B": 6, "C": 1, "D": 50})
    assert share == pytest.approx(7 / 12)
    # The demo basic section before it was grown: 36/14 + 25/12 + 25/12 + 16/10 + 16/10 + 9/9 + 9/8
    # = 12.0595... of 30.
    before = expected_overlap(
        {"CONST": 6, "LABOUR": 5, "CIVIL_SERVICE": 5, "ANTI_CORRUPTION": 4, "NLA": 4, "APPEALS": 3, "ETHICS": 3},
        {"CONST": 14, "LABOUR": 12, "CIVIL_SERVICE": 12, "ANTI_CORRUPTION": 10, "NLA": 10, "APPEALS": 9,
         "ETHICS": 8})
    assert before == pytest.approx((36 / 14 + 25 / 12 * 2 + 1.6 * 2 + 1 + 9 / 8) / 30)
    assert round(before, 3) == 0.402


def test_expected_overlap_edges():
    assert expected_overlap({}, {"A": 5}) == 0.0
    assert expected_overlap({"A": 0}, {"A": 5}) == 0.0
    assert expected_overlap({"A": 3}, {"A": 3}) == 1.0           # the whole pool: always the same items
    assert expected_overlap({"A": 3}, {}) == 1.0                 # cannot be drawn: counted as shared
    assert expected_overlap({"A": 2, "B": 2}, {"A": 2, "B": 200}) == pytest.approx((2 + 4 / 200) / 4)


def test_expected_overlap_matches_real_draws():
    """The mean share of common items over many pairs of seeded forms is close to the formula."""
    bank = load_bank(SAMPLES / "demo")
    bp = load_blueprints(BLUEPRINTS)[0]
    forms = [draw_form(bp, bank.items, seed) for seed in range(60)]
    basic = [{s.item_id for s in f.slots if s.section == "basic"} for f in forms]
    pairs = [(a, b) for i, a in enumerate(basic) for b in basic[i + 1:]]
    measured = sum(len(a & b) for a, b in pairs) / len(pairs) / len(basic[0])
    assert measured == pytest.approx(section_overlaps(bp, bank.items)["basic"], abs=0.02)


def test_demo_basic_section_overlap_stays_low():
    bank = load_bank(SAMPLES / "demo")
    for bp in load_blueprints(BLUEPRINTS):
        shares = section_overlaps(bp, bank.items)
        assert shares["basic"] <= MAX_BASIC_OVERLAP, (bp.code, shares)
        assert 0 < shares[""] < 1


def test_bank_check_prints_the_overlap(runner):
    result = runner.invoke(args=["bank", "check", str(SAMPLES / "demo"), "--overlap", str(BLUEPRINTS)])
    assert result.exit_code == 0, result.output
    assert "Expected share of common questions between two forms of one blueprint:" in result.output
    line = next(ln for ln in result.output.splitlines() if ln.strip().startswith("CRIM-B-A v1:"))
    bank = load_bank(SAMPLES / "demo")
    bp = next(b for b in load_blueprints(BLUEPRINTS) if b.code == "CRIM-B-A")
    assert f"basic {section_overlaps(bp, bank.items)['basic']:.1%}" in line


def test_bank_check_overlap_names_a_broken_blueprint_file(runner, tmp_path):
    bad = tmp_path / "bp.yaml"
    bad.write_text("blueprints:\n  - code: X\n    group: Б-А\n", encoding="utf-8")
    result = runner.invoke(args=["bank", "check", str(SAMPLES / "demo"), "--overlap", str(bad)])
    assert result.exit_code == 1
    assert "bp.yaml:2:" in result.output
    assert "Traceback" not in result.output
