"""Replay of an attempt for the technical commission (seed 003 §35).

From the frozen form, the exact item versions it names and the attempt's
journal, :func:`replay_attempt` rebuilds, event by event, what the candidate
did (which question, which key or click, server and client time, what the
answer became), recomputes the score with ``question_bank.scoring`` from the
events up to the ``finish``, and compares the journal, the form digest and
every score with the values signed in the original testing protocol
(``integrity``; design invariant 11). A stored column is never the reference.

Option letters are the ones the kiosk showed (``option_labels``): А Б В Г in
a Kyrgyz or Russian test, A B C D otherwise, in the shuffled order of the
frozen form.

:func:`replay_events` is the pure part: no database, so the property tests
can run it on hundreds of random journals.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from question_bank.blueprint import Blueprint
from question_bank.drawing import Form
from question_bank.items import Item
from question_bank.scoring import ScoreReport, ScoringError, present_item, score_form

from examserver import clock
from examserver.core.errors import Conflict
from examserver.db import db
from examserver.exam import journal
from examserver.exam.journal import Discrepancy
from examserver.models import Attempt, BankItem, ExamBlueprint
from examserver.appeals import integrity
from examserver.appeals.integrity import SignedResult

# The same letters as the kiosk's exam page (kiosk/templates/kiosk/exam.html).
CYRILLIC_LABELS = "АБВГДЕЖЗ"
LATIN_LABELS = "ABCDEFGH"


def option_labels(language: str) -> str:
    """The option letters the kiosk shows in a test taken in ``language``."""
    return CYRILLIC_LABELS if language in ("ky", "ru") else LATIN_LABELS


@dataclass(frozen=True)
class Step:
    """The state right after one journal event."""

    seq: int
    kind: str
    server_time: str
    client_time: str
    slot: int | None
    input: str
    selected: tuple[str, ...] | None   # the slot's answer after this event (answer events only)
    answered: int                      # questions answered after this event
    chain_ok: bool
    detail: dict[str, Any] = field(default_factory=dict)
    after_finish: bool = False         # recorded after the finish event: never scored, itself a discrepancy

    def to_dict(self) -> dict[str, Any]:
        return {"seq": self.seq, "kind": self.kind, "server_time": self.server_time,
                "client_time": self.client_time, "slot": self.slot, "input": self.input,
                "selected": list(self.selected) if self.selected is not None else None,
                "answered": self.answered, "chain_ok": self.chain_ok, "detail": self.detail,
                "after_finish": self.after_finish}


@dataclass(frozen=True)
class Replay:
    """Everything the review screen and the appeal protocol show."""

    form: Form
    items: Mapping[tuple[str, int], Item]
    steps: tuple[Step, ...]
    chain_ok: bool
    first_bad_seq: int | None
    head: str
    answers: Mapping[int, frozenset[str]]
    recomputed: ScoreReport
    signed: SignedResult | None = None
    discrepancies: tuple[Discrepancy, ...] = ()
    language: str = "ru"

    @property
    def signed_total(self) -> int | None:
        return None if self.signed is None else self.signed.total_points

    @property
    def signed_max(self) -> int | None:
        return None if self.signed is None else self.signed.max_points

    @property
    def ok(self) -> bool:
        """True only if a genuine signed record exists and nothing differs from it."""
        return self.signed is not None and not self.discrepancies

    @property
    def journal_ok(self) -> bool:
        """The chain is intact and ends at the signed head and last seq, with nothing after the finish."""
        return self.signed is not None and not any(d.code.startswith(("journal_", "protocol_"))
                                                   for d in self.discrepancies)

    @property
    def score_matches(self) -> bool:
        """True if the journal gives exactly the signed scores (total, max, correct, verdict, sections)."""
        return self.signed is not None and not any(
            d.code in ("total_points", "max_points", "correct", "verdict", "score_unavailable")
            or d.code.startswith("section:") for d in self.discrepancies)

    def summary(self) -> dict[str, Any]:
        """Canonical-JSON-safe summary for the appeal protocol."""
        return {
            "form_digest": self.form.digest(),
            "items": [f"{i}@{v}" for i, v in self.form.item_refs()],
            "journal_events": len(self.steps),
            "journal_head": self.head,
            "chain_ok": self.journal_ok,
            "first_bad_seq": self.first_bad_seq,
            "recomputed": {"total": self.recomputed.total_points, "max": self.recomputed.max_points,
                           "correct": self.recomputed.correct, "verdict": self.recomputed.verdict},
            "stored": {"total": self.signed_total, "max": self.signed_max,
                       "verdict": None if self.signed is None else self.signed.verdict},
            "signed_protocol": None if self.signed is None else self.signed.number,
            "discrepancies": [{"code": d.code, "signed": d.signed, "found": d.found} for d in self.discrepancies],
            "match": self.score_matches,
        }


def _server_time(event) -> str:
    moment = getattr(event, "server_time", None)
    if moment is None:
        return ""
    local = clock.to_local(moment) if hasattr(moment, "astimezone") else moment
    return local.isoformat(timespec="seconds") if hasattr(local, "isoformat") else str(local)


def replay_events(form: Form, items: Mapping[tuple[str, int], Item], blueprint: Blueprint,
                  events: Sequence[Any], chain_check: Any, answers: Mapping[int, frozenset[str]],
                  time_format=_server_time) -> tuple[tuple[Step, ...], ScoreReport]:
    """Walk ``events`` in order and score ``answers`` (from the journal).

    ``chain_check`` is the journal's ``ChainCheck``: events at or after its
    first bad seq are marked as not verified.
    """
    first_bad = None if chain_check.ok else chain_check.first_bad_seq
    current: dict[int, tuple[str, ...]] = {}
    steps = []
    finished = False
    for event in events:
        payload = event.payload if isinstance(event.payload, dict) else {}
        slot = payload.get("slot") if isinstance(payload.get("slot"), int) else None
        selected = None
        how = ""
        if event.kind == "answer" and slot is not None:
            selected = tuple(sorted(str(o) for o in payload.get("selected") or ()))
            current[slot] = selected
            how = str(payload.get("input", ""))
        detail = {k: v for k, v in payload.items() if k not in ("slot", "selected", "input")
                  and isinstance(v, (str, int, bool))}
        steps.append(Step(
            seq=event.seq, kind=event.kind, server_time=time_format(event),
            client_time=str(getattr(event, "client_time", "") or ""), slot=slot, input=how,
            selected=selected, answered=sum(1 for v in current.values() if v),
            chain_ok=first_bad is None or event.seq < first_bad, detail=detail,
            # The appeal filing is journaled after the finish by design; anything else there is not.
            after_finish=finished and event.kind != "appeal"))
        finished = finished or event.kind == "finish"
    report = score_form(form, items, blueprint, answers)
    return tuple(steps), report


def load_items(form: Form) -> dict[tuple[str, int], Item]:
    """The exact item versions the form names (never the latest version)."""
    refs = set(form.item_refs())
    ids = {i for i, _ in refs}
    rows = db.session.scalars(sa.select(BankItem).where(BankItem.item_id.in_(ids)))
    return {(r.item_id, r.version): Item.from_dict(r.payload) for r in rows if (r.item_id, r.version) in refs}


def load_blueprint(attempt: Attempt) -> Blueprint:
    row = db.session.get(ExamBlueprint, attempt.blueprint_id)
    return Blueprint.from_dict(row.payload)


def replay_attempt(attempt: Attempt) -> Replay:
    """Replay ``attempt`` from the database: form, exact items, journal; and
    check all of it against the signed testing protocol (module docstring)."""
    try:
        form = Form.from_dict(attempt.form)
    except (KeyError, TypeError, ValueError) as exc:
        raise Conflict(_("This test cannot be replayed: its stored form does not fit the question bank "
                         "(%(problem)s). The form was changed after the test.", problem=type(exc).__name__),
                       "form_broken")
    items = load_items(form)
    blueprint = load_blueprint(attempt)
    events = journal.events_for(attempt)
    check = journal.verify_chain(events)
    # Only slots of the form score; an answer naming another slot can only be
    # an edit of the database, and the journal check reports it.
    indexes = {slot.index for slot in form.slots}
    answers = {k: v for k, v in journal.answers_from_journal(events).items() if k in indexes}
    broken = [f"{slot.index}: {slot.item_id}@{slot.item_version}" for slot in form.slots
              if slot.item_ref not in items or sorted(slot.option_order) != sorted(items[slot.item_ref].option_ids)]
    try:
        if broken:
            raise ScoringError(", ".join(broken))
        steps, report = replay_events(form, items, blueprint, events, check, answers)
    except ScoringError as exc:
        # Only an edit of the stored form (or of the bank rows) gets here: refuse with
        # what is wrong instead of failing deep in the page.
        raise Conflict(_("This test cannot be replayed: its stored form does not fit the question bank "
                         "(%(problem)s). The form was changed after the test.", problem=str(exc)), "form_broken")
    signed, found = integrity.signed_result(attempt)
    if signed is not None:
        found = integrity.attempt_discrepancies(attempt, signed, events, form.digest(), report)
    head = events[-1].hash if events else ""
    return Replay(form=form, items=items, steps=steps, chain_ok=check.ok, first_bad_seq=check.first_bad_seq,
                  head=head, answers=answers, recomputed=report, signed=signed, discrepancies=tuple(found),
                  language=attempt.language)


def question_views(replay: Replay, language: str) -> list[dict[str, Any]]:
    """Per question: the text as the candidate saw it (in ``language``, the
    attempt's), the final answer, the key, correct or not, points. Option
    letters are the kiosk's for that language, in the order shown."""
    views = []
    scores = {s.index: s for s in replay.recomputed.slots}
    for slot in replay.form.slots:
        item = replay.items[slot.item_ref]
        lang = language if language in item.languages else item.languages[0]
        shown = present_item(item, lang, slot.option_order)
        chosen = replay.answers.get(slot.index, frozenset())
        labels = option_labels(language)
        letters = {o["id"]: labels[n] for n, o in enumerate(shown["options"])}
        score = scores[slot.index]
        views.append({
            "index": slot.index, "section": slot.section, "topic": slot.topic,
            "item_id": slot.item_id, "item_version": slot.item_version, "text": shown["text"],
            "type": item.type,
            "options": [dict(o, letter=letters[o["id"]], chosen=o["id"] in chosen, key=o["id"] in item.key)
                        for o in shown["options"]],
            "answer": "".join(sorted((letters[o] for o in chosen if o in letters), key=labels.index)) or "—",
            "key": "".join(sorted((letters[o] for o in item.key if o in letters), key=labels.index)),
            "answered": score.answered, "correct": score.correct,
            "points": score.points, "max_points": score.max_points,
        })
    return views


def corrected_score(attempt: Attempt, rp: Replay, details: dict[str, Any]) -> ScoreReport:
    """The score after the decision's corrections/neutralisations (journal answers otherwise)."""
    answers = dict(rp.answers)
    for c in details.get("corrections", []):
        answers[c["slot"]] = frozenset(c["selected"])
    neutral = {int(k): v for k, v in (details.get("neutralised") or {}).items()}
    return score_form(rp.form, rp.items, load_blueprint(attempt),
                      {k: v for k, v in answers.items() if v}, neutral)
