"""Named locks for allocations that read ``max + 1`` (protocol and appeal numbers).

On PostgreSQL a transaction-scoped advisory lock per name queues concurrent
allocators (released at commit or rollback, across workers and instances);
SQLite needs nothing, its writers are already serialised.
"""
from __future__ import annotations

import hashlib

import sqlalchemy as sa

from examserver.db import db


def serialise(name: str) -> None:
    """Hold the lock ``name`` until the end of the current transaction."""
    if db.session.get_bind().dialect.name != "postgresql":
        return
    key = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)
    db.session.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
