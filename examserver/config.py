"""Configuration: defaults + ``EXAM_*`` environment variables + overrides.

Every setting is declared in :data:`SETTINGS`; an ``EXAM_*`` variable that is
not declared, a value of the wrong type, or a missing required value stops
start-up with a :class:`ConfigError` naming the variable.
"""
from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

MODES = ("production", "demo", "testing")
# Sessions, CSRF tokens and access-code hashes are keyed with the secret: a
# short one could be guessed offline from a captured cookie.
MIN_SECRET_BYTES = 32


class ConfigError(RuntimeError):
    """Raised when the configuration cannot be used; the message says why."""


def _bool(raw: str) -> bool:
    lowered = raw.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise ValueError("expected true/false")


def _int(raw: str) -> int:
    return int(raw.strip())


def _str(raw: str) -> str:
    return raw


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any
    parse: Callable[[str], Any]
    help: str


SETTINGS: dict[str, Setting] = {
    s.name: s
    for s in [
        Setting("MODE", "production", _str, "production | demo | testing"),
        Setting("SECRET_KEY", None, _str, "secret for sessions, CSRF and code hashes; required in production"),
        Setting("DATABASE_URL", None, _str, "SQLAlchemy URL; default sqlite file in the instance folder"),
        Setting("INSTANCE_PATH", None, _str, "instance folder (database, keys, generated secret)"),
        Setting("TIMEZONE", "Asia/Bishkek", _str, "centre time zone for display and protocols"),
        Setting("DEFAULT_LOCALE", "ru", _str, "ky | ru | en"),
        Setting("ANSWER_GRACE_SECONDS", 5, _int, "answers accepted this long after the deadline (network)"),
        Setting("APPEAL_WINDOW_MINUTES", 60, _int, "technical appeal window after the finish"),
        Setting("APPEAL_RETENTION_DAYS", 365, _int, "technical-commission materials are kept this long"),
        Setting("PROTOCOL_RETENTION_DAYS", 1825, _int, "testing protocols are kept this long"),
        Setting("RETAKE_COOLDOWN_YEARS", 1, _int,
                "a failed candidate may sit the group again from the same date N years later (29 Feb -> 1 Mar)"),
        Setting("RETAKE_EVERY_GROUP", False, _bool, "the retake cooldown after a failure covers every position group"),
        Setting("PAIRING_FAILURES_LIMIT", 10, _int, "wrong terminal pairing codes per account before a pause"),
        Setting("PAIRING_FAILURES_WINDOW_SECONDS", 900, _int, "window for counting wrong pairing codes"),
        Setting("CODE_LOCKOUT_FAILURES", 5, _int, "wrong access codes before a terminal locks"),
        Setting("CODE_LOCKOUT_WINDOW_SECONDS", 300, _int, "window for counting wrong codes"),
        Setting("LOGIN_FAILURES_LIMIT", 10, _int, "failed logins per account/address before a pause"),
        Setting("LOGIN_FAILURES_WINDOW_SECONDS", 900, _int, "window for counting failed logins"),
        Setting("SILENT_TERMINAL_SECONDS", 60, _int, "a terminal silent this long is highlighted"),
        Setting("NEUTRALISE_POLICY", "credit", _str, "defective item: credit (scored correct) | remove"),
        Setting("SIGNING_KEY_DIR", None, _str, "folder of the centre's Ed25519 keys (default instance/keys)"),
        Setting("SESSION_COOKIE_SECURE", None, _bool,
                "cookies only over HTTPS; default on in production, off otherwise (set false for a plain-HTTP LAN)"),
        Setting("SESSION_IDLE_MINUTES", 30, _int, "a console login ends after this long without a request"),
        Setting("SESSION_LIFETIME_HOURS", 12, _int, "a console login ends this long after it started"),
        Setting("MAX_JSON_BYTES", 16384, _int, "largest JSON body the kiosk API accepts"),
        Setting("KIOSK_POLL_SECONDS", 15, _int,
                "how often an idle kiosk asks for its state (the heartbeat; a save answers it too)"),
        Setting("KIOSK_FAST_PATH", True, _bool,
                "serve the plain answer save and heartbeat without the framework (kiosk/fastpath.py)"),
        Setting("LOG_FORMAT", "text", _str, "text | json: the format of the server's log lines"),
        Setting("PROXY_COUNT", 0, _int,
                "reverse proxies in front of the server whose X-Forwarded-For/-Proto/-Host are trusted (0 = none)"),
        Setting("METRICS_ALLOW", "127.0.0.1/32,::1/128", _str,
                "addresses (comma-separated, CIDR) that may read /metrics"),
        Setting("SWEEP_INTERVAL_SECONDS", 15, _int, "deadline sweep interval of the serve command (0 = off)"),
    ]
}


# ``EXAM_*`` variables read by a CLI command as its input, not settings of the app.
COMMAND_INPUTS = frozenset({"EXAM_NEW_USER_PASSWORD"})


def _validate_timezone(name: str) -> None:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(f"EXAM_TIMEZONE: unknown time zone {name!r}") from exc


def load_config(environ: dict[str, str] | None = None, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Build the configuration dict from defaults, ``EXAM_*`` variables and overrides.

    Overrides (from ``create_app``) may also carry non-``EXAM`` keys such as
    ``CLOCK`` or Flask's own settings; unknown ``EXAM_*`` environment variables
    are refused so a typo never silently falls back to a default.
    """
    environ = dict(os.environ if environ is None else environ)
    config: dict[str, Any] = {name: s.default for name, s in SETTINGS.items()}
    for var, raw in environ.items():
        if not var.startswith("EXAM_") or var.startswith("EXAM_TEST_") or var in COMMAND_INPUTS:
            continue
        name = var[len("EXAM_"):]
        setting = SETTINGS.get(name)
        if setting is None:
            known = ", ".join("EXAM_" + n for n in sorted(SETTINGS))
            raise ConfigError(f"{var}: unknown setting (known: {known})")
        try:
            config[name] = setting.parse(raw)
        except ValueError as exc:
            raise ConfigError(f"{var}={raw!r}: {exc}") from exc
    for key, value in (overrides or {}).items():
        config[key] = value
    if config["MODE"] not in MODES:
        raise ConfigError(f"EXAM_MODE: {config['MODE']!r} is not one of {', '.join(MODES)}")
    if config["DEFAULT_LOCALE"] not in ("ky", "ru", "en"):
        raise ConfigError(f"EXAM_DEFAULT_LOCALE: {config['DEFAULT_LOCALE']!r} is not ky, ru or en")
    if config["NEUTRALISE_POLICY"] not in ("credit", "remove"):
        raise ConfigError("EXAM_NEUTRALISE_POLICY: must be credit or remove")
    if not isinstance(config["PROXY_COUNT"], int) or not 0 <= config["PROXY_COUNT"] <= 5:
        raise ConfigError("EXAM_PROXY_COUNT: a number of proxies from 0 to 5")
    if config["LOG_FORMAT"] not in ("text", "json"):
        raise ConfigError(f"EXAM_LOG_FORMAT: {config['LOG_FORMAT']!r} is not text or json")
    _validate_timezone(config["TIMEZONE"])
    if config["SESSION_COOKIE_SECURE"] is None:
        # Production is served over TLS (see docs/security.md); a plain-HTTP
        # LAN must say so explicitly, and start-up then warns.
        config["SESSION_COOKIE_SECURE"] = config["MODE"] == "production"
    for name in ("SESSION_IDLE_MINUTES", "SESSION_LIFETIME_HOURS"):
        if not isinstance(config[name], int) or config[name] < 1:
            raise ConfigError(f"EXAM_{name}: must be a whole number of at least 1")
    return config


def resolve_secret_key(config: dict[str, Any], instance_path: Path) -> str:
    """Return the secret key; demo/testing generate one, stored once in the instance folder.

    The file is created with O_EXCL so that several gunicorn workers starting at
    once all end up with the same secret.
    """
    if config.get("SECRET_KEY"):
        if config["MODE"] == "production" and len(config["SECRET_KEY"].encode("utf-8")) < MIN_SECRET_BYTES:
            raise ConfigError(
                f"EXAM_SECRET_KEY is too short: production needs at least {MIN_SECRET_BYTES} bytes of random "
                "secret (e.g. python -c 'import secrets; print(secrets.token_hex(32))')"
            )
        return config["SECRET_KEY"]
    if config["MODE"] == "production":
        raise ConfigError(
            "EXAM_SECRET_KEY is not set: production needs a long random secret "
            "(e.g. python -c 'import secrets; print(secrets.token_hex(32))')"
        )
    path = instance_path / "secret_key"
    # Owner-only: the folder holds the database, the signing keys and this secret.
    instance_path.mkdir(mode=0o700, parents=True, exist_ok=True)
    if not path.exists():
        # Write a complete temporary file, then link it into place: link fails if
        # another worker won the race, and nobody ever reads a half-written key.
        tmp = instance_path / f".secret_key.{os.getpid()}.{secrets.token_hex(4)}"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    return path.read_text().strip()
