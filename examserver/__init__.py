"""examserver: the service core of the computer-based testing server.

``create_app`` builds the Flask application; it never touches the database
(the schema is created by ``examserver db upgrade``).
"""
from __future__ import annotations

import importlib
import logging
import os
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask, g, request

from examserver.clock import SystemClock
from examserver.config import ConfigError, load_config, resolve_secret_key
from examserver.core import input_guard
from examserver.db import db, default_sqlite_url
from examserver.extensions import babel, csrf, login_manager
from examserver.i18n import LANGUAGE_NAMES, LANGUAGES, select_locale

# Feature packages that provide a Flask blueprint ``bp``. They are imported by
# name here so that examserver never imports them statically (design layers).
BLUEPRINT_PACKAGES = ("kiosk", "admin")

__all__ = ["create_app", "ConfigError", "SECURITY_HEADERS"]

_ROOT = Path(__file__).resolve().parent.parent


def create_app(config_overrides: dict[str, Any] | None = None) -> Flask:
    """Create the application from defaults, ``EXAM_*`` variables and overrides."""
    config = load_config(overrides=config_overrides)
    instance_path = Path(config.get("INSTANCE_PATH") or os.path.join(os.getcwd(), "instance")).resolve()
    # Owner-only, and there before anything needs it (the SQLite file, keys, metrics),
    # also when the secret comes from the environment.
    instance_path.mkdir(mode=0o700, parents=True, exist_ok=True)
    app = Flask(__name__, instance_path=str(instance_path), instance_relative_config=False)
    app.config.update(config)
    app.config["INSTANCE_PATH"] = str(instance_path)
    app.config["SECRET_KEY"] = resolve_secret_key(config, instance_path)
    if not app.config.get("DATABASE_URL"):
        app.config["DATABASE_URL"] = default_sqlite_url(str(instance_path))
    if not app.config.get("SIGNING_KEY_DIR"):
        app.config["SIGNING_KEY_DIR"] = str(instance_path / "keys")
    app.config.setdefault("CLOCK", SystemClock())
    app.config["TESTING"] = config["MODE"] == "testing" or bool(config.get("TESTING"))
    app.config["MAX_CONTENT_LENGTH"] = max(app.config["MAX_JSON_BYTES"], 8 * 1024 * 1024)
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=config["SESSION_COOKIE_SECURE"],
        # The login itself lives on the server (examserver.core.login_sessions);
        # no cookie outlives the longest login.
        PERMANENT_SESSION_LIFETIME=timedelta(hours=config["SESSION_LIFETIME_HOURS"]),
        REMEMBER_COOKIE_DURATION=timedelta(hours=config["SESSION_LIFETIME_HOURS"]),
        REMEMBER_COOKIE_SECURE=config["SESSION_COOKIE_SECURE"],
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        # Each package keeps its own catalogue; Flask-Babel merges them.
        BABEL_TRANSLATION_DIRECTORIES=";".join(translation_directories()),
        BABEL_DEFAULT_LOCALE=config["DEFAULT_LOCALE"],
        BABEL_DEFAULT_TIMEZONE=config["TIMEZONE"],
        WTF_CSRF_TIME_LIMIT=None,
    )

    if config["MODE"] == "production" and not config["SESSION_COOKIE_SECURE"]:
        logging.getLogger("examserver").warning(
            "EXAM_SESSION_COOKIE_SECURE is off: console and terminal cookies travel over plain HTTP; "
            "anyone on the network can take over a logged-in console (see docs/security.md)")

    # Before the blueprints: the bounded int converter applies to rules as they are added.
    input_guard.install(app)
    db.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    login_manager.init_app(app)
    csrf.init_app(app)

    _install_request_hooks(app)
    _register_cli(app)
    for name in BLUEPRINT_PACKAGES:
        module = importlib.import_module(name)
        app.register_blueprint(module.bp)
        init = getattr(module, "init_app", None)
        if init is not None:
            init(app)
    from examserver.ops import monitoring  # /metrics, request ids, log format
    from examserver.ops.health import bp as health_bp  # /healthz, /readyz

    app.register_blueprint(health_bp)
    monitoring.init_app(app)
    if app.config["PROXY_COUNT"]:
        # Behind nginx: the client's address (rate limits, audit), scheme (Secure
        # cookies, the CSRF referrer check) and host come from the proxy's headers,
        # trusted for exactly this many proxies and no more.
        from werkzeug.middleware.proxy_fix import ProxyFix

        n = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)

    @app.context_processor
    def _globals():
        from flask_babel import get_locale

        return {"LANGUAGES": LANGUAGES, "LANGUAGE_NAMES": LANGUAGE_NAMES, "current_locale": str(get_locale())}

    return app


def translation_directories() -> list[str]:
    """Every catalogue folder: ``<package>/translations/<feature>/<lang>/LC_MESSAGES``.

    Each feature keeps its own catalogue so features can be translated
    independently; Flask-Babel merges them.
    """
    found = set()
    for pkg in ("examserver",) + BLUEPRINT_PACKAGES:
        for messages in (_ROOT / pkg / "translations").glob("*/*/LC_MESSAGES"):
            found.add(str(messages.parent.parent))
    return sorted(found)


# On every response (the kiosk fast path sends them too: kiosk/fastpath.py).
SECURITY_HEADERS = (
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "same-origin"),  # CSRF over HTTPS checks the Referer
    ("Content-Security-Policy",
     "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
     "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"),
)


def _install_request_hooks(app: Flask) -> None:
    @app.after_request
    def _commit_and_secure(response):
        # One commit per request (design: services flush, the request commits).
        # Refusals roll back (a 4xx answer, or a ServiceError caught by a view
        # that redirects) unless the view asked to keep what it logged.
        session = g.get("db_session")
        if session is not None:
            try:
                if (response.status_code < 400 and not g.get("refused")) or g.get("commit_on_error"):
                    session.commit()
                else:
                    session.rollback()
            except input_guard.COMMIT_ERRORS as exc:
                # The commit did not happen (outage, full disk, a refused value):
                # never acknowledge it, answer 503/400 instead of a 500.
                response = app.make_response(input_guard.commit_failed(exc))
        if app.config["SESSION_COOKIE_SECURE"] and request.is_secure:
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        for name, value in SECURITY_HEADERS:
            response.headers.setdefault(name, value)
        if request.path.startswith(("/kiosk", "/admin")):
            response.headers.setdefault("Cache-Control", "no-store")
        return response


def _register_cli(app: Flask) -> None:
    from examserver.cli import register_commands

    register_commands(app)
