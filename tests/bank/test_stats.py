"""question_bank.stats: every statistic against a hand-computed example, and each flag."""
from __future__ import annotations

import math

import pytest

from question_bank.drawing import Form, Slot
from question_bank.items import Item, Option
from question_bank.quality import duplicates, key_cue, longest_option_score
from question_bank.stats import (Result, analyse,
                                 time_on_slots)


def item(iid: str, key: str = "a", texts: dict[str, tuple[str, ...]] | None = None,
         question: str | None = None) -> Item:
    """A single-choice item with options a-d; ``texts`` overrides the option texts per language."""
    texts = texts or {lang: tuple(f"{iid} {lang} option {o}" for o in "abcd") for lang in ("ky", "ru")}
    ids = "abcdefgh"[:len(texts["ky"])]
    return Item(id=iid, version=1, topic="T", type="single",
                text={"ky": question or f"{iid} суроо", "ru": question or f"{iid} вопрос"},
                options=tuple(Option(o, {lang: texts[lang][n] for lang in texts}) for n, o in enumerate(ids)),
                key=frozenset(key))


def form_of(*items: Item, section: str = "basic") -> Form:
    return Form("BP", 1, 0, tuple(Slot(n, section, "T", it.id, 1, tuple(o.id for o in it.options))
                                  for n, it in enumerate(items, 1)))


def results(form: Form, rows: list[str]) -> list[Result]:
    """One string per candidate, one letter per slot ('-' = omitted)."""
    return [Result(form, {n: frozenset(ch) for n, ch in enumerate(row, 1) if ch != "-"}) for row in rows]


# Six candidates, four items keyed 'a' (hand-computed in the comments):
#            I1 I2 I3 I4   total
ROWS = ["aaaa",  # C1 1  1  1  1   4
        "aaab",  # C2 1  1  1  0   3
        "aaba",  # C3 1  1  0  1   3
        "aabc",  # C4 1  1  0  0   2
        "ab-c",  # C5 1  0  0  0   1
        "b-a-"]  # C6 0  0  1  0   1
ITEMS = [item(f"I{n}") for n in range(1, 5)]
FORM = form_of(*ITEMS)


@pytest.fixture
def analysed():
    return analyse(results(FORM, ROWS), {i.ref: i for i in ITEMS}, min_responses=1)


def test_difficulty_omission_and_options(analysed):
    items, _form = analysed
    i1, i2, i3, i4 = (items[(f"I{n}", 1)] for n in range(1, 5))
    assert [i.p for i in (i1, i2, i3, i4)] == pytest.approx([5 / 6, 4 / 6, 3 / 6, 2 / 6])
    assert (i2.responses, i2.answered, i2.omission_rate) == (6, 5, pytest.approx(1 / 6))
    opts = {o.id: o for o in i3.options}
    # a: C1, C2, C6 (totals 4, 3, 1); b: C3, C4 (3, 2); c, d: nobody
    assert (opts["a"].count, opts["a"].share, opts["a"].mean_total) == (3, 0.5, pytest.approx(8 / 3))
    assert (opts["b"].count, opts["b"].mean_total) == (2, 2.5)
    assert opts["c"].count == 0 and opts["c"].mean_total is None and opts["a"].is_key and not opts["b"].is_key


def test_discrimination(analysed):
    items, _form = analysed
    i1 = items[("I1", 1)]
    # r_pb = (M1 - M0) / s * sqrt(pq): scorers of I1 average 13/5, the one who missed it 1; var(total) = 11/9
    assert i1.point_biserial == pytest.approx((13 / 5 - 1) / math.sqrt(11 / 9) * math.sqrt(5 / 36))
    # corrected: against total minus the item, rest = [3,2,2,1,0,1]: means 8/5 and 1, var 11/12
    assert i1.corrected_r == pytest.approx((8 / 5 - 1) / math.sqrt(11 / 12) * math.sqrt(5 / 36))
    # 27 % of 6 -> groups of 2: lower C5, C6 (one correct), upper C3, C1 (both correct)
    assert i1.upper_lower == pytest.approx(0.5)
    assert items[("I4", 1)].upper_lower == pytest.approx(1.0)


def test_reliability(analysed):
    _items, form = analysed
    # KR-20 = k/(k-1) (1 - sum pq / var) = 4/3 (1 - (30/36) / (44/36)) = 14/33
    assert form.candidates == 6 and form.mean == pytest.approx(14 / 6)
    assert form.sd == pytest.approx(math.sqrt(11 / 9))
    assert form.alpha == pytest.approx(14 / 33) and form.kr20 == pytest.approx(14 / 33)
    assert form.sem == pytest.approx(math.sqrt(11 / 9 * (1 - 14 / 33)))
    assert form.totals == [4, 3, 3, 2, 1, 1] and form.sections == {"basic": [4, 3, 3, 2, 1, 1]}


def test_random_forms_use_each_candidates_own_items():
    """Two candidates with different forms: alpha uses the variances of the items each was given."""
    a, b, c = item("A"), item("B"), item("C")
    rs = [Result(form_of(a, b), {1: frozenset("a"), 2: frozenset("a")}),
          Result(form_of(a, c), {1: frozenset("b"), 2: frozenset("b")}),
          Result(form_of(a, b), {1: frozenset("a"), 2: frozenset("b")})]
    items, form = analyse(rs, {i.ref: i for i in (a, b, c)}, min_responses=1)
    assert items[("A", 1)].responses == 3 and items[("C", 1)].responses == 1
    # totals 2, 0, 1: var 2/3; pA = 2/3, pB = 1/2, pC = 0
    sum_var = ((2 / 9 + 1 / 4) + (2 / 9 + 0) + (2 / 9 + 1 / 4)) / 3
    assert form.alpha == pytest.approx(2 * (1 - sum_var / (2 / 3)))


def flags_of(rows: list[str], it: Item | None = None, n_items: int = 1) -> dict[str, list[str]]:
    it = it or item("X")
    others = [item(f"O{n}") for n in range(n_items - 1)]
    form = form_of(it, *others)
    items, _ = analyse(results(form, rows), {i.ref: i for i in (it, *others)}, min_responses=1)
    return [f.code for f in items[it.ref].flags]


def test_flag_too_easy_and_unused_distractors():
    assert flags_of(["a"] * 20) == ["too_easy", "unused_distractor", "unused_distractor", "unused_distractor"]
    assert "too_easy" not in flags_of(["a"] * 19 + ["b"])   # p = 0.95 is not above 0.95


def test_flag_too_hard():
    assert "too_hard" in flags_of(["a"] + ["b", "c", "d"] * 2)      # p = 1/7
    assert "too_hard" not in flags_of(["a", "b", "c", "d", "b"])     # p = 0.2


def test_flag_negative_and_low_discrimination():
    # those who get X right fail the other items, and the reverse
    assert "negative_discrimination" in flags_of(["abb", "abb", "baa", "caa", "daa"], n_items=3)
    # X is right for 6 of 9; its scorers average 1 on the rest, the others 2/3:
    # r = (1 - 2/3) / sd(rest) * sqrt(pq), sd(rest) = sqrt(18/9 - (8/9)^2) -> 0.143
    rows = ["aaaa", "aaab", "baab", "aabb", "abbb", "cbbb", "abbb", "dbbb", "abbb"]
    assert flags_of(rows, n_items=4).count("low_discrimination") == 1
    assert "low_discrimination" not in flags_of(["aaaa", "aaab", "baab", "aabb", "abbb", "cbbb", "abbb", "dbbb",
                                                 "bbbb"], n_items=4)


def test_flag_strong_distractor():
    # option b is chosen by the candidates who do best on the rest of the test
    rows = ["baa", "baa", "aba", "abb", "cbb", "dbb"]
    assert "strong_distractor" in flags_of(rows, n_items=3)
    assert "strong_distractor" not in flags_of(["aaa", "aaa", "bbb", "cbb", "dbb"], n_items=3)


def test_no_response_flags_below_min_responses():
    it = item("X")
    items, _ = analyse(results(form_of(it), ["a"] * 5), {it.ref: it}, min_responses=20)
    assert items[it.ref].flags == []


LONG = ("Мамлекеттик кызматчы мыйзамда каралган тартипте жана мөөнөттө милдеттүү", "Жок", "Ооба", "Билбейм")


def test_flag_longest_key():
    cued = item("X", texts={"ky": LONG, "ru": ("Да", "Нет", "Не знаю", "Иногда")})
    assert key_cue(cued) == "ky"
    items, _ = analyse(results(form_of(cued), ["a"]), {cued.ref: cued}, min_responses=20)
    assert [f.code for f in items[cued.ref].flags] == ["longest_key"]
    # the same texts with a short key are fine, and a key only 1.4x longer is fine
    assert key_cue(item("Y", key="b", texts={"ky": LONG, "ru": LONG})) is None
    assert key_cue(item("Z", texts={"ky": ("abcdefg", "abcde", "ab", "a"), "ru": ("a",) * 4})) is None
    assert key_cue(item("W", texts={"ky": ("abcdefghijklmno", "abcdefghij", "ab", "a"), "ru": ("a",) * 4})) == "ky"


def test_longest_option_score():
    cued = item("X", texts={"ky": LONG, "ru": LONG})
    plain = item("Y", key="b", texts={"ky": LONG, "ru": LONG})
    tie = item("Z", texts={"ky": ("aa", "bb", "c", "d"), "ru": ("aa", "bb", "c", "d")})
    form = form_of(cued, plain, tie)
    assert longest_option_score(form, {i.ref: i for i in (cued, plain, tie)}, "ky") == 1


def test_duplicates_across_topics():
    a = item("A", question="Мыйзам  качан  күчүнө кирет?")
    b = item("B", question="мыйзам качан күчүнө кирет")
    assert duplicates([a, b, item("C")]) == [("A", "B", "ky"), ("A", "B", "ru")]


def test_time_on_slots():
    # start at 0 on slot 1 (visit), answer slot 1 at 30, visit 2 at 40, answer 2 at 100, visit 1 at 110, end 130
    events = [(0, 1), (30, 1), (40, 2), (100, 2), (110, 1)]
    assert time_on_slots(events, end=130) == {1: 60, 2: 70}
    assert time_on_slots([(5, None), (10, 3)], end=12) == {3: 2}
