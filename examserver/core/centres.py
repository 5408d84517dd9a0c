"""Testing centres and their rooms (the authority's administrators manage them)."""
from __future__ import annotations

import re

import sqlalchemy as sa
from flask_babel import gettext as _

from examserver.db import db
from examserver.models import Centre, Room
from examserver.core import audit
from examserver.core.errors import Conflict, ServiceError

CODE_RE = re.compile(r"^[A-Z0-9_-]{1,32}$")


def create_centre(code: str, names: dict[str, str], address: str, actor: audit.Actor) -> Centre:
    """A new testing centre; ``code`` is short (latin capitals, digits), names per language."""
    code = (code or "").strip().upper()
    if not CODE_RE.match(code):
        raise ServiceError(_("The centre code must be 1-32 latin capitals, digits, _ or -."), "code")
    names = {lang: text.strip() for lang, text in names.items() if text and text.strip()}
    if not names:
        raise ServiceError(_("Give the centre a name."), "name")
    if db.session.scalar(sa.select(Centre.id).where(Centre.code == code)):
        raise Conflict(_("A centre with code %(code)s exists already.", code=code), "code_taken")
    centre = Centre(code=code, name=names, address=(address or "").strip()[:300])
    db.session.add(centre)
    db.session.flush()
    audit.record("centre.create", centre, actor=actor, centre_id=centre.id, code=code)
    return centre


def create_room(centre: Centre, name: str, seats: int, actor: audit.Actor) -> Room:
    """A new room of ``centre`` with ``seats`` places (1-1000)."""
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise ServiceError(_("Give the room a name (at most 100 characters)."), "name")
    if not 1 <= int(seats or 0) <= 1000:
        raise ServiceError(_("A room has 1 to 1000 seats."), "seats")
    if db.session.scalar(sa.select(Room.id).where(Room.centre_id == centre.id, Room.name == name)):
        raise Conflict(_("This centre already has a room %(name)s.", name=name), "room_taken")
    room = Room(centre_id=centre.id, name=name, seats=int(seats))
    db.session.add(room)
    db.session.flush()
    audit.record("room.create", room, actor=actor, centre_id=centre.id, name=name, seats=int(seats))
    return room
