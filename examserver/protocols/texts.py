"""The printed lines of a protocol, from its record, in the current locale.

Used by the PDF renderer and by the verifier (``printed_values``), which checks
that the values a reader sees on paper are those of the signed record.
"""
from __future__ import annotations

from flask_babel import gettext as _

from examserver.core.audit import details_in_words, value_label
from examserver.i18n import LANGUAGE_NAMES
from examserver.protocols.incident_texts import incident_lines
from examserver.protocols.wording import pick, when  # noqa: F401  (re-exported)


def score_line(points: int, max_points: int) -> str:
    return _("%(points)s of %(max)s points", points=points, max=max_points)


def total_line(result: dict) -> str:
    return _("Total score: %(score)s", score=score_line(result["total_points"], result["max_points"]))


def section_line(section: dict, lang: str) -> str:
    return _("%(section)s: %(score)s, correct %(correct)s of %(questions)s",
             section=pick(section["title"], lang) or section["code"],
             score=score_line(section["points"], section["max_points"]),
             correct=section["correct"], questions=section["questions"])


def _finish_reason(reason: str) -> str:
    return {"submitted": _("submitted by the candidate"), "deadline": _("time ran out"),
            "closed": _("session closed by the proctor")}.get(reason, reason)


def correction_lines(correction: dict) -> list[str]:
    """Why a correction protocol was issued, in words (the record keeps codes)."""
    rest = dict(correction)
    lines = []
    if "appeal" in rest:
        lines.append(_("Appeal No. %(number)s", number=rest.pop("appeal")))
    if "grounds" in rest:
        lines.append(_("Grounds: %(grounds)s", grounds=value_label(rest.pop("grounds"))))
    if "reason" in rest:
        lines.append(_("Decision of the commission: %(text)s", text=rest.pop("reason") or "—"))
    original = rest.pop("original", None)
    if isinstance(original, dict):
        lines.append(_("Score before the correction: %(score)s, %(verdict)s",
                       score=score_line(original.get("total"), original.get("max")),
                       verdict=value_label(original.get("verdict"))))
    if "neutralised" in rest:
        slots = rest.pop("neutralised") or {}
        lines.append(_("Questions neutralised: %(n)s", n=len(slots)))
    if "corrections" in rest:
        lines.append(_("Answers rescored: %(n)s", n=len(rest.pop("corrections") or [])))
    lines += [f"{label}: {value}" for label, value in details_in_words(rest)]
    return lines


def testing_title(record: dict) -> str:
    if record["kind"] == "correction":
        return _("CORRECTED TESTING PROTOCOL No. %(number)s", number=record["number"])
    return _("TESTING PROTOCOL No. %(number)s", number=record["number"])


def testing_lines(record: dict, lang: str):
    """``(title, blocks, signature lines)`` of a testing or correction protocol."""
    cand, result, times = record["candidate"], record["result"], record["times"]
    head = [pick(record["centre"]["name"], lang), record["centre"].get("address", ""),
            _("Session: %(title)s, %(date)s", title=record["session"]["title"], date=record["session"]["date"]),
            _("Room: %(room)s; seat: %(seat)s; terminal: %(terminal)s", room=record["room"],
              seat=record["seat"] or "—", terminal=record["terminal"] or "—")]
    candidate = [("head", _("Candidate")),
                 ("strong", cand["full_name"]),
                 _("Personal number (PIN): %(pin)s", pin=cand["pin"]),
                 _("Identity document: %(doc)s", doc=cand["document"]),
                 _("Position: %(title)s (%(code)s), group %(group)s", title=pick(record["position"]["title"], lang),
                   code=record["position"]["code"], group=record["position"]["group"]),
                 _("Language of the test: %(lang)s", lang=LANGUAGE_NAMES.get(record["language"], record["language"]))]
    timing = [("head", _("Time (local, with UTC)")),
              _("Started: %(when)s", when=when(times["started"])),
              _("Finished: %(when)s (%(reason)s)", when=when(times["finished"]),
                reason=_finish_reason(record["finish_reason"])),
              _("Deadline: %(when)s", when=when(times["deadline"]))]
    for adj in record["adjustments"]:
        by = adj["by"]["full_name"] if adj.get("by") else "—"
        label = _("Extra time") if adj["kind"] == "extension" else _("Pause")
        timing.append(("item", _("%(label)s: %(minutes)s min %(seconds)s s, %(when)s, %(by)s: %(reason)s",
                                 label=label, minutes=adj["seconds"] // 60, seconds=adj["seconds"] % 60,
                                 when=when(adj["at"]), by=by, reason=adj["reason"])))
    scores = [("head", _("Result"))]
    scores += [("item", section_line(s, lang)) for s in result["sections"]]
    scores.append(("strong", total_line(result)))
    th = result["threshold"]
    if th["kind"] == "percent":
        scores.append(_("Threshold: %(points)s points (%(value)s%% of the maximum)", points=th["points"],
                        value=th["value"]))
    else:
        scores.append(_("Threshold: %(points)s correct answers", points=th["points"]))
    scores.append(("strong", pick(result["verdict_text"], lang)))
    integrity = [("head", _("Integrity")),
                 _("Blueprint %(code)s version %(version)s", code=record["blueprint"]["code"],
                   version=record["blueprint"]["version"]),
                 *([_("Blueprint and thresholds approved by %(name)s, %(when)s", name=record["blueprint_approval"]["by"],
                      when=when(record["blueprint_approval"]["at"]))] if record.get("blueprint_approval") else []),
                 ("mono", _("blueprint SHA-256: %(digest)s", digest=record["blueprint"]["digest"])),
                 ("mono", _("form SHA-256: %(digest)s", digest=record["form_digest"])),
                 ("mono", _("answer journal head: %(head)s (%(events)s events)", head=record["journal"]["head"] or "—",
                            events=record["journal"]["last_seq"] + 1))]
    tail = [_("Proctor on duty: %(name)s", name=record["proctor"]["full_name"] if record.get("proctor") else "—"),
            _("Issued: %(when)s", when=when(record["issued_at"]))]
    if record.get("supersedes"):
        tail.append(("strong", _("This protocol corrects protocol No. %(number)s, which stays on file.",
                                 number=record["supersedes"]["number"])))
        tail += [("item", line) for line in correction_lines(record.get("correction") or {})]
    signs = [_("Candidate: %(name)s", name=cand["full_name"]),
             _("Proctor: %(name)s", name=record["proctor"]["full_name"] if record.get("proctor") else "")]
    return testing_title(record), [head, candidate, timing, scores, integrity, tail], signs


def _status(row: dict) -> str:
    if row["status"] == "tested":
        verdict = _("meets") if row["verdict"] == "meets" else _("does not meet")
        return f"{score_line(row['total_points'], row['max_points'])}, {verdict}, № {row['protocol'] or '—'}"
    if row["status"] == "not_admitted":
        return _("not admitted: %(reason)s", reason=row.get("reason") or "—")
    return _("absent")


def session_lines(record: dict, lang: str):
    """``(title, blocks, signature lines)`` of a session protocol."""
    s, counts = record["session"], record["counts"]
    head = [pick(record["centre"]["name"], lang), record["centre"].get("address", ""),
            _("Session: %(title)s, %(date)s", title=s["title"], date=s["date"]),
            _("Room: %(room)s", room=record["room"]),
            _("Opened: %(when)s", when=when(s["opened_at"])), _("Closed: %(when)s", when=when(s["closed_at"]))]
    rows: list = [("head", _("Participants"))]
    for i, row in enumerate(record["participants"], 1):
        rows.append(f"{i}. {row['candidate']['full_name']} ({row['candidate']['pin']}), {row['position']['group']}")
        rows.append(("item", _status(row)))
    summary = [("head", _("Summary")),
               _("Registered: %(n)s; tested: %(t)s; absent: %(a)s; not admitted: %(na)s",
                 n=counts["registered"], t=counts["tested"], a=counts["absent"], na=counts["not_admitted"]),
               _("Meet the requirements: %(m)s; do not meet: %(d)s", m=counts["meets"], d=counts["does_not_meet"])]
    incidents: list = [("head", _("Incidents"))]
    incidents += [("item", line) for line in incident_lines(record["incidents"])]
    if len(incidents) == 1:
        incidents.append(_("none"))
    tail = [_("Proctor on duty: %(name)s", name=record["proctor"]["full_name"] if record.get("proctor") else "—"),
            _("Issued: %(when)s", when=when(record["issued_at"]))]
    signs = [_("Proctor: %(name)s", name=record["proctor"]["full_name"] if record.get("proctor") else ""),
             _("Head of the testing centre")]
    title = _("SESSION PROTOCOL No. %(number)s", number=record["number"])
    return title, [head, rows, summary, incidents, tail], signs


def printed_values(record: dict, lang: str) -> dict[str, str]:
    """The values the verifier must find in the PDF text: name, scores, verdict, number."""
    if record["kind"] == "appeal":  # appeals feature
        from examserver.appeals.texts import printed_values as appeal_values

        return appeal_values(record, lang)
    values = {"number": record["number"]}
    if record["kind"] == "session":
        for i, row in enumerate(record["participants"], 1):
            values[f"participant {i}"] = row["candidate"]["full_name"]
            if row["status"] == "tested":
                values[f"score {i}"] = score_line(row["total_points"], row["max_points"])
        return values
    values["candidate"] = record["candidate"]["full_name"]
    values["total score"] = total_line(record["result"])
    for s in record["result"]["sections"]:
        values[f"section {s['code']}"] = section_line(s, lang)
    values["verdict"] = pick(record["result"]["verdict_text"], lang)
    return values


def _module_for(record: dict):
    """The texts module of the record's kind (appeal texts live with the appeals feature)."""
    if record.get("kind") == "appeal":
        from examserver.appeals import texts as appeal_texts

        return appeal_texts.appeal_lines, appeal_texts.printed_values
    if record.get("kind") == "competition":  # competitions feature
        from examserver.competitions import texts as competition_texts

        return competition_texts.competition_lines, competition_texts.printed_values
    if record.get("kind") == "session":
        return session_lines, printed_values
    return testing_lines, printed_values


def lines_for(record: dict, lang: str):
    """``(title, blocks, signature lines)`` for any kind of protocol."""
    return _module_for(record)[0](record, lang)


def values_for(record: dict, lang: str) -> dict[str, str]:
    """The printed values the verifier checks, for any kind of protocol."""
    return _module_for(record)[1](record, lang)
