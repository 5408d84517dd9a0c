"""The kiosk terminal's own plumbing: the language before the candidate
chooses, the pairing throttle, session renewal and cookie restore, the
service worker and the self-retrying offline page."""
from __future__ import annotations

from flask import current_app, g, jsonify, render_template, request, send_from_directory, session
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_wtf.csrf import generate_csrf

from examserver.core import audit, ratelimit
from examserver.exam import terminals
from examserver.i18n import LANGUAGES
from examserver.models import TerminalState

from . import bp
from .context import active_attempt, current_terminal, set_terminal_cookie

TEST_LANGUAGES = ("ky", "ru")
# New terminals (pairing codes) per client address: a cookie-less GET writes a
# terminal row and an audit row, so it is limited (counters in the database).
PAIRING_SCOPE = "kiosk-pairing"
PAIRING_LIMIT = 20
PAIRING_WINDOW_SECONDS = 600


@bp.before_request
def _kiosk_locale():
    """Candidates see only the test languages: the configured default until they
    choose (the lang links or the test language), never the browser's language;
    a running attempt switches to its own language (``use_language``). An
    explicit ``?lang=`` (the links offer ky and ru) is honoured as before."""
    chosen = request.args.get("lang")
    if chosen in LANGUAGES:
        session["lang"] = chosen
    language = session.get("lang")
    g.locale = language if language in LANGUAGES else current_app.config["DEFAULT_LOCALE"]


def pairing_throttled() -> bool:
    """Count a new pairing from this address; True when the address is over its limit."""
    address = request.remote_addr or "unknown"
    limit = current_app.config.get("KIOSK_PAIRING_LIMIT", PAIRING_LIMIT)
    if ratelimit.count(PAIRING_SCOPE, address, PAIRING_WINDOW_SECONDS) >= limit:
        return True
    ratelimit.hit(PAIRING_SCOPE, address)
    return False


@bp.route("/api/session")
def renew_session():
    """A fresh CSRF token for this terminal's browser (by its terminal cookie).

    The kiosk calls it when a request was refused for a reason that resending
    cannot fix by itself (session cookie gone, secret key changed): the reply
    sets a new session cookie; the queued answers are then resent in order.
    """
    terminal = current_terminal()
    if terminal is None or terminal.state != TerminalState.ENROLLED:
        return jsonify({"error": "terminal_not_enrolled", "message": _("This terminal is not enrolled.")}), 403
    attempt = active_attempt()
    if attempt is not None:
        session["kiosk_attempt"] = attempt.id
    return jsonify({"csrf": generate_csrf(), "attempt": attempt.id if attempt else None})


@bp.route("/api/restore", methods=["POST"])
def restore_terminal():
    """Give the terminal cookie back to a browser that lost it.

    Chromium writes new cookies to disk in batches (about every 30 s), so a
    crash soon after pairing loses the cookie. The pairing page therefore keeps
    the secret in IndexedDB with a "strict" (flushed) transaction; a browser
    that comes back without the cookie sends it here and gets its cookie again.
    Only a terminal that is not revoked is restored; the secret is 256 random
    bits, so this cannot be guessed.
    """
    body = request.get_json(silent=True)
    secret = body.get("secret") if isinstance(body, dict) else None
    terminal = terminals.by_secret(secret) if isinstance(secret, str) and len(secret) <= 100 else None
    if terminal is None or terminal.state == TerminalState.REVOKED:
        return jsonify({"error": "unknown_terminal", "message": _("This terminal is not enrolled.")}), 404
    audit.record("terminal.cookie_restored", terminal, actor=audit.Actor.for_terminal(terminal))
    return set_terminal_cookie(jsonify({"state": terminal.state.value}), secret)


@bp.route("/sw.js")
def service_worker():
    """The kiosk's service worker, served under /kiosk/ so that it may control every kiosk page."""
    response = send_from_directory(bp.static_folder, "sw.js", mimetype="text/javascript", max_age=0)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/offline")
def offline():
    """The page the service worker shows when the server cannot be reached; it retries by itself."""
    return render_template("kiosk/offline.html", texts=_offline_texts())


def _offline_texts() -> list[tuple[str, str, str]]:
    """The retry page's title and text in both test languages (nobody has chosen yet, or we cannot know)."""
    texts = []
    for language in TEST_LANGUAGES:
        with force_locale(language):
            texts.append((language, _("Connection to the server lost"),
                          _("Your answers are kept on this terminal. This page tries again by itself every few "
                            "seconds; please wait or call the proctor.")))
    return texts


@bp.errorhandler(500)
def _server_error(exc):
    """A kiosk page that failed on the server retries by itself; the API answers JSON."""
    if request.path.startswith("/kiosk/api/"):
        return jsonify({"error": "server_error", "message": _("The server could not answer. Retrying.")}), 500
    return render_template("kiosk/offline.html", texts=_offline_texts()), 503
