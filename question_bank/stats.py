"""Item and form statistics from scored attempts (classical test theory), and item flags.

Pure functions over forms, answers and items. Each candidate has their own
randomly drawn form, so an item's figures come from the candidates who were
shown it, and a form's reliability (KR-20 / Cronbach's alpha) uses, for each
candidate, the variances of the items they were given (with one common form
this is exactly the textbook KR-20). Variances are population variances
(divided by n), consistently, so alpha and KR-20 agree on 1-point items.
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from .drawing import Form
from .items import Item
from .quality import CUE_RATIO, key_cue
from .types import QUESTION_TYPES

TOO_EASY, TOO_HARD, LOW_DISCRIMINATION = 0.95, 0.2, 0.15
UPPER_LOWER_SHARE = 0.27


@dataclass
class ItemStat:
    """How one item version fared: ``p_permille`` is the share correct, in 1/1000."""

    ref: tuple[str, int]
    shown: int = 0
    answered: int = 0
    correct: int = 0
    option_counts: dict[str, int] = field(default_factory=dict)

    @property
    def p_value(self) -> str:
        """Difficulty index as an exact fraction, e.g. ``"37/52"`` (``"0/0"`` if never shown)."""
        return f"{self.correct}/{self.shown}"

    @property
    def p_permille(self) -> int | None:
        """Share of correct answers per mille, rounded half up; None if never shown."""
        if not self.shown:
            return None
        return (2000 * self.correct + self.shown) // (2 * self.shown)

    def to_dict(self) -> dict:
        """JSON-able form."""
        return {"id": self.ref[0], "version": self.ref[1], "shown": self.shown,
                "answered": self.answered, "correct": self.correct,
                "p_value": self.p_value, "p_permille": self.p_permille,
                "option_counts": dict(sorted(self.option_counts.items()))}


def item_statistics(results: Iterable[tuple[Form, Mapping[int, frozenset[str]]]],
                    items: Mapping[tuple[str, int], Item]) -> dict[tuple[str, int], ItemStat]:
    """Per item version: times shown, answered, correct, and how often each option was chosen.

    ``results`` are ``(form, answers)`` pairs as given to scoring.
    Neutralisations are ignored: these statistics are what candidates did.
    """
    stats: dict[tuple[str, int], ItemStat] = {}
    for form, answers in results:
        for slot in form.slots:
            item = items[slot.item_ref]
            st = stats.setdefault(slot.item_ref, ItemStat(slot.item_ref))
            st.shown += 1
            response = frozenset(answers.get(slot.index) or ())
            if not response:
                continue
            st.answered += 1
            for oid in response:
                st.option_counts[oid] = st.option_counts.get(oid, 0) + 1
            if QUESTION_TYPES[item.type].grade(item, response) == item.points:
                st.correct += 1
    return stats


# --- classical test theory -------------------------------------------------

@dataclass(frozen=True)
class Result:
    """One finished attempt: its frozen form, final answers and seconds spent per slot."""

    form: Form
    answers: Mapping[int, frozenset[str]]
    seconds: Mapping[int, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Flag:
    """Why an item needs attention: a stable ``code`` and the figures behind it."""

    code: str
    detail: str


@dataclass
class OptionStat:
    """One option of one item: how many chose it, their share, their mean total score."""

    id: str
    is_key: bool
    count: int
    share: float
    mean_total: float | None


@dataclass
class ItemAnalysis:
    """Everything the console and the CLI show for one item version."""

    ref: tuple[str, int]
    topic: str
    responses: int
    answered: int
    omission_rate: float
    p: float | None
    point_biserial: float | None
    corrected_r: float | None
    upper_lower: float | None
    options: list[OptionStat]
    mean_seconds: float | None
    flags: list[Flag] = field(default_factory=list)

    def to_dict(self) -> dict:
        """JSON-able form (floats rounded to 4 places)."""
        r = _round
        return {"id": self.ref[0], "version": self.ref[1], "topic": self.topic,
                "responses": self.responses, "answered": self.answered,
                "omission_rate": r(self.omission_rate), "p": r(self.p),
                "point_biserial": r(self.point_biserial), "corrected_r": r(self.corrected_r),
                "upper_lower": r(self.upper_lower), "mean_seconds": r(self.mean_seconds),
                "options": [{"id": o.id, "is_key": o.is_key, "count": o.count, "share": r(o.share),
                             "mean_total": r(o.mean_total)} for o in self.options],
                "flags": [{"code": f.code, "detail": f.detail} for f in self.flags]}


@dataclass
class FormAnalysis:
    """A set of attempts of one blueprint: score distribution and reliability."""

    candidates: int
    questions: float
    mean: float | None
    sd: float | None
    alpha: float | None
    kr20: float | None
    sem: float | None
    totals: list[int]
    sections: dict[str, list[int]]

    def to_dict(self) -> dict:
        """JSON-able form."""
        r = _round
        return {"candidates": self.candidates, "questions": r(self.questions), "mean": r(self.mean),
                "sd": r(self.sd), "alpha": r(self.alpha), "kr20": r(self.kr20), "sem": r(self.sem)}


def _round(x: float | None) -> float | None:
    return None if x is None else round(x, 4)


def _mean(xs: Sequence[float]) -> float | None:
    return sum(xs) / len(xs) if xs else None


def _pvar(xs: Sequence[float]) -> float:
    return sum((x - sum(xs) / len(xs)) ** 2 for x in xs) / len(xs)


def pearson(xs: Sequence[float], ys: Sequence[float]) -> float | None:
    """Pearson correlation; None when fewer than two pairs or either side is constant."""
    if len(xs) < 2:
        return None
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys))
    sxx, syy = sum((x - mx) ** 2 for x in xs), sum((y - my) ** 2 for y in ys)
    if sxx == 0 or syy == 0:
        return None
    return sxy / math.sqrt(sxx * syy)


def _score(item: Item, response: frozenset[str]) -> int:
    return QUESTION_TYPES[item.type].grade(item, response) if response else 0


def analyse(results: Sequence[Result], items: Mapping[tuple[str, int], Item],
            min_responses: int = 20) -> tuple[dict[tuple[str, int], ItemAnalysis], FormAnalysis]:
    """Item analyses and the form analysis of ``results``.

    A candidate's total is the sum of their points. Flags that depend on
    responses are raised only for items with at least ``min_responses``;
    content flags (the key is the longest option) are raised always.
    """
    totals = [sum(_score(items[s.item_ref], frozenset(r.answers.get(s.index) or ())) for s in r.form.slots)
              for r in results]
    # per item: list of (candidate index, response, score)
    seen: dict[tuple[str, int], list[tuple[int, frozenset[str], int, int | None]]] = {}
    sections: dict[str, list[int]] = {}
    for c, r in enumerate(results):
        per_section: dict[str, int] = {}
        for s in r.form.slots:
            item = items[s.item_ref]
            resp = frozenset(r.answers.get(s.index) or ())
            sc = _score(item, resp)
            per_section[s.section] = per_section.get(s.section, 0) + sc
            seen.setdefault(s.item_ref, []).append((c, resp, sc, r.seconds.get(s.index)))
        for code, pts in per_section.items():
            sections.setdefault(code, []).append(pts)
    analyses = {ref: _item(items[ref], rows, totals, min_responses) for ref, rows in sorted(seen.items())}
    return analyses, _form(results, items, totals, analyses, sections)


def _item(item: Item, rows: list, totals: list[int], min_responses: int) -> ItemAnalysis:
    n = len(rows)
    scores = [sc / item.points for _c, _r, sc, _t in rows]
    own = [totals[c] for c, _r, _s, _t in rows]
    answered = sum(1 for _c, resp, _s, _t in rows if resp)
    ranked = sorted(range(n), key=lambda i: own[i])   # stable: ties keep the attempts' order
    g = max(1, round(UPPER_LOWER_SHARE * n)) if n >= 2 else 0
    upper_lower = (sum(scores[i] for i in ranked[-g:]) - sum(scores[i] for i in ranked[:g])) / g if g else None
    options = []
    for opt in item.options:
        chose = [totals[c] for c, resp, _s, _t in rows if opt.id in resp]
        options.append(OptionStat(opt.id, opt.id in item.key, len(chose), len(chose) / n, _mean(chose)))
    times = [t for *_x, t in rows if t is not None]
    analysis = ItemAnalysis(
        ref=item.ref, topic=item.topic, responses=n, answered=answered, omission_rate=(n - answered) / n,
        p=sum(scores) / n, point_biserial=pearson(scores, own),
        corrected_r=pearson(scores, [t - s * item.points for t, s in zip(own, scores)]),
        upper_lower=upper_lower, options=options, mean_seconds=_mean(times))
    analysis.flags = item_flags(item, analysis if n >= min_responses else None)
    return analysis


def _form(results, items, totals, analyses, sections) -> FormAnalysis:
    n = len(results)
    if not n:
        return FormAnalysis(0, 0, None, None, None, None, None, [], {})
    var_x = _pvar(totals)
    # each item's score variance among those shown it, in points squared
    item_var = {ref: (a.p or 0) * (1 - (a.p or 0)) * items[ref].points ** 2 for ref, a in analyses.items()}
    k = sum(len(r.form.slots) for r in results) / n
    sum_var = sum(sum(item_var[s.item_ref] for s in r.form.slots) for r in results) / n
    alpha = k / (k - 1) * (1 - sum_var / var_x) if k > 1 and var_x > 0 else None
    dichotomous = all(items[ref].points == 1 and len(items[ref].key) == 1 for ref in analyses)
    sd = math.sqrt(var_x)
    sem = sd * math.sqrt(1 - alpha) if alpha is not None and 0 <= alpha <= 1 else None
    return FormAnalysis(n, k, sum(totals) / n, sd, alpha, alpha if dichotomous else None, sem, list(totals), sections)


def item_flags(item: Item, a: ItemAnalysis | None) -> list[Flag]:
    """Flags with reasons. ``a`` None: content flags only (too few responses for the others)."""
    flags = []
    lang = key_cue(item)
    if lang:
        flags.append(Flag("longest_key", f"{lang}: key >= {CUE_RATIO}x every distractor"))
    if a is None or a.p is None:
        return flags
    if a.p > TOO_EASY:
        flags.append(Flag("too_easy", f"p = {a.p:.2f} > {TOO_EASY}"))
    if a.p < TOO_HARD:
        flags.append(Flag("too_hard", f"p = {a.p:.2f} < {TOO_HARD}"))
    r = a.corrected_r
    if r is not None and r < 0:
        flags.append(Flag("negative_discrimination", f"r = {r:.2f} < 0"))
    elif r is not None and r < LOW_DISCRIMINATION:
        flags.append(Flag("low_discrimination", f"r = {r:.2f} < {LOW_DISCRIMINATION}"))
    key_means = [o.mean_total for o in a.options if o.is_key and o.mean_total is not None]
    for o in a.options:
        if o.is_key:
            continue
        if o.count == 0:
            flags.append(Flag("unused_distractor", f"option {o.id}: chosen by nobody"))
        elif key_means and o.mean_total is not None and o.mean_total > max(key_means):
            flags.append(Flag("strong_distractor",
                              f"option {o.id}: mean total {o.mean_total:.1f} > key {max(key_means):.1f}"))
    return flags


def time_on_slots(events: Iterable[tuple[float, int | None]], end: float | None = None) -> dict[int, int]:
    """Seconds per slot from ``(seconds since start, slot or None)`` events in order.

    The time between one event and the next goes to the slot of the first one
    (a visit, an answer or a flag), or to the slot last looked at; a slot
    shown first without any event is not counted. ``end`` closes the last span.
    """
    out: dict[int, float] = {}
    current: int | None = None
    last: float | None = None
    for t, slot in events:
        if current is not None and last is not None:
            out[current] = out.get(current, 0) + (t - last)
        if slot is not None:
            current = slot
        last = t
    if end is not None and current is not None and last is not None:
        out[current] = out.get(current, 0) + (end - last)
    return {slot: int(round(secs)) for slot, secs in out.items()}
