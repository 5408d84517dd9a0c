"""The verifier's checks in words a commission reads (the CLI prints the codes).

``examserver.protocols.verify`` names each check with a stable English code;
the console shows the check in the reader's language and, for a failed one,
what it means for the file in hand.
"""
from __future__ import annotations

import re

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

CHECKS = {
    "export format": _l("The file is an exported protocol"),
    "record is canonical JSON": _l("The record is exactly in its signed form"),
    "signing key is trusted": _l("It is signed with a key of this centre"),
    "carried public key matches the fingerprint": _l("The public key written in the file is that key"),
    "Ed25519 signature of the record": _l("The centre's signature matches the record"),
    "record schema": _l("The kind of protocol is known"),
    "number matches the record": _l("The protocol number matches the record"),
    "commission members' personal signatures": _l("The personal signatures of the commission members hold"),
    "file is JSON": _l("The file can be read"),
    "PDF readable": _l("The PDF can be read"),
    "PAdES signature present": _l("The PDF carries exactly one signature"),
    "signature container intact": _l("The signature container is intact"),
    "signature bytes canonically encoded": _l("The signature bytes are exactly as the signer wrote them"),
    "PDF signed by a trusted centre key": _l("The PDF is signed with a key of this centre"),
    "centre certificate is intact": _l("The centre's certificate in the PDF is intact"),
    "PAdES signature valid and intact": _l("The PDF signature is valid: the file has not been changed since"),
    "PAdES signature covers the entire file": _l("The signature covers the whole file"),
    "embedded record present": _l("The signed record is embedded in the PDF"),
    "embedded record is JSON": _l("The embedded record can be read"),
    "attachment named after the record": _l("The embedded record carries this protocol's number"),
    "printed values agree with the record": _l("The printed text agrees with the signed record"),
}
PRINTED = re.compile(r"^printed (?P<what>.+) agrees with the record \((?P<lang>\w+)\)$")
NUMBERED = re.compile(r"^(?P<kind>participant|score|member|rank|section) (?P<n>.+)$")
WHAT = {
    "number": _l("the protocol number"), "candidate": _l("the candidate's name"),
    "total score": _l("the total score"), "verdict": _l("the verdict"), "appeal": _l("the appeal number"),
    "decision": _l("the decision"), "recomputation": _l("the recomputed score"), "outcome": _l("the outcome"),
}
NUMBERED_WHAT = {
    "participant": _l("participant %(n)s"), "score": _l("the score of participant %(n)s"),
    "member": _l("commission member %(n)s"), "rank": _l("place %(n)s of the ranking"),
    "section": _l("the section %(n)s"),
}


def check_label(name: str) -> str:
    """A check's name in the reader's language (the code itself if it is new)."""
    if name in CHECKS:
        return str(CHECKS[name])
    printed = PRINTED.match(name)
    if printed:
        what = printed["what"]
        numbered = NUMBERED.match(what)
        if what in WHAT:
            what = str(WHAT[what])
        elif numbered:
            what = str(NUMBERED_WHAT[numbered["kind"]]) % {"n": numbered["n"]}
        return _("The printed %(what)s agrees with the signed record", what=what)
    return name


def failure_meaning(report) -> str:
    """One sentence on what the failed checks mean for the file."""
    failed = {c.name for c in report.checks if not c.ok}
    if not failed:
        return ""
    if failed & {"signing key is trusted", "PDF signed by a trusted centre key"}:
        return _("It was not signed by this centre (or by a key this server does not know): do not rely on it.")
    if any(name.startswith("printed") for name in failed) and not failed - {
            n for n in failed if n.startswith("printed")}:
        return _("The signature holds, but the printed text differs from the signed record: the page was "
                 "altered or printed from another record. Rely on the signed record only.")
    return _("The file was changed after it was signed: do not rely on it.")
