"""``/healthz`` and ``/readyz``: what a proxy and an operator poll."""
from __future__ import annotations

import sqlalchemy as sa

from examserver import create_app
from examserver.db import db


def test_healthz_answers_without_the_database(tmp_path, clock):
    app = create_app({"MODE": "testing", "DATABASE_URL": f"sqlite:///{tmp_path}/missing/dir/x.sqlite",
                      "INSTANCE_PATH": str(tmp_path / "i"), "CLOCK": clock})
    response = app.test_client().get("/healthz")
    assert response.status_code == 200 and response.get_json() == {"status": "ok"}
    ready = app.test_client().get("/readyz")
    assert ready.status_code == 503
    assert ready.get_json()["checks"]["database"] == "unreachable"


def test_readyz_needs_schema_and_signing_key(app, runner):
    client = app.test_client()
    first = client.get("/readyz")
    assert first.status_code == 503
    checks = first.get_json()["checks"]
    assert checks["database"] == "ok" and checks["migrations"] == "ok"
    assert "keys generate" in checks["signing_key"]
    assert runner.invoke(args=["keys", "generate"]).exit_code == 0
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.get_json()["status"] == "ready"


def test_readyz_reports_a_schema_behind_the_code(app, runner):
    assert runner.invoke(args=["keys", "generate"]).exit_code == 0
    engine = db.engine_for(app)
    with engine.begin() as conn:
        current = conn.scalar(sa.text("SELECT version_num FROM alembic_version"))
        conn.execute(sa.text("UPDATE alembic_version SET version_num = '0002'"))
    try:
        response = app.test_client().get("/readyz")
        assert response.status_code == 503
        assert "database at 0002" in response.get_json()["checks"]["migrations"]
    finally:  # the PostgreSQL test database is shared by the session's tests
        with engine.begin() as conn:
            conn.execute(sa.text("UPDATE alembic_version SET version_num = :v"), {"v": current})
