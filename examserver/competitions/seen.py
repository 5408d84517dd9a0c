"""Which bank items a person has already seen, for the tie-break draw.

Kept apart from the rest of the feature (models and the database only) so the
attempt service can ask it at exam start without importing the competition
services: a tie-break attempt never repeats an item of the person's earlier
forms (seed 003 §29, "no item the candidate already saw").
"""
from __future__ import annotations

import sqlalchemy as sa

from examserver.db import db
from examserver.models import Attempt, Participant, TieBreakEntry


def seen_item_ids(pin: str) -> set[str]:
    """Item ids of every form drawn for the person with ``pin``."""
    forms = db.session.scalars(sa.select(Attempt.form).join(Participant, Participant.id == Attempt.participant_id)
                               .where(Participant.pin == pin))
    return {slot["item_id"] for form in forms for slot in (form or {}).get("slots", [])}


def excluded_items(participant: Participant) -> set[str]:
    """Items the draw for ``participant`` must leave out: empty unless the
    participant sits a tie-break test, then every item the person already saw."""
    entry = db.session.scalar(sa.select(TieBreakEntry.id).where(TieBreakEntry.participant_id == participant.id))
    if entry is None:
        return set()
    return seen_item_ids(participant.pin)
