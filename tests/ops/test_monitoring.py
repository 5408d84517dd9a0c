"""``/metrics``, request ids and JSON log lines."""
from __future__ import annotations

import json
import logging

import pytest

from examserver import create_app
from examserver.config import ConfigError


def test_metrics_show_latency_saves_and_database_figures(app):
    client = app.test_client()
    assert client.get("/healthz").status_code == 200
    response = client.get("/metrics", environ_base={"REMOTE_ADDR": "127.0.0.1"})
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert 'examserver_request_seconds_count{endpoint="ops.healthz",method="GET",status="2xx"}' in text
    for name in ("examserver_answer_saves_total", "examserver_protocol_signing_seconds",
                 "examserver_sweep_finished_attempts_total", 'examserver_active_attempts{state="in_progress"}',
                 "examserver_sweep_lag_seconds", "examserver_code_login_failures_recent",
                 "examserver_database_up 1.0"):
        assert name in text, name


def test_metrics_are_not_served_to_other_addresses(app):
    response = app.test_client().get("/metrics", environ_base={"REMOTE_ADDR": "192.0.2.10"})
    assert response.status_code == 404


def test_every_response_carries_a_request_id(app):
    client = app.test_client()
    generated = client.get("/healthz").headers["X-Request-Id"]
    assert len(generated) == 32
    assert client.get("/healthz", headers={"X-Request-Id": "proxy-42"}).headers["X-Request-Id"] == "proxy-42"
    # a hostile id is replaced, never echoed
    assert client.get("/healthz", headers={"X-Request-Id": "<script>"}).headers["X-Request-Id"] != "<script>"


def test_json_log_lines_carry_the_request_id(tmp_path, clock):
    from examserver.ops.monitoring import JsonFormatter

    record = logging.LogRecord("examserver.test", logging.WARNING, __file__, 1, "сессия %s", ("ачык",), None)
    record.request_id = "abc"
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "сессия ачык" and line["request_id"] == "abc" and line["level"] == "WARNING"
    with pytest.raises(ConfigError, match="EXAM_LOG_FORMAT"):
        create_app({"MODE": "testing", "LOG_FORMAT": "xml", "INSTANCE_PATH": str(tmp_path), "CLOCK": clock})
