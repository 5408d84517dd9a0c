"""The whole exam as the kiosk draws (or restores) it: ``/kiosk/api/state?full=1``.

Questions without keys in the candidate's shown order, the answers and flags
replayed from the journal, the question last visited and the last sequence
number. Called once per page load (the start storm's last request), not by
the heartbeat.

Cheap for a hall that starts at once (issue 15, B1): an attempt that has
recorded nothing but its start has no journal to replay (no query), and
each item version is presented (text and options in the language, without
the key: ``question_bank.present_item``) once per process and language; a
candidate's form then only orders the options.
"""
from __future__ import annotations

from question_bank.drawing import Form
from question_bank.items import Item
from question_bank.scoring import present_item

from examserver.bank.store import items_for_refs
from examserver.exam import journal
from examserver.models import Attempt

_SHOWN: dict[tuple[str, int, str], tuple[Item, dict]] = {}
_MAX_SHOWN = 20_000

def _shown(item: Item, language: str) -> dict:
    """``item`` presented in ``language``: type, text and option texts by id (kept per parsed version)."""
    key = (item.id, item.version, language)
    hit = _SHOWN.get(key)
    if hit is None or hit[0] is not item:  # a version parsed again (bank.store's cache) is presented again
        shown = present_item(item, language, item.option_ids)
        hit = (item, {"type": shown["type"], "text": shown["text"],
                      "options": {o["id"]: o["text"] for o in shown["options"]}})
        if len(_SHOWN) >= _MAX_SHOWN:
            _SHOWN.clear()
        _SHOWN[key] = hit
    return hit[1]


def full_state(attempt: Attempt) -> dict:
    """What the exam screen needs besides the timing (see kiosk/api.py ``_timing``)."""
    events = journal.events_for(attempt) if attempt.last_seq > 0 else []  # seq 0 is the start alone
    form = Form.from_dict(attempt.form)
    items = items_for_refs(form.item_refs())
    questions = []
    for slot in form.slots:
        shown = _shown(items[slot.item_ref], attempt.language)
        texts = shown["options"]
        if sorted(slot.option_order) != sorted(texts):
            raise ValueError(f"option order {list(slot.option_order)} is not a permutation of {list(texts)}")
        questions.append({"slot": slot.index, "section": slot.section, "type": shown["type"], "text": shown["text"],
                          "options": [{"id": oid, "text": texts[oid]} for oid in slot.option_order]})
    return {
        "attempt": attempt.id, "language": attempt.language, "questions": questions,
        "answers": {str(k): sorted(v) for k, v in journal.answers_from_journal(events).items()},
        "flags": sorted(journal.flags_from_journal(events)),
        "current": journal.last_visited(events) or 1, "last_seq": attempt.last_seq,
    }
