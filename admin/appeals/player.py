"""What the review screen reads out of a replay: journal steps in words (ky/ru,
not event codes), the candidate's option letters, the discrepancies with the
signed protocol, and the corrections the chair chose by clicking options."""
from __future__ import annotations

from typing import Any

from flask import request
from flask_babel import gettext as _

from examserver.appeals.texts import discrepancy_text
from examserver.core.errors import ServiceError

MAX_ID = 2**31 - 1  # ids are 32-bit integer columns


def form_id(name: str) -> int | None:
    """An id from the form: None when absent; not a number or out of range is a 400 with the field name."""
    raw = (request.form.get(name) or "").strip()
    if not raw:
        return None
    if len(raw) > 10 or not raw.isascii() or not raw.isdigit() or not 0 < int(raw) <= MAX_ID:
        raise ServiceError(_("The field %(field)s must be a number from the list.", field=name), "bad_id", status=400)
    return int(raw)


def form_ids(name: str) -> list[int]:
    """Every id of a multi-value field (checkboxes, multiple select), each checked like :func:`form_id`."""
    out = []
    for raw in request.form.getlist(name):
        raw = raw.strip()
        if len(raw) > 10 or not raw.isascii() or not raw.isdigit() or not 0 < int(raw) <= MAX_ID:
            raise ServiceError(_("The field %(field)s must be a number from the list.", field=name), "bad_id",
                               status=400)
        out.append(int(raw))
    return out


def kind_label(kind: str) -> str:
    """A journal event kind in the reader's language."""
    labels = {
        "start": _("test started"), "answer": _("answer"), "flag": _("mark for review"),
        "visit": _("question opened"), "finish": _("test finished"), "pause": _("paused"),
        "resume": _("resumed"), "extend": _("time extended"), "move": _("moved to another terminal"),
        "appeal": _("appeal filed"),
    }
    return labels.get(kind, kind)


def input_label(how: str) -> str:
    """How an answer was given (``click``, ``key:В``, ``key:3``, ``key:Enter``) in words."""
    if not how:
        return ""
    if how == "click":
        return _("click or touch")
    if how.startswith("key:"):
        key = how[4:]
        key = {"Enter": _("Enter"), "Space": _("Space"), " ": _("Space")}.get(key, key)
        return _("key %(key)s", key=key)
    return how


def detail_label(step: dict[str, Any]) -> str:
    """The one fact worth showing for events that are not answers."""
    detail = step.get("detail") or {}
    if step["kind"] == "flag":
        return _("marked") if step["detail"].get("flagged", True) else _("unmarked")
    if step["kind"] == "extend" and "seconds" in detail:
        return _("+%(minutes)s min", minutes=int(detail["seconds"]) // 60)
    if step["kind"] == "finish" and "reason" in detail:
        return {"submitted": _("finished by the candidate"), "deadline": _("time ran out")}.get(
            str(detail["reason"]), str(detail["reason"]))
    return ""


def steps_for_player(rp, questions) -> list[dict]:
    """Steps for the player: answers in the candidate's letters, kinds and inputs in words."""
    letters = {q["index"]: {o["id"]: o["letter"] for o in q["options"]} for q in questions}
    out = []
    for step in rp.steps:
        d = step.to_dict()
        if d["selected"] is not None:
            shown = letters.get(d["slot"], {})
            d["letters"] = "".join(sorted(shown.get(o, "?") for o in d["selected"])) or "—"
        else:
            d["letters"] = ""
        d.update(kind_label=kind_label(d["kind"]), input_label=input_label(d["input"]), detail_label=detail_label(d))
        out.append(d)
    return out


def discrepancy_lines(rp) -> list[str]:
    """Every difference from the signed testing protocol, as sentences."""
    return [discrepancy_text({"code": d.code, "signed": d.signed, "found": d.found}) for d in rp.discrepancies]


def corrections_from_form(rp) -> list[dict]:
    """The answer corrections the chair clicked: per question of the form,
    ``corr_<slot>`` (the options ticked, by id) differs from the recorded
    answer, or a reason was typed. Only the form's own slots and options are
    read, so nothing typed can name another question or option."""
    out = []
    for slot in rp.form.slots:
        if f"corr_shown_{slot.index}" not in request.form:
            continue
        chosen = sorted({o for o in request.form.getlist(f"corr_{slot.index}") if o in slot.option_order})
        reason = request.form.get(f"corr_reason_{slot.index}", "")
        was = sorted(rp.answers.get(slot.index, frozenset()))
        if chosen != was or reason.strip():
            if chosen == was:
                raise ServiceError(_("Question %(n)s: the corrected answer is the same as the recorded one.",
                                     n=slot.index), "same_answer")
            out.append({"slot": slot.index, "selected": chosen, "reason": reason})
    return out
