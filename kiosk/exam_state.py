"""The whole exam as the kiosk draws (or restores) it: ``/kiosk/api/state?full=1``.

Questions without keys in the candidate's shown order, the answers and flags
replayed from the journal, the question last visited and the last sequence
number. Called once per page load (the start storm's last request), not by
the heartbeat.
"""
from __future__ import annotations

from examserver.exam import attempts, journal
from examserver.models import Attempt
from question_bank.scoring import present_item


def full_state(attempt: Attempt) -> dict:
    """What the exam screen needs besides the timing (see kiosk/api.py ``_timing``)."""
    events = journal.events_for(attempt)
    items = attempts.items_of(attempt)
    questions = []
    for slot in attempts.form_of(attempt).slots:
        shown = present_item(items[slot.item_ref], attempt.language, slot.option_order)
        questions.append({"slot": slot.index, "section": slot.section, "type": shown["type"],
                          "text": shown["text"], "options": shown["options"]})
    return {
        "attempt": attempt.id, "language": attempt.language, "questions": questions,
        "answers": {str(k): sorted(v) for k, v in journal.answers_from_journal(events).items()},
        "flags": sorted(journal.flags_from_journal(events)),
        "current": journal.last_visited(events) or 1, "last_seq": attempt.last_seq,
    }
