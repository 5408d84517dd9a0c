"""What an operator watches: ``/metrics`` for Prometheus, a request id on
every request and log line, and JSON log lines when ``EXAM_LOG_FORMAT=json``.

``/metrics`` answers only the addresses in ``EXAM_METRICS_ALLOW`` (default:
this machine), because a proxy in front of the instances must not expose it;
Prometheus scrapes each instance directly (docs/operations.md).
"""
from __future__ import annotations

import ipaddress
import json
import logging
import os
import re
import time
import uuid
from datetime import datetime, timedelta, timezone

import sqlalchemy as sa
from flask import Blueprint, Flask, Response, abort, current_app, g, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily

from examserver.core import metrics

bp = Blueprint("monitoring", __name__)
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
SAVE_ENDPOINT = "kiosk.events"


def init_app(app: Flask) -> None:
    """Request ids, latency observation and the log format for ``app``."""
    configure_logging(app.config.get("LOG_FORMAT", "text"))
    app.register_blueprint(bp)

    @app.before_request
    def _start():
        incoming = request.headers.get("X-Request-Id", "")
        g.request_id = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex
        g.request_started = time.perf_counter()

    @app.after_request
    def _observe(response):
        response.headers["X-Request-Id"] = g.get("request_id", "")
        started = g.get("request_started")
        if started is not None:
            endpoint = request.endpoint or "unknown"
            metrics.REQUEST_SECONDS.labels(endpoint, request.method, f"{response.status_code // 100}xx").observe(
                time.perf_counter() - started)
            if endpoint == SAVE_ENDPOINT and response.status_code == 200:
                metrics.ANSWER_SAVES.inc()
        return response


class _RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            record.request_id = g.get("request_id", "-")
        except RuntimeError:  # outside a request
            record.request_id = "-"
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, request id, message."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {"time": datetime.fromtimestamp(record.created, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
                 "level": record.levelname, "logger": record.name,
                 "request_id": getattr(record, "request_id", "-"), "message": record.getMessage()}
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(log_format: str) -> None:
    """The ``examserver`` loggers write to stderr, in text or JSON, with the request id."""
    logger = logging.getLogger("examserver")
    if any(getattr(h, "_examserver", False) for h in logger.handlers):
        return
    handler = logging.StreamHandler()
    handler._examserver = True  # type: ignore[attr-defined]
    handler.addFilter(_RequestIdFilter())
    handler.setFormatter(JsonFormatter() if log_format == "json" else
                         logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"))
    logger.addHandler(handler)
    if logger.level == logging.NOTSET:
        logger.setLevel(logging.INFO)


def _allowed(address: str | None, allow: str) -> bool:
    try:
        client = ipaddress.ip_address(address or "")
    except ValueError:
        return False
    for entry in (part.strip() for part in allow.split(",")):
        try:
            if entry and client in ipaddress.ip_network(entry, strict=False):
                return True
        except ValueError:
            continue
    return False


class DatabaseCollector:
    """Figures read from the database at scrape time, the same whichever
    worker or instance is scraped."""

    def collect(self):
        from examserver.db import db

        up = GaugeMetricFamily("examserver_database_up", "1 when the database answered this scrape.")
        try:
            figures = list(self._figures())
        except sa.exc.SQLAlchemyError:
            db.session.rollback()
            up.add_metric([], 0)
            yield up  # the process figures are still worth scraping while the database is away
            return
        up.add_metric([], 1)
        yield up
        yield from figures

    def _figures(self):
        from examserver import clock
        from examserver.db import db
        from examserver.models import Attempt, AttemptState, RateEvent

        now = clock.now()
        grace = timedelta(seconds=current_app.config.get("ANSWER_GRACE_SECONDS", 5))
        by_state = dict(db.session.execute(sa.select(Attempt.state, sa.func.count(Attempt.id))
                                           .where(Attempt.state != AttemptState.FINISHED)
                                           .group_by(Attempt.state)).all())
        active = GaugeMetricFamily("examserver_active_attempts", "Attempts not finished, by state.",
                                   labels=["state"])
        for state in AttemptState:
            if state != AttemptState.FINISHED:
                active.add_metric([state.value], by_state.get(state, 0))
        yield active
        oldest = db.session.scalar(sa.select(sa.func.min(Attempt.deadline_at)).where(
            Attempt.state == AttemptState.IN_PROGRESS, Attempt.deadline_at < now - grace))
        lag = GaugeMetricFamily("examserver_sweep_lag_seconds",
                                "How long the most overdue running attempt is past its deadline and grace "
                                "(0 when the sweep is keeping up).")
        lag.add_metric([], max(0.0, (now - grace - oldest).total_seconds()) if oldest else 0.0)
        yield lag
        window = now - timedelta(seconds=current_app.config.get("CODE_LOCKOUT_WINDOW_SECONDS", 300))
        failures = db.session.scalar(sa.select(sa.func.count(RateEvent.id)).where(
            RateEvent.scope == "code-terminal", RateEvent.at >= window))
        code = GaugeMetricFamily("examserver_code_login_failures_recent",
                                 "Wrong access codes typed at terminals within the lockout window.")
        code.add_metric([], failures or 0)
        yield code


@bp.get("/metrics")
def metrics_endpoint():
    if not _allowed(request.remote_addr, current_app.config.get("METRICS_ALLOW", "127.0.0.1/32,::1/128")):
        abort(404)
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.MultiProcessCollector(registry)
    else:
        from prometheus_client import REGISTRY

        registry = REGISTRY
    body = generate_latest(registry)
    from examserver.db import db

    db_registry = CollectorRegistry()
    db_registry.register(DatabaseCollector())
    body += generate_latest(db_registry)
    db.session.rollback()
    return Response(body, content_type=CONTENT_TYPE_LATEST)
