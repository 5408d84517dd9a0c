"""Configuration: EXAM_* variables, validation, the shared demo secret."""
import pytest

from examserver import create_app
from examserver.config import ConfigError, load_config, resolve_secret_key


def test_unknown_exam_variable_is_refused():
    with pytest.raises(ConfigError, match="EXAM_DATABSE_URL: unknown setting"):
        load_config({"EXAM_DATABSE_URL": "sqlite://"})


def test_bad_integer_names_the_variable():
    with pytest.raises(ConfigError, match="EXAM_ANSWER_GRACE_SECONDS='soon'"):
        load_config({"EXAM_ANSWER_GRACE_SECONDS": "soon"})


def test_bad_timezone_is_refused():
    with pytest.raises(ConfigError, match="EXAM_TIMEZONE"):
        load_config({"EXAM_TIMEZONE": "Mars/Olympus"})


def test_production_without_secret_stops(tmp_path, monkeypatch):
    monkeypatch.delenv("EXAM_SECRET_KEY", raising=False)
    with pytest.raises(ConfigError, match="EXAM_SECRET_KEY is not set"):
        create_app({"MODE": "production", "INSTANCE_PATH": str(tmp_path)})


def test_cli_reports_config_error_without_traceback(tmp_path):
    import subprocess
    import sys

    env = {"EXAM_MODE": "production", "EXAM_INSTANCE_PATH": str(tmp_path), "PATH": "/usr/bin:/bin"}
    result = subprocess.run([sys.executable, "-m", "examserver", "db", "current"], env=env,
                            capture_output=True, text=True)
    assert result.returncode == 2
    assert "configuration error: EXAM_SECRET_KEY is not set" in result.stderr
    assert "Traceback" not in result.stderr


def test_demo_secret_is_generated_once_and_shared(tmp_path):
    config = load_config({"EXAM_MODE": "demo"})
    first = resolve_secret_key(config, tmp_path)
    second = resolve_secret_key(config, tmp_path)
    assert first == second and len(first) == 64
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600
    resolve_secret_key(config, tmp_path / "new")
    assert (tmp_path / "new").stat().st_mode & 0o777 == 0o700


def test_environment_overrides_defaults():
    config = load_config({"EXAM_APPEAL_WINDOW_MINUTES": "90", "EXAM_SESSION_COOKIE_SECURE": "yes"})
    assert config["APPEAL_WINDOW_MINUTES"] == 90
    assert config["SESSION_COOKIE_SECURE"] is True


def test_production_refuses_a_short_secret(tmp_path):
    with pytest.raises(ConfigError, match="EXAM_SECRET_KEY is too short"):
        create_app({"MODE": "production", "SECRET_KEY": "x" * 31, "INSTANCE_PATH": str(tmp_path)})
    assert create_app({"MODE": "production", "SECRET_KEY": "x" * 32, "INSTANCE_PATH": str(tmp_path)})


def test_cookies_are_secure_by_default_in_production_only():
    assert load_config({"EXAM_MODE": "production"})["SESSION_COOKIE_SECURE"] is True
    assert load_config({"EXAM_MODE": "demo"})["SESSION_COOKIE_SECURE"] is False
    assert load_config({"EXAM_MODE": "production", "EXAM_SESSION_COOKIE_SECURE": "no"})["SESSION_COOKIE_SECURE"] is False


def test_session_lifetimes(tmp_path):
    config = load_config({})
    assert (config["SESSION_IDLE_MINUTES"], config["SESSION_LIFETIME_HOURS"]) == (30, 12)
    with pytest.raises(ConfigError, match="EXAM_SESSION_IDLE_MINUTES"):
        load_config({"EXAM_SESSION_IDLE_MINUTES": "0"})
    app = create_app({"MODE": "demo", "INSTANCE_PATH": str(tmp_path)})
    assert app.config["PERMANENT_SESSION_LIFETIME"].total_seconds() == 12 * 3600


def test_sqlite_files_are_private(tmp_path):
    """The database holds password hashes, personal numbers and sealed keys: 0600, WAL and SHM too."""
    import os

    import sqlalchemy as sa

    from examserver.db import db
    from examserver.migrate import upgrade

    previous = os.umask(0o022)  # the usual umask would leave them world-readable
    try:
        app = create_app({"MODE": "testing", "INSTANCE_PATH": str(tmp_path)})
        upgrade(app)
    finally:
        os.umask(previous)
    with app.app_context():
        db.session.execute(sa.text("SELECT 1"))
        files = sorted(tmp_path.glob("examserver.sqlite*"))
        assert {f.name for f in files} >= {"examserver.sqlite", "examserver.sqlite-wal", "examserver.sqlite-shm"}
        for f in files:
            assert f.stat().st_mode & 0o777 == 0o600, f.name
    db.dispose(app)
