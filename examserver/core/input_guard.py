"""Hostile input never reaches the database, and never gets a 5xx (invariant 13).

Mechanisms, installed once by ``create_app`` (no route has to remember them):

* ``int`` URL converter bounded to the 32-bit range of the models' ids: an id
  beyond it is a 404, like any id that does not exist;
* a ``before_request`` guard refusing a NUL character in the path, a query or
  form value or name (PostgreSQL refuses NUL in text), and a JSON body that is
  too large, nested too deeply (the parser would recurse) or carries NUL or a
  lone surrogate in any string (400/413 with a message);
* error handlers: a value the database still refuses (``DataError``, an
  ``OverflowError`` from SQLite) is a 400; a database outage or a full disk is
  a 503 with ``Retry-After``; every error of ``/kiosk/api/*`` is JSON
  ``{"error", "message"}`` in the terminal's language (docs/kiosk.md);
* :func:`form_int` for views that read an id or a number from a form.
"""
from __future__ import annotations

import io
import json
import logging

import sqlalchemy as sa
from flask import Flask, current_app, g, jsonify, render_template, request
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException
from werkzeug.routing import IntegerConverter

from examserver.core.errors import ServiceError

log = logging.getLogger(__name__)

# Ids are ``Integer`` columns: 32-bit on PostgreSQL. Bigger numbers are never ours.
INT_MAX = 2**31 - 1
INT_MIN = -(2**31)
MAX_JSON_DEPTH = 20
RETRY_AFTER_SECONDS = 5
KIOSK_API = "/kiosk/api/"
# Database errors that mean "not now" rather than "bad request".
UNAVAILABLE = (sa.exc.OperationalError, sa.exc.InterfaceError, sa.exc.DisconnectionError, sa.exc.TimeoutError)


class BoundedIntConverter(IntegerConverter):
    """``<int:id>`` accepting 0..2**31-1 only: a larger number is a 404, not an overflow."""

    def __init__(self, map, fixed_digits=0, min=None, max=INT_MAX, signed=False):  # noqa: A002 (werkzeug's names)
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


class BadInput(ServiceError):
    """A request refused before any view ran (NUL, nesting, size)."""


def form_int(name: str, *, low: int = INT_MIN, high: int = INT_MAX, source=None) -> int | None:
    """The integer in form (or ``source``) field ``name``; None when absent or empty.

    Not a whole number, or outside ``low..high`` (by default the 32-bit range
    of the database), is a 400 naming the field, instead of an overflow deep
    in the database driver.
    """
    raw = (request.form if source is None else source).get(name)
    if raw is None or not raw.strip():
        return None
    text = raw.strip()
    if len(text) > 12 or not text.lstrip("-").isascii() or not text.lstrip("-").isdigit():
        raise BadInput(_("The field %(field)s must be a whole number.", field=name), "bad_number", field=name)
    value = int(text)
    if not low <= value <= high:
        raise BadInput(_("The field %(field)s is out of range (%(low)s to %(high)s).", field=name, low=low,
                         high=high), "out_of_range", field=name)
    return value


def json_problem(raw: bytes) -> str | None:
    """Why a JSON body must be refused before parsing, or None."""
    depth = deepest = 0
    in_string = escaped = False
    for byte in raw:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):  # [ {
            depth += 1
            deepest = max(deepest, depth)
            if deepest > MAX_JSON_DEPTH:
                return "depth"
        elif byte in (0x5D, 0x7D):
            depth -= 1
    return None


def bad_string(value) -> bool:
    """A string holding NUL or a lone surrogate, anywhere in a parsed JSON value."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return True
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def _nul_field(items) -> str | None:
    for key, value in items:
        if "\x00" in key or "\x00" in value:
            return key.replace("\x00", "?")[:64]
    return None


def guard():
    """The ``before_request`` guard: None to go on, or the refusal to send.

    It answers directly (no exception) so that a blueprint's own error
    handlers cannot turn the refusal into something else.
    """
    try:
        _check_request()
    except BadInput as exc:
        return error_response(exc.code, exc.message, exc.status, **exc.details)
    return None


def _check_request() -> None:
    if "\x00" in request.path:
        raise BadInput(_("The address contains a forbidden character."), "nul", status=404)
    field = _nul_field(request.args.items(multi=True))
    if field is None and request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        field = _nul_field(request.form.items(multi=True))
        if field is None:
            field = next((f.filename[:64] for _k, f in request.files.items(multi=True) if "\x00" in (f.filename or "")),
                         None)
    if field is not None:
        raise BadInput(_("The field %(field)s contains a forbidden character (NUL).", field=field), "nul",
                       field=field)
    if request.mimetype == "application/json" or request.mimetype.endswith("+json"):
        _check_json_body()


def _check_json_body() -> None:
    limit = current_app.config["MAX_JSON_BYTES"]
    if request.content_length is not None and request.content_length > limit:
        raise BadInput(_("The request is too large."), "too_large", status=413)
    raw = request.stream.read(limit + 1)
    if len(raw) > limit:
        raise BadInput(_("The request is too large."), "too_large", status=413)
    # Give the view the same bytes again, however it reads them (stream or get_data).
    request.stream = io.BytesIO(raw)
    if json_problem(raw):
        raise BadInput(_("The request is nested too deeply."), "too_deep")
    try:
        body = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return  # the view answers malformed JSON with its own message
    if bad_string(body):
        raise BadInput(_("The request contains a forbidden character."), "nul")


def _is_kiosk_api() -> bool:
    return request.path.startswith(KIOSK_API)


def _page(message: str, status: int, headers: dict | None = None):
    return render_template("errors/error.html", message=message, status=status), status, headers or {}


def error_response(code: str, message: str, status: int, **extra):
    """JSON for the kiosk API, a small page for everyone else."""
    headers = {}
    if status == 503:
        headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        extra.setdefault("retry_after", RETRY_AFTER_SECONDS)
    if _is_kiosk_api():
        body = {"error": code, "message": message}
        body.update({k: v for k, v in extra.items() if isinstance(v, (int, str, bool))})
        return jsonify(body), status, headers
    return _page(message, status, headers)


def unavailable_response():
    """The answer to a database outage or a full disk: 503, try again shortly."""
    return error_response("unavailable", _("The server is temporarily unavailable. Your answers are kept; "
                                           "trying again in a few seconds."), 503)


COMMIT_ERRORS = UNAVAILABLE + (sa.exc.DataError, OverflowError)


def commit_failed(exc: Exception):
    """The answer when the request's own commit failed: nothing was stored."""
    log.error("commit failed on %s %s: %s", request.method, request.path, exc)
    _rollback_quietly()
    if isinstance(exc, UNAVAILABLE):
        return unavailable_response()
    return error_response("bad_value", _("A value in the request is not valid (too large or malformed)."), 400)


def _rollback_quietly() -> None:
    session = g.get("db_session")
    if session is not None:
        try:
            session.rollback()
        except Exception:  # noqa: BLE001 - the connection may be gone; the session is dropped anyway
            log.warning("rollback failed after a database error", exc_info=True)
    g.refused = True


def install(app: Flask) -> None:
    """Bound the ``int`` converter and install the guard and the handlers."""
    # Rules take their converter when they are added: this runs before any blueprint registers.
    app.url_map.converters["int"] = BoundedIntConverter
    app.before_request(guard)

    @app.errorhandler(BadInput)
    def _bad_input(exc: BadInput):
        return error_response(exc.code, exc.message, exc.status, **exc.details)

    @app.errorhandler(ServiceError)
    def _refused(exc: ServiceError):
        # Views catch the refusals they expect; one that escapes is still a 4xx with its message.
        return error_response(exc.code, exc.message, exc.status, **exc.details)

    @app.errorhandler(sa.exc.DataError)
    @app.errorhandler(OverflowError)
    def _database_refused(exc):
        log.warning("value refused by the database on %s %s: %s", request.method, request.path, exc)
        _rollback_quietly()
        return error_response("bad_value", _("A value in the request is not valid (too large or malformed)."), 400)

    for error in UNAVAILABLE:
        app.register_error_handler(error, _unavailable)

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        if _is_kiosk_api():
            return error_response(exc.name.lower().replace(" ", "_"), _http_message(exc.code), exc.code or 400)
        if exc.code == 413:
            return _page(_("The request is too large."), 413)
        return exc


def _unavailable(exc):
    log.error("database unavailable on %s %s: %s", request.method, request.path, exc)
    _rollback_quietly()
    if request.path.startswith("/kiosk/") and not _is_kiosk_api():
        raise exc  # the kiosk's own 500 handler shows its self-retrying offline page
    return unavailable_response()


def _http_message(code: int | None) -> str:
    if code == 404:
        return _("Not found.")
    if code == 405:
        return _("This method is not allowed here.")
    if code == 413:
        return _("The request is too large.")
    return _("The request was refused.")
