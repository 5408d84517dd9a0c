"""The retake period (seed 003 §28): who failed may sit the group again only after a year.

A person is the 14-digit personal number (ПИН), across sessions and centres.
A testing attempt that ended ``does_not_meet`` for a position group bars the
same person from that group (every group when ``RETAKE_EVERY_GROUP`` is set)
until the same calendar date ``RETAKE_COOLDOWN_YEARS`` later, from midnight in
the centre's time zone (the date of the failure is the local date too).

A failure on 29 February is followed by 1 March: a year that has no
29 February has no "same date", and the period must never be shorter than a
full year (28 February would let the person sit again before the anniversary).
Civil law counts a period in years to the corresponding date; where there is
none, we take the day after, in the candidate's disfavour by one day at most.

A failure whose technical appeal was upheld with a re-test grant (appeal
protocol signed) does not count: the commission gave the person a new sitting.

The rule is checked at registration (``registration.participants``), at code
issue (``exam.codes``), at code login and at attempt start (``exam.gates``),
because a person may be registered in a second session before failing the
first one (invariant 12).
"""
from __future__ import annotations

from datetime import date, datetime, time, timezone

import sqlalchemy as sa
from flask import current_app
from flask_babel import format_date
from flask_babel import gettext as _

from examserver import clock
from examserver.db import db
from examserver.models import Attempt, Participant, Position
from examserver.core.errors import Forbidden


def anniversary(day: date, years: int) -> date:
    """The same calendar date ``years`` later; 29 February becomes 1 March in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a common year
        return date(day.year + years, 3, 1)


def period_end(finished_at: datetime, years: int) -> datetime:
    """The moment (UTC) from which a person who failed at ``finished_at`` may sit again:
    local midnight of the anniversary of the local failure date."""
    local_day = clock.to_local(finished_at).date()
    again = anniversary(local_day, years)
    zone = clock.to_local(finished_at).tzinfo
    return datetime.combine(again, time(0, 0), tzinfo=zone).astimezone(timezone.utc)


def _failures(pin, group_code, exclude_participant, *columns, attempt=Attempt, participant=Participant,
              position=Position) -> sa.Select:
    """The failures of ``pin`` that may bar ``group_code`` (before the appeal and date checks).

    The arguments are values, or columns of an outer query (then pass aliases
    of the tables, so the subquery correlates with the outer row only)."""
    query = (
        sa.select(*columns)
        .join(participant, participant.id == attempt.participant_id)
        .join(position, position.id == participant.position_id)
        .where(participant.pin == pin, attempt.verdict == "does_not_meet", attempt.finished_at.is_not(None))
    )
    if not current_app.config["RETAKE_EVERY_GROUP"]:
        query = query.where(position.group_code == group_code)
    if exclude_participant is not None:
        query = query.where(participant.id != exclude_participant)
    return query


def may_bar(pin, group_code, participant_id) -> sa.Exists:
    """An SQL ``EXISTS`` that is false when the person ``pin`` has no failure that could
    bar them from ``group_code`` (the usual case): a door reads it with its other
    facts and skips :func:`check`. True means only "call :func:`check`". The
    arguments may be values or columns of the outer query (e.g. ``Participant.pin``)."""
    a, p, pos = sa.orm.aliased(Attempt), sa.orm.aliased(Participant), sa.orm.aliased(Position)
    return sa.exists(_failures(pin, group_code, participant_id, a.id, attempt=a, participant=p, position=pos))


def allowed_from(pin: str, group_code: str, now: datetime, exclude_participant: int | None = None) -> datetime | None:
    """When ``pin`` may sit ``group_code`` again if a counted failure is still within the period, else None.

    ``exclude_participant`` leaves out one registration's own attempt (its
    own sitting is not a retake of itself).
    """
    from examserver.models import Appeal, AppealDecision, AppealState

    query = _failures(pin, group_code, exclude_participant, Attempt.finished_at, Appeal.state, Appeal.decision,
                      Appeal.decision_details).outerjoin(Appeal, Appeal.attempt_id == Attempt.id)
    counted = [finished for finished, state, decision, details in db.session.execute(query).all()
               if not (state == AppealState.SIGNED and decision == AppealDecision.UPHELD
                       and (details or {}).get("retest"))]
    if not counted:
        return None
    years = current_app.config["RETAKE_COOLDOWN_YEARS"]
    allowed = max(period_end(finished, years) for finished in counted)
    return allowed if allowed > now else None


def refusal_text(group_code: str, allowed: datetime) -> str:
    """The message a person reads: the group and the local date they may sit again."""
    return _("This person did not reach the threshold for group %(group)s and may retake it from %(date)s.",
             group=group_code, date=format_date(clock.to_local(allowed).date(), "long"))


def check(participant: Participant, to_candidate: bool = False) -> None:
    """Refuse (403, code ``retake``) a participant whose person is within a retake period;
    ``to_candidate``: the message addresses the candidate at the kiosk."""
    group = participant.position.group_code
    allowed = allowed_from(participant.pin, group, clock.now(), exclude_participant=participant.id)
    if allowed is None:
        return
    if to_candidate:
        message = _("You did not reach the threshold for group %(group)s and may sit it again from %(date)s. "
                    "Please call the proctor.",
                    group=group, date=format_date(clock.to_local(allowed).date(), "long"))
    else:
        message = refusal_text(group, allowed)
    raise Forbidden(message, "retake", allowed_from=allowed.isoformat())
