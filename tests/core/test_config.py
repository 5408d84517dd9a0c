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


def test_environment_overrides_defaults():
    config = load_config({"EXAM_APPEAL_WINDOW_MINUTES": "90", "EXAM_SESSION_COOKIE_SECURE": "yes"})
    assert config["APPEAL_WINDOW_MINUTES"] == 90
    assert config["SESSION_COOKIE_SECURE"] is True
