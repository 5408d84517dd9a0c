"""The audit log helper every feature uses (design invariant 8)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import g, has_request_context

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
