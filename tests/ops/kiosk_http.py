"""A kiosk over real HTTP(S), as kiosk.js speaks to the server: the terminal
cookie, the CSRF token from the page, the code, language and start forms, then
answer events through the JSON API, each resent with the same sequence number
until it is acknowledged (a resend is idempotent on the server)."""
from __future__ import annotations

import http.cookiejar
import json
import re
import ssl
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field

CSRF_RE = re.compile(r'name="csrf[-_]token" (?:content|value)="([^"]+)"')


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


@dataclass
class HttpKiosk:
    base: str
    secret: str
    cookie_name: str
    context: ssl.SSLContext | None = None
    acknowledged: dict[int, dict] = field(default_factory=dict)
    retries: int = 0

    def __post_init__(self):
        self.jar = http.cookiejar.CookieJar()
        host = urllib.parse.urlparse(self.base).hostname
        self.jar.set_cookie(http.cookiejar.Cookie(
            0, self.cookie_name, self.secret, None, False, host, False, False, "/kiosk", True,
            self.base.startswith("https"), None, False, None, None, {}))
        handlers = [urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect()]
        if self.context is not None:
            handlers.append(urllib.request.HTTPSHandler(context=self.context))
        self.opener = urllib.request.build_opener(*handlers)
        self.csrf = ""
        self.page = self.base + "/kiosk/"

    def request(self, method: str, path: str, data: dict | None = None, json_body: dict | None = None):
        """``(status, body text)``; network errors raise OSError."""
        headers = {"X-CSRFToken": self.csrf} if self.csrf else {}
        if method != "GET":
            headers["Referer"] = self.page  # as a browser does (same-origin policy); CSRF over HTTPS checks it
        body = None
        if json_body is not None:
            body = json.dumps(json_body).encode()
            headers["Content-Type"] = "application/json"
        elif data is not None:
            body = urllib.parse.urlencode(data).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        req = urllib.request.Request(self.base + path, data=body, method=method, headers=headers)
        try:
            with self.opener.open(req, timeout=30) as response:
                return response.status, response.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as exc:
            self.location = exc.headers.get("Location", "")
            return exc.code, exc.read().decode("utf-8", "replace")

    def _page(self, path: str) -> str:
        status, text = self.request("GET", path)
        self.page = self.base + path
        assert status == 200, (path, status, text[:300])
        found = CSRF_RE.search(text)
        if found:
            self.csrf = found.group(1)
        return text

    def start(self, code: str, language: str = "ru") -> dict:
        """Code -> language -> start; returns the full exam state."""
        self._page("/kiosk/")
        status, text = self.request("POST", "/kiosk/code", data={"code": code, "csrf_token": self.csrf})
        assert status in (302, 303) and self.location.endswith("/kiosk/confirm"), (
            status, self.location, self._page("/kiosk/")[-2000:])
        self._page("/kiosk/confirm")
        status, _ = self.request("POST", "/kiosk/confirm", data={"language": language, "csrf_token": self.csrf})
        assert status in (302, 303), status
        self._page("/kiosk/instructions")
        status, _ = self.request("POST", "/kiosk/instructions", data={"csrf_token": self.csrf})
        assert status in (302, 303), status
        self._page("/kiosk/exam")
        status, text = self.request("GET", "/kiosk/api/state?full=1")
        assert status == 200, (status, text[:300])
        return json.loads(text)

    def send(self, seq: int, kind: str, payload: dict, give_up_after: float = 60.0) -> None:
        """Send one event until it is acknowledged (what kiosk.js does with its queue)."""
        deadline = time.monotonic() + give_up_after
        while True:
            try:
                status, text = self.request("POST", "/kiosk/api/events",
                                            json_body={"seq": seq, "kind": kind, "client_time": "t", "payload": payload})
            except OSError:
                status, text = 0, ""
            if status == 200:
                self.acknowledged[seq] = payload
                return
            assert status in (0, 502, 503, 504), (status, text[:300])
            self.retries += 1
            assert time.monotonic() < deadline, f"event {seq} never acknowledged (last status {status})"
            time.sleep(0.2)

    def finish(self) -> dict:
        for _ in range(100):
            try:
                status, text = self.request("POST", "/kiosk/api/finish", json_body={"confirm": True})
            except OSError:
                status, text = 0, ""
            if status == 200:
                return json.loads(text)
            time.sleep(0.2)
        raise AssertionError(f"finish never acknowledged ({status} {text[:200]})")
