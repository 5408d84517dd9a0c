"""Running the Alembic migrations from code (``examserver db upgrade``, tests)."""
from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from flask import Flask

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(app: Flask, revision: str = "heads") -> None:
    """Bring the app's database to ``revision`` (default: every head)."""
    from examserver.db import db

    config = alembic_config(app.config["DATABASE_URL"])
    with db.engine_for(app).begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def current_revisions(app: Flask) -> tuple[str, ...]:
    from examserver.db import db

    with db.engine_for(app).connect() as connection:
        return MigrationContext.configure(connection).get_current_heads()
