"""The start of an attempt: every gate again under row locks, the form taken
(drawn ahead) or drawn, frozen in the attempt, journal event 0 (invariants 4, 12).

This is the request of a terminal's start that writes (issue 15, B1: a hall
of 1,000 starting at once), so it reads what it needs in few statements: the
locked terminal and participant in one (``gates.lock_for_start``, or the
kiosk's own ``code_login.pending(for_start=True)``), the session locked
shared with every other fact of the gates and the drawn (newest approved) blueprint version
in one (parsed once per digest, ``exam/outline``), then the form drawn ahead
(``exam/predraw``).
"""
from __future__ import annotations

from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from examserver import clock
from examserver.bank import drawn
from examserver.core import audit
from examserver.core.errors import Conflict, Forbidden, NotFound, ServiceError
from examserver.db import db
from examserver.exam import gates
from examserver.exam import journal
from examserver.exam import outline
from examserver.exam import predraw
from examserver.models import Attempt, AttemptState, Participant, Terminal


def check_may_start(participant: Participant) -> None:
    """A new attempt needs an admitted participant, not marked absent, inside
    the session's start window (late arrivals go through the proctor)."""
    session = participant.session
    if participant.no_show:
        raise Forbidden(_("You are marked absent. Please call the proctor."), "no_show")
    window_end = session.starts_at + timedelta(minutes=session.start_window_minutes)
    if clock.now() > window_end:
        raise Forbidden(_("The start window of this session closed at %(time)s. Please call the proctor.",
                          time=clock.to_local(window_end).strftime("%H:%M")), "start_window_closed")


def start_attempt(participant: Participant, terminal: Terminal, language: str,
                  code_id: int | None = None, locked: bool = False) -> Attempt:
    """Draw a form for ``participant`` and start the clock on ``terminal``.

    Every gate of issuing and using the code is checked again under row locks
    (``gates.check_start``, invariant 12); ``code_id`` is the code typed at
    login (the kiosk passes it); ``locked``: the caller has locked the
    terminal and the participant as ``gates.lock_for_start`` does. The form
    comes from the newest approved version of the blueprint of the participant's
    position, with a fresh random 63-bit seed (drawn ahead or now); it is
    frozen in the attempt (invariant 4). Journal event 0 is 'start'.
    """
    blueprint_id, digest, stamp, attempt_id = gates.check_start(participant, terminal, code_id, locked)
    check_may_start(participant)
    if blueprint_id is None:  # no approved version of the position's blueprint (bank/drawn)
        if drawn.has_versions(participant.position.blueprint_code):
            raise drawn.refusal(participant.position.blueprint_code)
        raise NotFound(_("No exam blueprint is set up for this position."), "no_blueprint")
    blueprint = outline.parsed(blueprint_id, digest)
    if language not in blueprint.languages:
        raise ServiceError(_("This test is not offered in the chosen language."), "bad_language")
    # A form drawn ahead (exam/predraw) makes the start a state change, its digest
    # the one computed at the draw; else draw now.
    taken = predraw.take(participant, blueprint_id, stamp)
    if taken is not None:
        seed, form, form_digest = taken
    else:
        seed, drawn_form = predraw.draw_for(participant, blueprint, stamp)
        form, form_digest = drawn_form.to_dict(), drawn_form.digest()
    now = clock.now()
    duration = blueprint.duration_minutes * 60
    attempt = Attempt(
        id=attempt_id, participant_id=participant.id, session_id=participant.session_id, terminal_id=terminal.id,
        blueprint_id=blueprint_id, language=language, seed=seed, form=form, form_digest=form_digest,
        state=AttemptState.IN_PROGRESS, started_at=now, duration_seconds=duration,
        deadline_at=now + timedelta(seconds=duration), last_seq=0, journal_head="",
        answered_count=0, question_count=len(form["slots"]), last_contact_at=now,
    )
    # No savepoint (two round trips on PostgreSQL): the participant's row lock (SQLite: the
    # write gate), taken before the gates saw no attempt, keeps a second start out until
    # this one commits. The unique participant stays the last arbiter: should it ever
    # refuse, the start's transaction is dropped and the candidate told, never a 500.
    # The id is known ahead (gates.check_start): event 0 is hashed before the INSERT, and
    # one flush (the audit entry's) writes the attempt with its journal head, the event
    # and the entry. Without it (a caller's stand-in for the gates), the INSERT gives the id.
    db.session.add(attempt)
    try:
        if attempt_id is None:
            db.session.flush()
        journal.append(attempt, 0, "start", {"form_digest": attempt.form_digest, "language": language}, flush=False)
        audit.record("attempt.start", attempt, actor=audit.Actor.for_terminal(terminal),
                     centre_id=participant.session.centre_id, participant=participant.id, language=language)
    except IntegrityError as exc:
        db.session.rollback()
        raise Conflict(_("A test has already been started with this code."), "already_started") from exc
    return attempt
