"""Behind a reverse proxy (``EXAM_PROXY_COUNT``): the client's address and the
scheme come from the proxy's headers, for exactly that many proxies; without
the setting those headers are ignored (a client cannot forge them)."""
from __future__ import annotations

import pytest

from examserver import create_app
from examserver.config import ConfigError


def _app(tmp_path, clock, **extra):
    return create_app({"MODE": "testing", "INSTANCE_PATH": str(tmp_path), "CLOCK": clock,
                       "DATABASE_URL": f"sqlite:///{tmp_path}/x.sqlite", **extra})


def test_forwarded_headers_count_only_behind_a_configured_proxy(tmp_path, clock):
    forwarded = {"X-Forwarded-For": "192.0.2.44", "X-Forwarded-Proto": "https"}
    direct = _app(tmp_path / "a", clock).test_client()
    # no proxy configured: the header is a client's claim and is ignored (the caller is 127.0.0.1)
    assert direct.get("/metrics", headers=forwarded, environ_base={"REMOTE_ADDR": "127.0.0.1"}).status_code == 200
    proxied = _app(tmp_path / "b", clock, PROXY_COUNT=1).test_client()
    # one proxy: the client is the forwarded address, so the local-only metrics are refused
    assert proxied.get("/metrics", headers=forwarded, environ_base={"REMOTE_ADDR": "127.0.0.1"}).status_code == 404
    assert proxied.get("/metrics", environ_base={"REMOTE_ADDR": "127.0.0.1"}).status_code == 200


def test_proxy_count_is_bounded(tmp_path, clock):
    with pytest.raises(ConfigError, match="EXAM_PROXY_COUNT"):
        _app(tmp_path, clock, PROXY_COUNT=-1)
