"""The incidents of a session protocol in words, in the current locale.

New records carry incidents as ``{"type": "event", "event": ...}`` (see
``records._incidents``): each is printed as a sentence with the candidate's
name and PIN and the seat, never an internal id. Records signed before that
(``time_adjustment`` and ``intervention`` entries, the latter with every staff
audit entry) still render: their time adjustments as sentences, their audit
entries only when they are incidents, by the action's label.
"""
from __future__ import annotations

from flask_babel import gettext as _

from examserver.core.audit import action_label
from examserver.protocols.wording import when

# Audit actions of version-1 records worth printing; registrations, code
# issues, admissions and the like were never incidents. Extra time and pauses
# are printed from their time_adjustment entries, not from the audit trail.
_OLD_INCIDENT_ACTIONS = {"attempt.move", "attempt.other_terminal_refused", "attempt.late_event",
                         "participant.no_show", "terminal.lock", "terminal.unlock", "terminal.revoke"}


def _minutes(seconds: int) -> str:
    return _("%(minutes)s min %(seconds)s s", minutes=int(seconds) // 60, seconds=int(seconds) % 60)


def _who(inc: dict) -> str:
    cand = inc.get("candidate")
    if not cand:
        return "—"
    name, pin = cand.get("full_name") or "", cand.get("pin") or ""
    return f"{name} ({pin})" if name else pin or "—"


def _sentence(inc: dict) -> str:
    event, who, seat = inc["event"], _who(inc), inc.get("seat") or "—"
    if event == "extension" and inc.get("seat"):
        return _("%(who)s, seat %(seat)s: extra time %(time)s", who=who, seat=seat, time=_minutes(inc["seconds"]))
    if event == "extension":
        return _("%(who)s: extra time %(time)s", who=who, time=_minutes(inc["seconds"]))
    if event == "pause" and inc.get("seat"):
        return _("%(who)s, seat %(seat)s: test paused for %(time)s", who=who, seat=seat,
                 time=_minutes(inc["seconds"]))
    if event == "pause":
        return _("%(who)s: test paused for %(time)s", who=who, time=_minutes(inc["seconds"]))
    if event == "move":
        return _("%(who)s: test moved from seat %(from)s to seat %(to)s", who=who,
                 **{"from": seat, "to": inc.get("to_seat") or "—"})
    if event == "other_terminal":
        return _("%(who)s: the access code was tried on another terminal", who=who)
    if event == "late_answer":
        return _("%(who)s: an answer arrived after the deadline and was refused", who=who)
    if event == "code_reissue":
        return _("%(who)s: a new access code was issued (the old one stopped working)", who=who)
    if event == "no_show":
        return _("%(who)s: marked as not present", who=who)
    if event == "closed_early":
        return _("The session was closed while %(n)s tests were still running", n=inc.get("count", 0))
    if event == "lock":
        return _("Terminal at seat %(seat)s locked after wrong access codes", seat=seat)
    if event == "unlock":
        return _("Terminal at seat %(seat)s unlocked", seat=seat)
    if event == "revoke":
        return _("Terminal at seat %(seat)s taken out of service", seat=seat)
    return event


def _line(at: dict | None, text: str, by: str, reason: str) -> str:
    parts = [when(at), text]
    if by:
        parts.append(_("by %(name)s", name=by))
    line = " · ".join(parts)
    return _("%(line)s; reason: %(reason)s", line=line, reason=reason) if reason else line


def incident_lines(incidents: list[dict]) -> list[str]:
    """One printed line per incident, for records of every version."""
    lines = []
    for inc in incidents:
        kind = inc.get("type")
        if kind == "event":
            lines.append(_line(inc.get("at"), _sentence(inc), inc.get("by") or "", inc.get("reason") or ""))
        elif kind == "time_adjustment":  # version-1 record
            event = "extension" if inc.get("kind") == "extension" else "pause"
            text = _sentence({"event": event, "seconds": inc.get("seconds", 0), "seat": "",
                              "candidate": {"pin": inc.get("pin", "")}})
            lines.append(_line(inc.get("at"), text, (inc.get("by") or {}).get("full_name", ""),
                               inc.get("reason") or ""))
        elif kind == "intervention" and inc.get("action") in _OLD_INCIDENT_ACTIONS:  # version-1 record
            lines.append(_line(inc.get("at"), action_label(inc["action"]), inc.get("by") or "",
                               inc.get("reason") or ""))
    return lines
