"""The whole exam as the kiosk draws (or restores) it: ``/kiosk/api/state?full=1``.

Questions without keys in the candidate's shown order, the answers and flags
replayed from the journal, the question last visited and the last sequence
number. Called once per page load (the start storm's last request), not by
the heartbeat.

Cheap for a hall that starts at once (issue 15, B1): an attempt that has
recorded nothing but its start has no journal to replay (no query), and
each item version is presented (text and options in the language, without
the key: ``question_bank.present_item``) once per process and language, so
the bank is not read once a hall's items are; a candidate's form then only
orders the options.
"""
from __future__ import annotations

from question_bank.scoring import present_item

from examserver.bank.store import items_for_refs
from examserver.exam import journal
from examserver.exam.saving import Snapshot
from examserver.models import Attempt

_SHOWN: dict[tuple[str, int, str], dict] = {}
_MAX_SHOWN = 20_000


def _present(refs: list[tuple[str, int]], language: str) -> dict[tuple[str, int], dict]:
    """The items ``refs`` presented in ``language``: type, text and option texts by id.

    A stored item version never changes (a change is a new version), so each
    is presented once per process and language; the bank is read only for
    the versions not presented yet."""
    missing = [ref for ref in refs if (ref[0], ref[1], language) not in _SHOWN]
    if missing:
        for ref, item in items_for_refs(missing).items():
            shown = present_item(item, language, item.option_ids)
            if len(_SHOWN) >= _MAX_SHOWN:
                _SHOWN.clear()
            options = {o["id"]: o["text"] for o in shown["options"]}
            _SHOWN[(ref[0], ref[1], language)] = {
                "type": shown["type"], "text": shown["text"], "options": options, "ids": sorted(options)}
    return {ref: _SHOWN[(ref[0], ref[1], language)] for ref in refs}


def full_state(attempt: Attempt | Snapshot) -> dict:
    """What the exam screen needs besides the timing (see kiosk/api.py ``_timing``).

    Read from the frozen form as stored (``Form.to_dict``): its slots in order,
    each item version's options in the order this candidate was shown them."""
    events = journal.events_for(attempt) if attempt.last_seq > 0 else []  # seq 0 is the start alone
    slots = attempt.form["slots"]
    shown_items = _present([(slot["item_id"], slot["item_version"]) for slot in slots], attempt.language)
    questions = []
    for slot in slots:
        shown = shown_items[(slot["item_id"], slot["item_version"])]
        texts, order = shown["options"], slot["option_order"]
        if sorted(order) != shown["ids"]:
            raise ValueError(f"option order {list(order)} is not a permutation of {list(texts)}")
        questions.append({"slot": slot["index"], "section": slot["section"], "type": shown["type"],
                          "text": shown["text"], "options": [{"id": oid, "text": texts[oid]} for oid in order]})
    return {
        "attempt": attempt.id, "language": attempt.language, "questions": questions,
        "answers": {str(k): sorted(v) for k, v in journal.answers_from_journal(events).items()},
        "flags": sorted(journal.flags_from_journal(events)),
        "current": journal.last_visited(events) or 1, "last_seq": attempt.last_seq,
    }
