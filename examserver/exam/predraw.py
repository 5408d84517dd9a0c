"""Pre-drawn forms: draw and freeze each admitted participant's form ahead,
so that a hall starting at once changes states instead of drawing (issue 15).

The draw is the start's own (:func:`draw_for`: the newest approved version
of the position's blueprint, the latest item versions of its topics, a fresh random
63-bit seed, a competition's seen items left out), done earlier and stored in
``predrawn_form``. Issuing a code draws it (``codes.issue_code`` calls
:func:`predraw_participant` with ``fresh=True`` in the same transaction, so a
re-issued code comes with a new form, and a bank that cannot fill the test
refuses the code: the proctor learns it before the candidate sits).
``examserver predraw --session ID`` (``predraw_session``) draws the forms of
codes issued before, and keeps a form that is still current.

:func:`take` hands the form to the start only if it is still what a draw
could give: the blueprint is still the drawn (newest approved) version and every item is
still the latest, approved version (an item retired or revised since is
never shown); otherwise the start draws as before. Either way the attempt
records the exact item versions, option orders and seed (invariant 4); a
pre-drawn row is deleted when taken.
"""
from __future__ import annotations

import secrets

import sqlalchemy as sa
from flask_babel import gettext as _

from question_bank.blueprint import Blueprint
from question_bank.drawing import DrawError, Form, draw_form

from examserver import clock
from examserver.bank import drawn
from examserver.bank.store import latest_items
from examserver.competitions.seen import excluded_items
from examserver.core import audit
from examserver.core.errors import ServiceError
from examserver.db import db
from examserver.models import (Admission, Attempt, BankItem, BankStamp, ExamBlueprint, ExamSession, Participant,
                               PredrawnForm)


def draw_for(participant: Participant, blueprint: Blueprint, stamp: int | None = None) -> tuple[int, Form]:
    """Draw ``participant``'s form from ``blueprint`` with a fresh seed: ``(seed, form)``.
    ``stamp``: the bank's stamp read in the caller's transaction (:func:`bank_stamp`):
    the latest items read under it are kept per process (``bank.store.latest_items``)."""
    seed = secrets.randbits(63)
    try:
        items = latest_items(blueprint.demand(), stamp)
        # A competition's tie-break form never repeats an item the person already saw (seed 003 §29).
        excluded = excluded_items(participant)
        return seed, draw_form(blueprint, [i for i in items if i.id not in excluded] if excluded else items, seed)
    except DrawError as exc:
        raise ServiceError(_("The question bank cannot fill this test. Call the proctor."), "draw_failed",
                           status=500, detail=str(exc)) from exc


def take(participant: Participant, blueprint_id: int, stamp: int | None = None) -> tuple[int, dict, str] | None:
    """The participant's pre-drawn ``(seed, form as stored, digest)`` for blueprint
    version ``blueprint_id``, removed from the store in the same statement; None if there is none
    (or it was drawn from an older version, or an item of it is no longer current).

    The digest is the one computed when the form was drawn (the stored form is
    the frozen one, not hashed again). ``stamp``: the bank's stamp read in the
    start's transaction (:func:`items_current`)."""
    row = db.session.execute(_TAKE, {"participant_id": participant.id}).first()
    if row is None:
        return None
    drawn_from, seed, form, digest = row
    if drawn_from != blueprint_id:
        return None
    if not items_current([(s["item_id"], s["item_version"]) for s in form["slots"]], stamp):
        return None
    return seed, form, digest


_PREDRAWN = PredrawnForm.__table__
_TAKE = (sa.delete(_PREDRAWN).where(_PREDRAWN.c.participant_id == sa.bindparam("participant_id"))
         .returning(_PREDRAWN.c.blueprint_id, _PREDRAWN.c.seed, _PREDRAWN.c.form, _PREDRAWN.c.form_digest))

# The latest (version, status) of each item id, as read under one bank stamp
# (migration 0012: a trigger renews the stamp on every write to bank_item).
# A cache checked against the database, not state: a different stamp empties it.
_CHECKED: tuple[int | None, dict[str, tuple[int, str]]] = (None, {})
_MAX_CHECKED = 50_000


def bank_stamp() -> sa.ScalarSelect:
    """The bank's current stamp as a scalar subquery (NULL: unknown), for a caller's statement."""
    return sa.select(BankStamp.value).where(BankStamp.id == 1).scalar_subquery()


def items_current(refs: list[tuple[str, int]], stamp: int | None = None) -> bool:
    """True if every ``(item id, version)`` is still its item's latest version
    and approved (what ``latest_items`` would draw). One narrow query: ids,
    versions and states, never the items' text.

    ``stamp``: the bank's stamp (:func:`bank_stamp`) read in the caller's
    transaction before this call; the states read under the same stamp are
    kept per process and the query asks only for ids not read yet (a hall's
    starts read the bank once per worker). None: always ask."""
    global _CHECKED
    known_stamp, known = _CHECKED
    if stamp is None or known_stamp != stamp or len(known) > _MAX_CHECKED:
        known = {}
    wanted = dict(refs)
    missing = sorted(item_id for item_id in wanted if item_id not in known)
    if missing:
        latest: dict[str, tuple[int, str]] = {}
        for item_id, version, status in db.session.execute(
                sa.select(BankItem.item_id, BankItem.version, BankItem.status).where(BankItem.item_id.in_(missing))):
            if version > latest.get(item_id, (0, ""))[0]:
                latest[item_id] = (version, status)
        known = dict(known, **{item_id: latest.get(item_id, (0, "")) for item_id in missing})
        if stamp is not None:
            _CHECKED = (stamp, known)
    return all(known.get(item_id) == (version, "approved") for item_id, version in wanted.items())


def predraw_participant(participant: Participant, fresh: bool = False) -> PredrawnForm | None:
    """Draw and store ``participant``'s form now (replacing an outdated one,
    or any one when ``fresh``: a code issue).

    None when there is nothing to draw: no blueprint for the position, or the
    participant already started. A blueprint with versions but none approved
    is refused (``blueprint_not_approved``, naming it). Idempotent for the same blueprint version
    unless ``fresh``. A bank that cannot fill the test raises ``ServiceError``
    (``draw_failed``) naming the participant.
    """
    started, stamp = db.session.execute(_STARTED_AND_STAMP, {"participant_id": participant.id}).one()
    if started:
        return None
    row = drawn.drawn_blueprint(participant.position.blueprint_code)  # the newest approved version
    if row is None:
        if drawn.has_versions(participant.position.blueprint_code):
            raise drawn.refusal(participant.position.blueprint_code, participant.position.code)
        return None
    existing = db.session.scalar(sa.select(PredrawnForm).where(PredrawnForm.participant_id == participant.id))
    if existing is not None:
        if existing.blueprint_id == row.id and not fresh and items_current(Form.from_dict(existing.form).item_refs()):
            return existing
        db.session.delete(existing)
        db.session.flush()
    try:
        seed, form = draw_for(participant, Blueprint.from_dict(row.payload), stamp)
    except ServiceError as exc:
        # Said to the proctor or operator, naming the person, before anyone sits.
        raise ServiceError(_("The question bank cannot fill the test of %(name)s (position %(position)s): "
                             "its blueprint needs more approved questions.", name=participant.full_name,
                             position=participant.position.code), "draw_failed", status=409) from exc
    predrawn = PredrawnForm(participant_id=participant.id, blueprint_id=row.id, seed=seed, form=form.to_dict(),
                            form_digest=form.digest(), drawn_at=clock.now())
    db.session.add(predrawn)
    db.session.flush()
    return predrawn


# Whether the participant started, and the bank's stamp (one statement; a batch of
# issues then reads the bank's latest items once).
_STARTED_AND_STAMP = sa.select(sa.exists().where(Attempt.participant_id == sa.bindparam("participant_id")),
                               bank_stamp())


def predraw_session(session: ExamSession, actor: audit.Actor) -> int:
    """Pre-draw the forms of every admitted participant of ``session`` who has
    not started; returns how many are ready. Audited once for the session."""
    participants = db.session.scalars(
        sa.select(Participant).where(Participant.session_id == session.id,
                                     Participant.admission == Admission.ADMITTED).order_by(Participant.id))
    ready = sum(1 for p in participants if predraw_participant(p) is not None)
    audit.record("session.predraw", session, actor=actor, centre_id=session.centre_id, forms=ready)
    return ready
