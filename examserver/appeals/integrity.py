"""Check an attempt against its signed testing protocol (design invariant 11).

The reference is the record signed when the attempt finished (the original
testing protocol, kind ``testing``), never a mutable column: its signature is
checked with the centre's keyring first, then the journal (head hash, last
seq, finish event), the frozen form's digest, the blueprint digest and the
scores recomputed from the journal (total, maximum, correct answers,
verdict, every section) are compared with it. The stored score columns are
compared too, but only to report that they were edited.

Used by the appeal replay (the review screen shows every discrepancy) and by
``examserver verify-attempt``.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from question_bank.scoring import ScoreReport

from examserver.db import db
from examserver.exam import journal
from examserver.exam.journal import Discrepancy
from examserver.models import Appeal, Attempt, ExamBlueprint, Protocol, ProtocolKind
from examserver.protocols import signing


@dataclass(frozen=True)
class SignedResult:
    """The values signed in the original testing protocol."""

    number: str
    journal_head: str
    journal_last_seq: int
    form_digest: str
    blueprint_digest: str
    total_points: int
    max_points: int
    correct: int
    verdict: str
    sections: dict[str, dict[str, Any]]


def original_protocol(attempt: Attempt) -> Protocol | None:
    """The attempt's first testing protocol (corrections supersede it, but the
    journal and the recomputation from it are checked against the original)."""
    return db.session.scalar(sa.select(Protocol).where(
        Protocol.attempt_id == attempt.id, Protocol.kind == ProtocolKind.TESTING).order_by(Protocol.id).limit(1))


def _signature_ok(protocol: Protocol) -> bool:
    info = signing.keyring().get(protocol.key_fingerprint)
    return info is not None and signing.verify_record(protocol.record, protocol.signature, info.public_key)


def signed_result(attempt: Attempt) -> tuple[SignedResult | None, list[Discrepancy]]:
    """The signed values of ``attempt``, or None with the reason as a discrepancy.

    A record whose centre signature fails, or that names another session or
    candidate (a protocol row moved to this attempt), is not used at all.
    """
    protocol = original_protocol(attempt)
    if protocol is None:
        return None, [Discrepancy("protocol_missing", "", "")]
    if not _signature_ok(protocol):
        return None, [Discrepancy("protocol_signature", protocol.number, "")]
    try:
        record = json.loads(protocol.record)
        owner = (record["session"]["id"], record["candidate"]["pin"])
        result = record["result"]
        signed = SignedResult(
            number=str(record["number"]), journal_head=str(record["journal"]["head"]),
            journal_last_seq=int(record["journal"]["last_seq"]), form_digest=str(record["form_digest"]),
            blueprint_digest=str(record["blueprint"]["digest"]), total_points=int(result["total_points"]),
            max_points=int(result["max_points"]), correct=int(result["correct"]), verdict=str(result["verdict"]),
            sections={str(s["code"]): s for s in result["sections"]})
    except (KeyError, TypeError, ValueError):
        return None, [Discrepancy("protocol_record", protocol.number, "")]
    if owner != (attempt.session_id, attempt.participant.pin):
        return None, [Discrepancy("protocol_attempt", f"{owner[0]}/{owner[1]}",
                                  f"{attempt.session_id}/{attempt.participant.pin}")]
    return signed, []


def _cmp(out: list[Discrepancy], code: str, signed: Any, found: Any) -> None:
    if signed != found:
        out.append(Discrepancy(code, str(signed), str(found)))


def score_discrepancies(signed: SignedResult, report: ScoreReport | None) -> list[Discrepancy]:
    """Recomputed total, maximum, correct answers, verdict and sections vs the signed ones."""
    if report is None:
        return [Discrepancy("score_unavailable", str(signed.total_points), "")]
    out: list[Discrepancy] = []
    _cmp(out, "total_points", signed.total_points, report.total_points)
    _cmp(out, "max_points", signed.max_points, report.max_points)
    _cmp(out, "correct", signed.correct, report.correct)
    _cmp(out, "verdict", signed.verdict, report.verdict)
    found = {s.code: s for s in report.sections}
    for code in sorted(set(signed.sections) | set(found)):
        s, f = signed.sections.get(code), found.get(code)
        signed_text = "—" if s is None else f"{s.get('points')}/{s.get('max_points')} ({s.get('correct')})"
        found_text = "—" if f is None else f"{f.points}/{f.max_points} ({f.correct})"
        _cmp(out, f"section:{code}", signed_text, found_text)
    return out


def attempt_discrepancies(attempt: Attempt, signed: SignedResult, events: list, form_digest: str,
                          report: ScoreReport | None) -> list[Discrepancy]:
    """Every difference between the attempt as stored and its signed record."""
    appeal = db.session.scalar(sa.select(Appeal).where(Appeal.attempt_id == attempt.id))
    out = journal.check_signed(events, signed.journal_head, signed.journal_last_seq,
                               appeal.number if appeal is not None else None)
    _cmp(out, "form_digest", signed.form_digest, form_digest)
    blueprint = db.session.get(ExamBlueprint, attempt.blueprint_id)
    _cmp(out, "blueprint_digest", signed.blueprint_digest, blueprint.digest if blueprint else "")
    out += score_discrepancies(signed, report)
    # The columns are never the reference; an edit of them is still reported.
    # After an upheld appeal they hold the latest correction protocol's score.
    _cmp(out, "stored_score", _latest_signed_score(attempt, signed),
         f"{attempt.total_points}/{attempt.max_points} {attempt.verdict}")
    return out


def _latest_signed_score(attempt: Attempt, signed: SignedResult) -> str:
    """``total/max verdict`` of the latest correction protocol (the original's without one)."""
    latest = db.session.scalar(sa.select(Protocol).where(
        Protocol.attempt_id == attempt.id, Protocol.kind == ProtocolKind.CORRECTION)
        .order_by(Protocol.id.desc()).limit(1))
    if latest is not None and _signature_ok(latest):
        try:
            result = json.loads(latest.record)["result"]
            return f"{int(result['total_points'])}/{int(result['max_points'])} {result['verdict']}"
        except (KeyError, TypeError, ValueError):
            return "?"
    return f"{signed.total_points}/{signed.max_points} {signed.verdict}"
