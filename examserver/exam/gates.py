"""The gates a participant passes to sit a test, checked at every door (invariant 12).

What gates issuing a code (``codes.issue_code``) and registering
(``registration.participants``) is checked again where the code is used: at
code login (``code_login.login``) and at attempt start
(``attempts.start_attempt``). So a code re-issued, withdrawn by "not
admitted" or "absent", a closed session, a retake period that began after the
registration (a failure in another session), or a terminal of another room
stops a candidate at whichever door comes next.

Binding of codes and terminals: a code belongs to one participant of one
session; the session is in one room; a terminal is enrolled in one room. A
code starts an attempt only on an enrolled terminal of its session's room.
Once started, the attempt is bound to its terminal (invariant 6); the one
way to another terminal, in any room of the centre, is a proctor's move
(``timer.move_attempt``), journaled and audited.
"""
from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from examserver.db import db
from examserver.models import AccessCode, Admission, Attempt, AttemptState, Participant, SessionState, Terminal, TerminalState
from examserver.core.errors import Conflict, Forbidden
from examserver.exam import retake


def check_session_open(participant: Participant) -> None:
    """The participant's session is open (a closed session accepts no login and no start)."""
    state = participant.session.state
    if state == SessionState.CLOSED:
        raise Forbidden(_("This exam session is closed. Please call the proctor."), "session_closed")
    if state != SessionState.OPEN:
        raise Forbidden(_("The exam session is not open. Please wait for the proctor."), "session_not_open")


def wrong_room(participant: Participant, terminal: Terminal) -> bool:
    """True when ``terminal`` is not in the room of the participant's session."""
    session = participant.session
    return terminal.centre_id != session.centre_id or terminal.room_id != session.room_id


def check_terminal(participant: Participant, terminal: Terminal, keep: bool = False) -> None:
    """``terminal`` is enrolled in the room of the participant's session
    (``keep``: the caller's audit entry of the refusal is committed)."""
    if terminal.state != TerminalState.ENROLLED:
        raise Forbidden(_("This terminal is not enrolled."), "terminal_not_enrolled")
    if wrong_room(participant, terminal):
        session = participant.session
        raise Forbidden(_("This code is for another room (%(room)s). Please go to your room or call the proctor.",
                          room=session.room.name if terminal.centre_id == session.centre_id else "—"),
                        "wrong_room", keep=keep)


def check_participant(participant: Participant) -> None:
    """Admitted, not marked absent, the position's test offered by the session, no retake period running."""
    if participant.admission != Admission.ADMITTED:
        raise Forbidden(_("You are not admitted to this test. Please call the proctor."), "not_admitted")
    if participant.no_show:
        raise Forbidden(_("You are marked absent. Please call the proctor."), "no_show")
    offered = participant.session.blueprint_codes
    if offered and participant.position.blueprint_code not in offered:
        raise Forbidden(_("This session does not offer the test of your position. Please call the proctor."),
                        "not_offered")
    retake.check(participant, to_candidate=True)


def check_code_live(participant: Participant, code_id: int | None) -> None:
    """The code the candidate typed (remembered at login) still works: not re-issued, not withdrawn."""
    code = db.session.get(AccessCode, code_id) if isinstance(code_id, int) else None
    if (code is None or code.participant_id != participant.id or code.session_id != participant.session_id
            or code.revoked_at is not None):
        raise Forbidden(_("This code no longer works (a new code was issued or it was withdrawn). "
                          "Please call the proctor."), "code_revoked")


def check_terminal_free(terminal: Terminal, participant: Participant) -> None:
    """No other candidate's unfinished attempt runs on ``terminal`` (one terminal, one attempt)."""
    other = db.session.scalar(
        sa.select(Attempt.participant_id).where(Attempt.terminal_id == terminal.id,
                                                Attempt.state != AttemptState.FINISHED).limit(1))
    if other is not None and other != participant.id:
        raise Conflict(_("Another candidate's test runs on this terminal. Please call the proctor."),
                       "terminal_busy")


def lock_for_start(participant: Participant, terminal: Terminal) -> None:
    """Row locks that make a start safe against what may race it (PostgreSQL; SQLite
    serialises writers with ``BEGIN IMMEDIATE``): the terminal (two starts on one
    terminal), the session shared (a close waits for the start, or the start sees
    the close), the participant (the same code started on two terminals; "not
    admitted" or "absent" set meanwhile). Each is re-read, so the checks that
    follow see committed state."""
    db.session.flush()  # refresh() drops unflushed changes
    db.session.refresh(terminal, with_for_update=True)
    db.session.refresh(participant.session, with_for_update={"read": True})
    db.session.refresh(participant, with_for_update=True)


def check_start(participant: Participant, terminal: Terminal, code_id: int | None) -> None:
    """Every gate of a first start, under :func:`lock_for_start`'s locks.

    ``code_id`` is the code the candidate logged in with; the kiosk always
    passes it (a missing one fails). ``None`` is for callers that start
    without a code (test and benchmark builders, the service API).
    """
    lock_for_start(participant, terminal)
    if db.session.scalar(sa.select(Attempt.id).where(Attempt.participant_id == participant.id)) is not None:
        raise Conflict(_("A test has already been started with this code."), "already_started")
    check_session_open(participant)
    check_terminal(participant, terminal)
    check_terminal_free(terminal, participant)
    check_participant(participant)
    if code_id is not None:
        check_code_live(participant, code_id)
