"""The audit log helper every feature uses (design invariant 8), and the words
that show its codes to people (``action_label``, ``details_in_words``...)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import g, has_request_context
from flask_babel import lazy_gettext as _l

from examserver import clock
from examserver.db import db
from examserver.models import AuditEntry


@dataclass(frozen=True)
class Actor:
    """Who acts: a staff user, a kiosk terminal, the system (sweeps) or the CLI."""

    kind: str
    id: int | None = None
    name: str = ""
    centre_id: int | None = None

    @classmethod
    def system(cls) -> "Actor":
        return cls("system", None, "system")

    @classmethod
    def cli(cls, name: str = "cli") -> "Actor":
        return cls("cli", None, name)

    @classmethod
    def for_user(cls, user) -> "Actor":
        return cls("user", user.id, user.username, user.centre_id)

    @classmethod
    def for_terminal(cls, terminal) -> "Actor":
        return cls("terminal", terminal.id, f"terminal {terminal.id}", terminal.centre_id)


def current_actor() -> Actor:
    """The actor of the current request (set by the console/kiosk), else system."""
    if has_request_context() and g.get("actor") is not None:
        return g.actor
    return Actor.system()


def record(
    action: str,
    obj: Any = None,
    *,
    actor: Actor | None = None,
    reason: str = "",
    centre_id: int | None = None,
    **details: Any,
) -> AuditEntry:
    """Append an audit entry (flushed, not committed).

    ``obj`` may be a model instance (type and id are taken from it) or a
    ``(type, id)`` pair. ``details`` must be JSON-serialisable.
    """
    actor = actor or current_actor()
    if obj is None:
        object_type, object_id = "", ""
    elif isinstance(obj, tuple):
        object_type, object_id = obj[0], str(obj[1])
    else:
        object_type, object_id = type(obj).__tablename__, str(getattr(obj, "id", ""))
    entry = AuditEntry(
        at=clock.now(),
        actor_kind=actor.kind,
        actor_id=actor.id,
        actor_name=actor.name,
        centre_id=centre_id if centre_id is not None else actor.centre_id,
        action=action,
        object_type=object_type,
        object_id=object_id,
        reason=reason,
        details=details,
    )
    db.session.add(entry)
    db.session.flush()
    return entry


# --- Display: the audit log in words (console audit page, CSV export, old
# session protocols). Codes stay in the database; people read these labels.

ACTION_LABELS = {
    "appeal.decide": _l("Appeal decided"), "appeal.file": _l("Appeal filed"),
    "appeal.protocol": _l("Appeal protocol issued"), "appeal.sign": _l("Appeal protocol signed"),
    "appeal.sign_refused": _l("Appeal signature refused"),
    "attempt.extend": _l("Extra time given"), "attempt.finish": _l("Test finished"),
    "attempt.late_event": _l("Answer arrived after the deadline"), "attempt.move": _l("Test moved to another terminal"),
    "attempt.other_terminal_refused": _l("Code refused on another terminal"), "attempt.pause": _l("Test paused"),
    "attempt.resume": _l("Test resumed"), "attempt.start": _l("Test started"),
    "bank.import": _l("Question bank imported"), "blueprint.import": _l("Test blueprints imported"),
    "centre.create": _l("Testing centre created"), "code.issue": _l("Access code issued"),
    "commission.add_member": _l("Commission member added"), "commission.create": _l("Commission created"),
    "commission.remove_member": _l("Commission member removed"),
    "kiosk.code_failed": _l("Wrong access code entered"), "kiosk.code_ok": _l("Access code accepted"),
    "kiosk.person_busy": _l("Test refused: the person's test in another session is not finished"),
    "participant.admission": _l("Admission decided"), "participant.import": _l("Participant list imported"),
    "participant.no_show": _l("Marked as not present"), "participant.register": _l("Participant registered"),
    "protocol.issued": _l("Protocol issued"), "retention.purge": _l("Expired records purged"),
    "room.create": _l("Room created"), "session.close": _l("Session closed"), "session.create": _l("Session planned"),
    "session.open": _l("Session opened"), "signing.key_generated": _l("Signing key generated"),
    "signing.key_rotated": _l("Signing key replaced"), "terminal.enrol": _l("Terminal enrolled"),
    "terminal.lock": _l("Terminal locked"), "terminal.pairing": _l("Terminal asked to pair"),
    "terminal.revoke": _l("Terminal taken out of service"), "terminal.unlock": _l("Terminal unlocked"),
    "user.activate": _l("Account activated"), "user.deactivate": _l("Account deactivated"),
    "user.create": _l("Account created"), "user.login": _l("Logged in"), "user.login_failed": _l("Failed login"),
    "user.logout": _l("Logged out"),
    "competition.announce": _l("Competition announced"), "competition.decision": _l("Competition decision"),
    "competition.letter": _l("Results letter issued"), "competition.link_session": _l("Session linked to a competition"),
    "competition.protocol": _l("Competition protocol issued"), "competition.tiebreak": _l("Additional test scheduled"),
    "competition.votes": _l("Interview votes recorded"), "competition.withdraw": _l("Candidate withdrew"),
    "kiosk.code_wrong_room": _l("Access code entered in the wrong room"),
    "results.bundle_imported": _l("Results of a branch imported"), "results.key_trusted": _l("Branch key trusted"),
    "terminal.pairing_failed": _l("Wrong pairing code"),
    "session.predraw": _l("Test forms drawn ahead"),
    "blueprint.approve": _l("Test blueprint thresholds approved"),
    "participant.consent": _l("Consent to the processing of personal data recorded"),
    "person.exported": _l("A person's data exported on request"),
    "terminal.cookie_restored": _l("Terminal pairing restored after a browser crash"),
    "bank.item.created": _l("Question created"), "bank.item.submit": _l("Question sent for review"),
    "bank.item.return": _l("Question returned to the author"), "bank.item.approve": _l("Question approved"),
    "bank.item.retire": _l("Question retired"),
    "blueprint.create": _l("Test blueprint version made in the console"),
    "position.create": _l("Position created"), "position.update": _l("Position changed"),
}

OBJECT_LABELS = {
    "appeal": _l("appeal"), "attempt": _l("test"), "bank": _l("question bank"), "blueprint": _l("test blueprint"),
    "centre": _l("testing centre"), "commission": _l("commission"), "commission_member": _l("commission member"),
    "exam_session": _l("session"), "participant": _l("participant"), "protocol": _l("protocol"),
    "retention": _l("retention"), "room": _l("room"), "signing_key": _l("signing key"), "terminal": _l("terminal"),
    "user_account": _l("account"), "appeal_signature": _l("signature"), "competition": _l("competition"),
    "bank_item": _l("question"), "exam_blueprint": _l("test blueprint"), "person": _l("person"),
    "trusted_centre_key": _l("branch key"), "result_bundle": _l("results bundle"),
    "position": _l("position"),
}

ACTOR_LABELS = {"user": _l("staff"), "terminal": _l("terminal"), "system": _l("system"), "cli": _l("command line"),
                "anonymous": _l("unknown person")}

DETAIL_LABELS = {
    "admitted": _l("admitted"), "appeals": _l("appeals"), "attempt_id": _l("test"),
    "attempt_terminal": _l("terminal of the test"), "blueprints": _l("test blueprints"),
    "blueprints_added": _l("blueprints added"), "chair": _l("chair"), "code": _l("code"),
    "corrected_protocol": _l("corrected protocol"), "count": _l("quantity"), "date": _l("date"),
    "decision": _l("decision"), "digest": _l("SHA-256"), "dry_run": _l("trial run"),
    "fingerprint": _l("key fingerprint"), "from_terminal": _l("from terminal"), "grounds": _l("grounds"),
    "items_added": _l("questions added"), "items_status_changed": _l("questions with a new status"),
    "items_unchanged": _l("questions unchanged"), "kind": _l("kind"), "language": _l("language"),
    "late_by_seconds": _l("late by (seconds)"), "max": _l("maximum"), "member": _l("member"),
    "members": _l("members"), "name": _l("name"), "number": _l("number"), "participant": _l("participant"),
    "path": _l("file"), "positions_added": _l("positions added"), "positions_updated": _l("positions updated"),
    "previous": _l("previous"), "protocol": _l("protocol"), "protocols": _l("protocols"), "reason": _l("reason"),
    "remedy": _l("remedy"), "role": _l("role"), "room": _l("room"), "running_attempts": _l("tests still running"),
    "seat": _l("seat"), "seats": _l("seats"), "seconds": _l("seconds"), "session_id": _l("session"),
    "signatures": _l("signatures"), "title": _l("title"), "to_terminal": _l("to terminal"),
    "topics_added": _l("topics added"), "total": _l("score"), "user": _l("account"), "username": _l("username"),
    "verdict": _l("verdict"), "via": _l("via"), "blueprint": _l("test blueprint"), "candidates": _l("candidates"),
    "failure": _l("failure"), "position": _l("position"), "questions": _l("questions"), "result": _l("result"),
    "round": _l("round"), "rule_set": _l("rules"), "session": _l("session"), "status": _l("status"),
    "supersedes": _l("replaces"), "test_date": _l("test date"), "version": _l("version"), "votes": _l("votes"),
    "items_approved": _l("questions approved"), "items_status_kept": _l("questions whose status was kept"),
    "approved_by": _l("approved by"), "based_on": _l("based on version"), "department": _l("department"),
    "group": _l("position group"),
}

# Coded values worth a word (other values, such as numbers, names and hashes, print as they are).
VALUE_LABELS = {
    "meets": _l("meets the requirements"), "does_not_meet": _l("does not meet the requirements"),
    "submitted": _l("submitted by the candidate"), "deadline": _l("time ran out"),
    "closed": _l("session closed by the proctor"), "admin": _l("administrator"), "proctor": _l("proctor"),
    "chair": _l("commission chair"), "member": _l("commission member"), "ky": _l("Kyrgyz"), "ru": _l("Russian"),
    "en": _l("English"), "testing": _l("testing"), "correction": _l("correction"), "session": _l("session"),
    "appeal": _l("appeal"), "upheld": _l("upheld"), "rejected": _l("rejected"),
    "score_confirmed": _l("the score is confirmed"), "technical_fault": _l("technical fault"),
    "defective_item": _l("defective question"), "rescore": _l("rescoring"), "retest": _l("a new test"),
    "neutralise": _l("question neutralised"), "education": _l("rules for education leaders"),
    "municipal": _l("municipal rules"),
    # Reasons the system itself writes (stored in English, shown in words).
    "generated on first use": _l("generated on first use"), "keys generate": _l("generated by a command"),
}


def action_label(action: str) -> str:
    """The action in words (the code itself if it has no label yet)."""
    label = ACTION_LABELS.get(action)
    return str(label) if label is not None else action


def object_label(object_type: str) -> str:
    label = OBJECT_LABELS.get(object_type)
    return str(label) if label is not None else object_type


def actor_label(kind: str) -> str:
    label = ACTOR_LABELS.get(kind)
    return str(label) if label is not None else kind


def value_label(value: Any) -> str:
    """A detail value in words: yes/no for booleans, labels for known codes."""
    if isinstance(value, bool):
        return str(_l("yes") if value else _l("no"))
    if isinstance(value, str) and value in VALUE_LABELS:
        return str(VALUE_LABELS[value])
    if isinstance(value, (list, tuple)):
        return ", ".join(value_label(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}: {value_label(v)}" for k, v in value.items())
    return "" if value is None else str(value)


def actor_in_words(kind: str, name: str, actor_id: int | None) -> str:
    """Who acted: a person's login name; a terminal, the system or the command line in words."""
    if kind == "terminal":
        return f"{object_label('terminal')} {actor_id or ''}".strip()
    if kind in ("system", "cli") and name in ("", "system", "cli"):
        return actor_label(kind)
    return name


def details_in_words(details: dict | None) -> list[tuple[str, str]]:
    """``[(label, value)]`` of an entry's details, in the current locale."""
    out = []
    for key, value in sorted((details or {}).items()):
        label = DETAIL_LABELS.get(key)
        out.append((str(label) if label is not None else key, value_label(value)))
    return out
