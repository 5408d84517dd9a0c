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
    if shown["match"]:
        return _("Score recomputed from the journal: %(total)s of %(max)s; it matches the protocol.",
                 total=rec["total"], max=rec["max"])
    return _("Score recomputed from the journal: %(total)s of %(max)s; the protocol says %(stored)s of %(smax)s.",
             total=rec["total"], max=rec["max"], stored=stored["total"], smax=stored["max"])


def chain_text(shown: dict) -> str:
    if shown["chain_ok"]:
        return _("Journal hash chain verified (%(n)s events).", n=shown["journal_events"])
    return _("Journal hash chain BROKEN at event %(seq)s.", seq=shown["first_bad_seq"])


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
            ("mono", _("form SHA-256: %(digest)s", digest=shown["form_digest"])),
            ("mono", _("answer journal head: %(head)s", head=shown["journal_head"])),
            ("mono", _("item versions: %(items)s", items=", ".join(shown["items"])))]
    decided = [("head", _("Decision of the technical commission")), ("strong", decision_text(decision)),
               _("Grounds: %(text)s", text=decision["text"])]
    for c in decision.get("corrections") or []:
        decided.append(("item", _("Question %(n)s: answer %(was)s corrected to %(now)s: %(reason)s", n=c["slot"],
                                  was=",".join(c["was"]) or "—", now=",".join(c["selected"]) or "—",
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
