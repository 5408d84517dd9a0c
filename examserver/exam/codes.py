"""Access codes (ciphers): issue, hash, look up.

A code is 8 characters of Crockford base32 from the OS CSPRNG (40 bits). It is
shown once; only ``HMAC-SHA256(server secret, normalised code)`` is stored.
Typing is forgiving: case is ignored, O is read as 0, I and L as 1, and
dashes/spaces are dropped.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets

import sqlalchemy as sa
from flask import current_app

from examserver import clock
from examserver.db import db
from examserver.models import AccessCode, Admission, ExamSession, Participant, SessionState
from examserver.core import audit
from examserver.core.errors import ServiceError
from examserver.exam import predraw, retake

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 8
_TRANSLATE = str.maketrans({"O": "0", "I": "1", "L": "1", "U": "V"})


def generate_code() -> str:
    return "".join(secrets.choice(CROCKFORD) for _ in range(CODE_LENGTH))


def normalise(raw: str) -> str:
    """Canonical form of a typed code: upper case, ambiguous letters mapped, separators removed."""
    cleaned = "".join(ch for ch in (raw or "").upper() if ch.isalnum())
    return cleaned.translate(_TRANSLATE)


def format_code(code: str) -> str:
    """Printed form, in two groups for easier typing: ``ABCD-EFGH``."""
    return f"{code[:4]}-{code[4:]}"


def code_hash(code: str) -> str:
    key = hmac.new(current_app.config["SECRET_KEY"].encode(), b"examserver access codes", hashlib.sha256).digest()
    return hmac.new(key, normalise(code).encode(), hashlib.sha256).hexdigest()


def issue_code(participant: Participant, actor: audit.Actor) -> str:
    """Issue a new code for an admitted participant; any older code stops working.

    Returns the plain code: the caller shows or prints it once. The
    participant's row is locked first, as a start does: a start in flight
    either finishes before the old code dies, or waits and sees it revoked.

    The participant's form is drawn and frozen in the same transaction
    (``predraw.predraw_participant``, a fresh draw at every issue), so the
    start is a state change, not a draw (issue 15). If the question bank
    cannot fill the test, no code is issued and the proctor is told why.
    """
    from flask_babel import gettext as _

    db.session.flush()  # refresh() drops unflushed changes
    db.session.refresh(participant, with_for_update=True)
    if participant.admission != Admission.ADMITTED:
        raise ServiceError(_("Only admitted participants get access codes."), "not_admitted")
    if participant.no_show:
        raise ServiceError(_("The participant is marked absent."), "no_show")
    if participant.session.state == SessionState.CLOSED:
        raise ServiceError(_("The session is closed."), "session_closed")
    # A failure in another session after this registration starts a retake period.
    retake.check(participant)
    try:
        predraw.predraw_participant(participant, fresh=True)
    except ServiceError as exc:
        if exc.code not in ("draw_failed", "blueprint_not_approved"):
            raise
        refused = _("No code was issued.")
        raise ServiceError(f"{exc.message} {refused}", exc.code, status=409) from exc
    now = clock.now()
    db.session.execute(
        sa.update(AccessCode)
        .where(AccessCode.participant_id == participant.id, AccessCode.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    code = generate_code()
    db.session.add(AccessCode(participant_id=participant.id, session_id=participant.session_id,
                              code_hash=code_hash(code), issued_at=now, issued_by_id=actor.id))
    db.session.flush()
    audit.record("code.issue", participant, actor=actor, centre_id=participant.session.centre_id)
    return code


def find_code(raw_code: str) -> AccessCode | None:
    """The code row of a typed code if it was issued and not revoked (whatever its session's state), else None."""
    code = normalise(raw_code)
    if len(code) != CODE_LENGTH:
        return None
    return db.session.scalar(
        sa.select(AccessCode).where(AccessCode.code_hash == code_hash(code), AccessCode.revoked_at.is_(None))
    )


def find_participant(raw_code: str) -> Participant | None:
    """The participant whose valid code this is (session not closed), else None."""
    row = find_code(raw_code)
    if row is None or db.session.get(ExamSession, row.session_id).state == SessionState.CLOSED:
        return None
    return row.participant
