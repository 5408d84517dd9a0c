"""``/healthz`` and ``/readyz`` for the reverse proxy and the operator.

* ``/healthz``: the process answers (no database work): a proxy that gets no
  200 takes the instance out of rotation.
* ``/readyz``: this instance can serve exams: the database answers, its
  schema is the one this version runs on, and the centre's signing key is
  there (without it no protocol can be issued at the end of an exam).
  503 with the failing check otherwise.

Both answer JSON without a session or a login and reveal nothing but the
checks' names and outcomes.
"""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, current_app, jsonify

bp = Blueprint("ops", __name__)


@bp.get("/healthz")
def healthz():
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz():
    from examserver.core.errors import ServiceError
    from examserver.db import db
    from examserver.migrate import current_revisions
    from examserver.ops.backup import expected_revisions
    from examserver.protocols import signing

    checks: dict[str, str] = {}
    try:
        with db.engine_for(current_app).connect() as conn:
            conn.execute(sa.text("SELECT 1"))
        checks["database"] = "ok"
    except sa.exc.SQLAlchemyError:
        checks["database"] = "unreachable"
    if checks["database"] == "ok":
        current = tuple(sorted(current_revisions(current_app)))
        checks["migrations"] = "ok" if current == expected_revisions() else \
            f"database at {', '.join(current) or 'no schema'}, expected {', '.join(expected_revisions())}"
    try:
        signing.centre_key(create=False)
        checks["signing_key"] = "ok"
    except ServiceError as exc:
        checks["signing_key"] = exc.message
    ready = all(value == "ok" for value in checks.values())
    return jsonify(status="ready" if ready else "not ready", checks=checks), 200 if ready else 503
