"""Offline verification of exported protocol records (JSON) and protocol PDFs.

Nothing here needs the database or the network: a verifier holds the centre's
public keys (the keyring folder, or one ``--public-key`` file) and a file.
Every check is reported with its outcome; a file is genuine only if all pass.

JSON export (``protocols.export_dict``)::

    {"format": "examserver.signed-protocol/1", "number": ..., "record": "<canonical text>",
     "signature": "<base64>", "key_fingerprint": "<sha256 hex of raw key>", "public_key": "<PEM>"|null}

PDF: the same export is embedded as ``protocol-<number>.json``; the file
carries one PAdES signature by the same key, covering the entire file; its
text must show the record's number, name, scores and verdict.
"""
from __future__ import annotations

import base64
import io
import json
import re
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from examserver.canonical import canonical_bytes
from examserver.protocols import signing

EXPORT_FORMAT = "examserver.signed-protocol/1"
SCHEMAS = ("examserver.testing-protocol/1", "examserver.session-protocol/1", "examserver.appeal-protocol/1",
           "examserver.competition-protocol/1")
EXPORT_KEYS = {"format", "number", "record", "signature", "key_fingerprint", "public_key"}


@dataclass
class Check:
    name: str
    ok: bool
    detail: str = ""


@dataclass
class Report:
    """What was checked. ``ok`` only if at least one check ran and none failed."""

    kind: str
    checks: list[Check] = field(default_factory=list)
    record: dict[str, Any] | None = None

    @property
    def ok(self) -> bool:
        return bool(self.checks) and all(c.ok for c in self.checks)

    @property
    def number(self) -> str:
        return (self.record or {}).get("number", "")

    def add(self, name: str, ok: bool, detail: str = "") -> bool:
        self.checks.append(Check(name, bool(ok), detail))
        return bool(ok)


def verify_export(data: Any, trusted: dict[str, Ed25519PublicKey], report: Report | None = None) -> Report:
    """Check a parsed JSON export against the ``trusted`` keys (fingerprint -> key)."""
    report = report or Report("json")
    if not report.add("export format", isinstance(data, dict) and data.get("format") == EXPORT_FORMAT
                      and set(data) == EXPORT_KEYS and isinstance(data.get("record"), str),
                      EXPORT_FORMAT):
        return report
    text: str = data["record"]
    try:
        record = json.loads(text)
        canonical = canonical_bytes(record) == text.encode("utf-8")
    except (ValueError, TypeError) as exc:
        report.add("record is canonical JSON", False, str(exc))
        return report
    report.record = record if isinstance(record, dict) else None
    report.add("record is canonical JSON", canonical and report.record is not None,
               "sorted keys, UTF-8, no whitespace, no floats")
    fp = data["key_fingerprint"]
    key = trusted.get(fp) if isinstance(fp, str) else None
    report.add("signing key is trusted", key is not None, f"fingerprint {fp}")
    if data["public_key"] is not None:
        try:
            carried_key = signing.load_public_key(data["public_key"])
            # Exact PEM text too: base64 padding bits could change unnoticed.
            carried = (signing.fingerprint_of(carried_key)
                       if signing.public_pem(carried_key) == data["public_key"] else "")
        except (ValueError, TypeError):
            carried = ""
        report.add("carried public key matches the fingerprint", carried == fp)
    sig = data["signature"]
    try:
        canonical_b64 = isinstance(sig, str) and base64.b64encode(base64.b64decode(sig, validate=True)).decode() == sig
    except ValueError:
        canonical_b64 = False
    good = key is not None and canonical_b64 and signing.verify_record(text, sig, key)
    report.add("Ed25519 signature of the record", good)
    if report.record is not None:
        report.add("record schema", report.record.get("schema") in SCHEMAS, str(report.record.get("schema")))
        report.add("number matches the record", data["number"] == report.record.get("number"),
                   str(report.record.get("number")))
        if report.record.get("schema") == "examserver.appeal-protocol/1":  # appeals feature
            from examserver.appeals.records import check_appeal_record

            problems = check_appeal_record(report.record)
            report.add("commission members' personal signatures", not problems, "; ".join(problems))
    return report


def verify_json_bytes(raw: bytes, trusted: dict[str, Ed25519PublicKey]) -> Report:
    report = Report("json")
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        report.add("file is JSON", False, str(exc))
        return report
    report.add("file is JSON", True)
    return verify_export(data, trusted, report)


def _der_length(blob: bytes) -> int:
    """Length of the DER value at the start of ``blob`` (0 if it is not one)."""
    if len(blob) < 2 or blob[0] != 0x30:
        return 0
    first = blob[1]
    if first < 0x80:
        return 2 + first
    count = first & 0x7F
    if count == 0 or count > 4 or len(blob) < 2 + count:
        return 0
    return 2 + count + int.from_bytes(blob[2:2 + count], "big")


def _canonical_contents(raw: bytes, sig_object: Any, contents: bytes) -> bool:
    """True iff the bytes left out of the ByteRange are exactly ``<HEX>`` in
    upper case, as the signer wrote them.

    A PDF reader decodes hex strings case-insensitively and the signature does
    not cover its own ``/Contents``: without this check, changing the case of
    one hex digit (or any other re-encoding) would still verify, and
    docs/protocols.md promises that any changed byte fails.
    """
    try:
        start, first_len, second_start, _second_len = (int(v) for v in sig_object["/ByteRange"])
    except (KeyError, TypeError, ValueError):
        return False
    gap = raw[start + first_len:second_start]
    return gap == b"<" + contents.hex().upper().encode("ascii") + b">"


def _pades_checks(raw: bytes, report: Report, trusted: dict[str, Ed25519PublicKey], fingerprint: str) -> None:
    from cryptography import x509
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    try:
        reader = PdfFileReader(io.BytesIO(raw))
        sigs = reader.embedded_signatures
    except Exception as exc:  # pyHanko raises many kinds on a damaged file
        report.add("PAdES signature present", False, f"{type(exc).__name__}: {exc}")
        return
    if not report.add("PAdES signature present", len(sigs) == 1, f"{len(sigs)} signature(s)"):
        return
    sig = sigs[0]
    try:
        contents = bytes(sig.sig_object["/Contents"])
        der_len = _der_length(contents)
        report.add("signature container intact", 0 < der_len <= len(contents)
                   and not any(contents[der_len:]), "no bytes after the CMS value")
        report.add("signature bytes canonically encoded", _canonical_contents(raw, sig.sig_object, contents),
                   "/Contents fills the ByteRange gap as upper-case hex")
        cert_der = sig.signer_cert.dump()
        cert = x509.load_der_x509_certificate(cert_der)
        key = cert.public_key()
        cert_fp = signing.fingerprint_of(key) if isinstance(key, Ed25519PublicKey) else ""
        # A re-print after a key rotation is signed with the newer key, so any
        # trusted centre key may sign the PDF; the record keeps its own key.
        report.add("PDF signed by a trusted centre key", cert_fp in trusted,
                   f"certificate key {cert_fp}" + ("" if cert_fp == fingerprint else f", record key {fingerprint}"))
        try:
            cert.verify_directly_issued_by(cert)
            self_ok = True
        except Exception:
            self_ok = False
        report.add("centre certificate is intact", self_ok)
        context = ValidationContext(trust_roots=[sig.signer_cert], allow_fetching=False)
        status = validate_pdf_signature(sig, context)
        report.add("PAdES signature valid and intact", status.intact and status.valid,
                   f"intact={status.intact} valid={status.valid}")
        report.add("PAdES signature covers the entire file",
                   status.coverage == SignatureCoverageLevel.ENTIRE_FILE, str(status.coverage))
    except Exception as exc:  # a damaged CMS structure can fail anywhere in asn1crypto
        report.add("PAdES signature valid and intact", False, f"{type(exc).__name__}: {exc}")


def _compact(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _text_checks(pages_text: str, report: Report) -> None:
    from flask_babel import force_locale

    from examserver.protocols.texts import values_for

    record = report.record or {}
    page = _compact(pages_text)
    best: tuple[int, str, dict[str, str], dict[str, bool]] | None = None
    # The PDF may be printed in any language: check the one that fits best.
    for lang in ("ky", "ru", "en"):
        with force_locale(lang):
            values = values_for(record, lang)
        found = {name: _compact(value) in page for name, value in values.items()}
        if best is None or sum(found.values()) > best[0]:
            best = (sum(found.values()), lang, values, found)
    assert best is not None
    _, lang, values, found = best
    for name, ok in found.items():
        report.add(f"printed {name} agrees with the record ({lang})", ok, values[name])


def verify_pdf_bytes(raw: bytes, trusted: dict[str, Ed25519PublicKey]) -> Report:
    """Check a protocol PDF: embedded record, its signature, printed values, PAdES."""
    from pypdf import PdfReader

    report = Report("pdf")
    try:
        reader = PdfReader(io.BytesIO(raw), strict=False)
        attachments = {name: blobs for name, blobs in reader.attachments.items()}
        text = "\n".join(p.extract_text() or "" for p in reader.pages)
    except Exception as exc:  # pypdf raises many kinds on a damaged file
        report.add("PDF readable", False, f"{type(exc).__name__}: {exc}")
        _pades_checks(raw, report, trusted, "")
        return report
    names = [n for n in attachments if n.startswith("protocol-") and n.endswith(".json")]
    if not report.add("embedded record present", len(names) == 1 and len(attachments[names[0]]) == 1,
                      ", ".join(names) or "none"):
        _pades_checks(raw, report, trusted, "")
        return report
    try:
        data = json.loads(attachments[names[0]][0].decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        report.add("embedded record is JSON", False, str(exc))
        data = None
    if data is not None:
        verify_export(data, trusted, report)
        if report.record is not None:
            report.add("attachment named after the record",
                       names[0] == f"protocol-{report.record.get('number')}.json", names[0])
            if report.ok:  # compare the page only with a record that is genuine
                try:
                    _text_checks(text, report)
                except (KeyError, TypeError, ValueError) as exc:
                    report.add("printed values agree with the record", False, f"{type(exc).__name__}: {exc}")
    fp = data.get("key_fingerprint", "") if isinstance(data, dict) else ""
    _pades_checks(raw, report, trusted, fp)
    return report


def verify_bytes(raw: bytes, trusted: dict[str, Ed25519PublicKey]) -> Report:
    """Verify a JSON export or a PDF, told apart by the PDF header."""
    if raw.lstrip()[:5] == b"%PDF-":
        return verify_pdf_bytes(raw, trusted)
    return verify_json_bytes(raw, trusted)


def trusted_keys(public_key_file: bytes | None = None) -> dict[str, Ed25519PublicKey]:
    """The keys to trust: one given public key, else the centre's keyring."""
    if public_key_file is not None:
        key = signing.load_public_key(public_key_file)
        return {signing.fingerprint_of(key): key}
    return {fp: info.public_key for fp, info in signing.keyring().items()}
