"""Forms drawn ahead of the start (issue 15: a hall's start is a state change, not a draw)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from examserver.models.base import Base


class PredrawnForm(Base):
    """A form drawn and frozen for one participant before the start.

    ``examserver.exam.predraw`` draws it (same blueprint version, items and
    seeded draw as the start would); the start takes it when the blueprint is
    still the latest version, copies seed, form and digest into the attempt
    (invariant 4) and deletes the row. Nothing here is shown to anyone.
    """

    __tablename__ = "predrawn_form"
    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(sa.ForeignKey("participant.id", ondelete="CASCADE"), unique=True)
    blueprint_id: Mapped[int] = mapped_column(sa.ForeignKey("exam_blueprint.id"))
    seed: Mapped[int] = mapped_column(sa.BigInteger)
    form: Mapped[dict[str, Any]]
    form_digest: Mapped[str] = mapped_column(sa.String(64))
    drawn_at: Mapped[datetime]
