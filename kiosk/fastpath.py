"""The kiosk's two hot requests, served without the framework in their plain case.

A hall sends an answer save (``POST /kiosk/api/events``) per click and a
heartbeat (``GET /kiosk/api/state``) every few seconds per terminal. For the
plain case of each (a well-formed request from an enrolled terminal with a
running attempt, the next sequence number, before the deadline) this WSGI
layer does the same work as the Flask views with far less around it: no
request context, routing, session object, translations or ORM objects; the
checks the framework would make are made here by the same rules:

* the body limit and the JSON guards of ``core/input_guard`` (size, depth,
  NUL and lone surrogates);
* CSRF as Flask-WTF checks it (the session's token against the
  ``X-CSRFToken`` header, the same signed serializers, the same-origin
  Referer check over HTTPS);
* the event's checks against the frozen form (``exam/saving.prepare``), and
  the write as a compare-and-set (``exam/saving.write_on``): on SQLite inside
  a group commit (``exam/group_commit``), on PostgreSQL as one statement in
  autocommit, its own transaction (the server already shares one WAL flush
  among concurrent commits; in-process, 8 threads saved 1,072-1,322/s so
  against 407-481/s through the group commit, whose batch runs its
  statements one after another on one connection). Either way the ack is
  sent only after the commit that holds the event returned (invariant 2).

The reads and the PostgreSQL write run on the driver's cursor
(``exam/driver_sql``: the same statements, compiled once, without the
Core's per-call machinery; a PostgreSQL save went from 1.12 to 0.72 ms of
CPU in-process, a heartbeat from 0.48 to 0.24 ms).

Anything else (no or a bad cookie, CSRF or JSON refused, a resend, a gap, a
paused, late or finished attempt, a row that moved, a database error) falls
through to the Flask app untouched (the body is handed on), which answers it
with its full rules and messages. So this layer can only make a request
cheaper, never answer it differently. ``EXAM_KIOSK_FAST_PATH=false`` turns it
off (every request then goes through Flask).
"""
from __future__ import annotations

import hmac
import io
import logging
import json
import re
import time
import uuid
from typing import Any, Callable, Iterable
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import Flask
from itsdangerous import BadData, URLSafeTimedSerializer
from werkzeug.http import parse_cookie

from examserver import SECURITY_HEADERS, clock
from examserver.core import input_guard, metrics
from examserver.db import db
from examserver.exam import attempts, driver_sql, group_commit, liveness, saving
from examserver.ops.monitoring import SAVE_ENDPOINT

from .api import timing_of
from .context import COOKIE

SAVE_PATH = "/kiosk/api/events"
STATE_PATH = "/kiosk/api/state"
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")

_log = logging.getLogger("examserver.kiosk")
Reply = tuple[dict[str, Any], str]  # the JSON body and the metrics endpoint name


class KioskFastPath:
    """WSGI middleware in front of the Flask app (see the module docstring)."""

    def __init__(self, app: Flask, wsgi_app: Callable):
        self.app = app
        self.wsgi_app = wsgi_app
        config = app.config
        self.limit = config["MAX_JSON_BYTES"]
        self.csrf_enabled = config.get("WTF_CSRF_ENABLED", True)
        self.csrf_field = config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
        self.csrf_headers = ["HTTP_" + h.upper().replace("-", "_")
                             for h in config.get("WTF_CSRF_HEADERS", ["X-CSRFToken", "X-CSRF-Token"])]
        self.csrf_strict = config.get("WTF_CSRF_SSL_STRICT", True)
        self.csrf_limit = config.get("WTF_CSRF_TIME_LIMIT")
        self.session_cookie = config["SESSION_COOKIE_NAME"]
        self.secure_headers = config["SESSION_COOKIE_SECURE"]
        self._session_serializer = None
        self._csrf_serializer = None
        # Saves this layer answered itself (committed and acknowledged), for /metrics-less tests.
        self.saves = 0
        # As examserver/__init__.py sends them, and no-store as on every kiosk page.
        self._headers = list(SECURITY_HEADERS) + [("Cache-Control", "no-store")]

    # -- WSGI -----------------------------------------------------------------
    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        path, method = environ.get("PATH_INFO", ""), environ.get("REQUEST_METHOD", "")
        started = time.perf_counter()
        reply = None
        try:
            if path == SAVE_PATH and method == "POST":
                reply = self._save(environ)
            elif path == STATE_PATH and method == "GET" and not environ.get("QUERY_STRING"):
                reply = self._heartbeat(environ)
        except sa.exc.SQLAlchemyError:  # an outage: the framework answers it (503) with its rules
            reply = None
        except Exception:  # noqa: BLE001 - a bug here must never cost an answer: the framework serves it
            _log.warning("kiosk fast path: %s %s handed to the framework after an error", method, path,
                         exc_info=True)
            reply = None
        if reply is None:
            return self.wsgi_app(environ, start_response)
        body, endpoint = reply
        data = json.dumps(body, separators=(",", ":")).encode()
        incoming = environ.get("HTTP_X_REQUEST_ID", "")
        headers = [("Content-Type", "application/json"), ("Content-Length", str(len(data))),
                   ("X-Request-Id", incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex)]
        headers.extend(self._headers)
        if self.secure_headers and environ.get("wsgi.url_scheme") == "https":
            headers.append(("Strict-Transport-Security", "max-age=31536000"))
        start_response("200 OK", headers)
        metrics.REQUEST_SECONDS.labels(endpoint, method, "2xx").observe(time.perf_counter() - started)
        if endpoint == SAVE_ENDPOINT:
            metrics.ANSWER_SAVES.inc()
        return [data]

    # -- the two requests -------------------------------------------------------
    def _save(self, environ: dict) -> Reply | None:
        raw = self._body(environ)
        if raw is None:
            return None
        cookies = parse_cookie(environ.get("HTTP_COOKIE", ""))
        secret = cookies.get(COOKIE)
        if not secret or not self._csrf_ok(environ, cookies):
            return None
        if input_guard.json_problem(raw):
            return None
        body = json.loads(raw.decode("utf-8"))
        if not isinstance(body, dict) or input_guard.bad_string(body):
            return None
        with self.app.app_context():
            engine = db.hot_engine
            # PostgreSQL: the save is one statement (exam/saving), so in autocommit it is
            # its own durable transaction, acknowledged after it returned; the server
            # groups the WAL flushes of concurrent commits itself. SQLite: the group commit.
            own_commit = engine.dialect.name == "postgresql"
            with driver_sql.connection(engine) as reader:
                # What this worker's last save for the terminal left (its write checks it),
                # else a read that never waits for writers; no shared snapshot needed
                # (exam/saving: the form is frozen, the journal read stops at the head).
                event = (body.get("seq"), body.get("kind"), body.get("payload"), body.get("client_time", ""))
                seen = saving.remembered(secret, reader)
                prepared = None if seen is None else saving.prepare(seen, *event)
                if prepared is None:  # nothing kept, or the kiosk saved elsewhere meanwhile: read
                    saving.forget(secret)
                    seen = saving.snapshot(secret, reader)
                    prepared = None if seen is None else saving.prepare(seen, *event)
                if prepared is None:
                    return None
                timing = timing_of(seen, prepared.server_time, self.app.config)
                if own_commit:
                    written = saving.write_on(reader, prepared)
        if not own_commit:
            committer = group_commit.committer_for(engine)
            written = committer.run(lambda conn: saving.write_on(conn, prepared), key=prepared.attempt_id)
        if not written:
            saving.forget(secret)
            return None  # the attempt moved meanwhile (or was not as remembered): the locked path decides
        if own_commit:
            metrics.GROUP_COMMIT_JOBS.observe(1)
        saving.remember(seen, prepared)
        timing.update(next_seq=prepared.seq + 1, ack=prepared.ack(), answered=prepared.answered)
        self.saves += 1
        return timing, SAVE_ENDPOINT

    def _heartbeat(self, environ: dict) -> Reply | None:
        secret = parse_cookie(environ.get("HTTP_COOKIE", "")).get(COOKIE)
        if not secret:
            return None
        with self.app.app_context():
            engine = db.hot_engine
            with driver_sql.connection(engine) as reader:  # one statement: no BEGIN
                seen = saving.snapshot(secret, reader)
                now = clock.now()
                if seen is None or attempts.deadline_passed(seen, now):
                    return None
                timing = timing_of(seen, now, self.app.config)
        liveness.book_for(engine).note(seen.id, now)  # no write of its own (exam/liveness)
        return timing, "kiosk.state"

    # -- helpers -------------------------------------------------------------------
    def _body(self, environ: dict) -> bytes | None:
        if environ.get("CONTENT_TYPE", "").split(";", 1)[0].strip().lower() != "application/json":
            return None
        try:
            length = int(environ.get("CONTENT_LENGTH") or -1)
        except ValueError:
            return None
        if not 0 < length <= self.limit:
            return None
        raw = environ["wsgi.input"].read(length)
        # Whatever happens next, the framework can read the same body again.
        environ["wsgi.input"] = io.BytesIO(raw)
        return raw if len(raw) == length else None

    def _csrf_ok(self, environ: dict, cookies) -> bool:
        """Flask-WTF's check (``CSRFProtect.protect``) by the same rules and keys."""
        if not self.csrf_enabled:
            return True
        token = next((environ[h] for h in self.csrf_headers if environ.get(h)), None)
        stored = cookies.get(self.session_cookie)
        if not token or not stored:
            return False
        if self._session_serializer is None:
            self._session_serializer = self.app.session_interface.get_signing_serializer(self.app)
            self._csrf_serializer = URLSafeTimedSerializer(
                self.app.config.get("WTF_CSRF_SECRET_KEY") or self.app.secret_key, salt="wtf-csrf-token")
        try:
            session = self._session_serializer.loads(
                stored, max_age=int(self.app.permanent_session_lifetime.total_seconds()))
            expected = session.get(self.csrf_field) if isinstance(session, dict) else None
            given = self._csrf_serializer.loads(token, max_age=self.csrf_limit)
        except (BadData, TypeError, ValueError):
            return False
        if not isinstance(expected, str) or not isinstance(given, str) or not hmac.compare_digest(expected, given):
            return False
        if environ.get("wsgi.url_scheme") == "https" and self.csrf_strict:
            referrer = environ.get("HTTP_REFERER")
            host = environ.get("HTTP_HOST", "")
            if not referrer:
                return False
            parts = urlsplit(referrer)
            if (parts.scheme, parts.netloc) != ("https", host):
                return False
        return True


def install(app: Flask) -> None:
    """Put the fast path in front of ``app`` (unless ``KIOSK_FAST_PATH`` is off)."""
    if app.config.get("KIOSK_FAST_PATH", True):
        app.wsgi_app = KioskFastPath(app, app.wsgi_app)
