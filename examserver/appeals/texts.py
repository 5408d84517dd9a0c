"""The printed lines of an appeal protocol, from its signed record.

Used by the protocol PDF renderer (``examserver.protocols.pdf``) and by the verifier
(``printed_values``), like the testing and session protocols' texts.
"""
from __future__ import annotations

from flask_babel import gettext as _

from examserver.protocols.wording import pick, when


def decision_text(decision: dict) -> str:
    """One line: the decision and its grounds, in the current locale."""
    if decision["decision"] == "rejected":
        return _("Decision: the appeal is rejected, the score is confirmed.")
    if decision["grounds"] == "defective_item":
        return _("Decision: the appeal is upheld, a defective question is neutralised.")
    if decision.get("retest"):
        return _("Decision: the appeal is upheld (technical fault), a re-test is granted.")
    return _("Decision: the appeal is upheld (technical fault), the answers are corrected.")


def recomputation_text(shown: dict) -> str:
    rec, stored = shown["recomputed"], shown["stored"]
    if stored.get("total") is None:
        return _("Score recomputed from the journal: %(total)s of %(max)s; there is no valid signed testing "
                 "protocol to compare it with.", total=rec["total"], max=rec["max"])
    if shown["match"]:
        return _("Score recomputed from the journal: %(total)s of %(max)s; it matches the protocol.",
                 total=rec["total"], max=rec["max"])
    return _("Score recomputed from the journal: %(total)s of %(max)s; the protocol says %(stored)s of %(smax)s.",
             total=rec["total"], max=rec["max"], stored=stored["total"], smax=stored["max"])


def chain_text(shown: dict) -> str:
    """``chain_ok`` in records made since the journal is checked against the
    signed protocol means: chain intact *and* head and last seq as signed."""
    if shown["chain_ok"]:
        return _("Journal hash chain verified (%(n)s events).", n=shown["journal_events"])
    if shown.get("first_bad_seq") is not None:
        return _("Journal hash chain BROKEN at event %(seq)s.", seq=shown["first_bad_seq"])
    return _("The answer journal differs from the signed testing protocol.")


def _short(value: str) -> str:
    return value[:16] + "…" if len(value) > 20 else (value or "—")


def _verdict(value: str) -> str:
    return {"meets": _("meets the requirements"), "does_not_meet": _("does not meet the requirements")}.get(
        value, value or "—")


def discrepancy_text(d: dict) -> str:
    """One discrepancy (``{"code", "signed", "found"}``) as a sentence: what differs, the signed value, the found one."""
    code, signed, found = d["code"], d.get("signed", ""), d.get("found", "")
    if code == "journal_chain":
        return _("Journal hash chain broken: the first bad event is No. %(seq)s.", seq=found)
    if code == "journal_head":
        return _("Journal head hash: signed %(signed)s, found %(found)s (events deleted, added or re-hashed).",
                 signed=_short(signed), found=_short(found))
    if code == "journal_last_seq":
        return _("Number of the last journal event: signed %(signed)s, found %(found)s.", signed=signed, found=found)
    if code == "journal_no_finish":
        return _("The journal has no finish event.")
    if code == "journal_after_finish":
        return _("Events recorded after the finish (never scored): No. %(seqs)s.", seqs=found)
    if code == "journal_appeal_missing":
        return _("The journal has no record of the filing of appeal %(number)s (events deleted).", number=signed)
    if code == "protocol_missing":
        return _("There is no signed testing protocol for this test.")
    if code == "protocol_signature":
        return _("The centre signature of testing protocol No. %(number)s does not verify.", number=signed)
    if code == "protocol_record":
        return _("Testing protocol No. %(number)s cannot be read.", number=signed)
    if code == "protocol_attempt":
        return _("The testing protocol belongs to another session or candidate (%(signed)s; this test: %(found)s).",
                 signed=signed, found=found)
    if code == "form_digest":
        return _("Form digest: signed %(signed)s, found %(found)s.", signed=_short(signed), found=_short(found))
    if code == "blueprint_digest":
        return _("Test blueprint digest: signed %(signed)s, found %(found)s.", signed=_short(signed),
                 found=_short(found))
    if code == "total_points":
        return _("Total score: signed %(signed)s, recomputed %(found)s.", signed=signed, found=found)
    if code == "max_points":
        return _("Maximum score: signed %(signed)s, recomputed %(found)s.", signed=signed, found=found)
    if code == "correct":
        return _("Correct answers: signed %(signed)s, recomputed %(found)s.", signed=signed, found=found)
    if code == "verdict":
        return _("Verdict: signed %(signed)s, recomputed %(found)s.", signed=_verdict(signed), found=_verdict(found))
    if code.startswith("section:"):
        return _("Section %(code)s (points/maximum (correct)): signed %(signed)s, recomputed %(found)s.",
                 code=code.split(":", 1)[1], signed=signed, found=found)
    if code == "stored_score":
        return _("The score stored in the database was changed: signed %(signed)s, stored %(found)s.",
                 signed=signed, found=found)
    return _("The score cannot be recomputed.")


def member_line(member: dict) -> str:
    role = _("chair") if member["role"] == "chair" else _("member")
    return f"{member['full_name']} ({role})"


def appeal_lines(record: dict, lang: str):
    """``(title, blocks, signature lines)`` of an appeal protocol."""
    body = record["body"]
    appeal, attempt, shown, decision = body["appeal"], body["attempt"], body["shown"], body["decision"]
    head = [pick(record["centre"]["name"], lang),
            _("Technical appeal No. %(number)s", number=record["appeal_number"]),
            _("Filed: %(when)s (%(via)s)", when=appeal["filed_at"][:19].replace("T", " "),
              via=_("at the terminal") if appeal["via"] == "kiosk" else _("through the proctor"))]
    subject = [("head", _("Candidate")), ("strong", attempt["candidate"]),
               _("Personal number (PIN): %(pin)s", pin=attempt["pin"]),
               _("Session: %(title)s", title=attempt["session"]),
               _("Testing protocol No. %(number)s", number=record["original_protocol"] or "—"),
               ("head", _("Statement")), appeal["statement"]]
    seen = [("head", _("What the commission was shown")), chain_text(shown), recomputation_text(shown),
            *[("strong", discrepancy_text(d)) for d in shown.get("discrepancies") or []],
            ("mono", _("form SHA-256: %(digest)s", digest=shown["form_digest"])),
            ("mono", _("answer journal head: %(head)s", head=shown["journal_head"])),
            ("mono", _("item versions: %(items)s", items=", ".join(shown["items"])))]
    decided = [("head", _("Decision of the technical commission")), ("strong", decision_text(decision)),
               _("Grounds: %(text)s", text=decision["text"])]
    for c in decision.get("corrections") or []:
        decided.append(("item", _("Question %(n)s: answer %(was)s corrected to %(now)s: %(reason)s", n=c["slot"],
                                  was=c.get("was_letters", ",".join(c["was"])) or "—",
                                  now=c.get("letters", ",".join(c["selected"])) or "—",
                                  reason=c["reason"])))
    for slot, how in sorted((decision.get("neutralised") or {}).items(), key=lambda kv: int(kv[0])):
        decided.append(("item", _("Question %(n)s neutralised (%(how)s)", n=slot,
                                  how=_("scored as correct") if how == "credit" else _("removed from the maximum"))))
    if decision.get("corrected"):
        decided.append(("strong", _("Corrected score: %(total)s of %(max)s", total=decision["corrected"]["total"],
                                    max=decision["corrected"]["max"])))
    if record.get("corrected_protocol"):
        decided.append(_("Corrected testing protocol No. %(number)s", number=record["corrected_protocol"]))
    members = [("head", _("Members present, with their personal signatures"))]
    for sig in record["member_signatures"]:
        members.append(member_line(sig))
        members.append(("mono", _("signed %(when)s, key %(key)s", when=when(sig["signed_at"]), key=sig["public_key"])))
    members.append(_("Issued: %(when)s", when=when(record["issued_at"])))
    signs = [member_line(m) for m in body["commission"]["present"]]
    title = _("APPEAL PROTOCOL No. %(number)s", number=record["number"])
    return title, [head, subject, seen, decided, members], signs


def printed_values(record: dict, lang: str) -> dict[str, str]:
    """The values the verifier must find printed in an appeal protocol PDF."""
    body = record["body"]
    values = {"number": record["number"], "appeal": record["appeal_number"], "candidate": body["attempt"]["candidate"],
              "decision": decision_text(body["decision"]), "recomputation": recomputation_text(body["shown"])}
    for i, sig in enumerate(record["member_signatures"], 1):
        values[f"member {i}"] = sig["full_name"]
    return values
