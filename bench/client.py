"""The load generator's browser: one keep-alive HTTP connection, cookies, CSRF.

Follows the real kiosk protocol (kiosk/static/kiosk.js): the pages post forms
with the CSRF token of the page, the JSON API sends it in ``X-CSRFToken``,
redirects are followed like a browser does (303 -> GET), the connection is
kept alive between requests and reopened once if the server closed it. The
connection is ``bench.wire``'s lean HTTP/1.1 client: the generator shares the
cores with the server it measures, so it should take as little as it can.
"""
from __future__ import annotations

import json
import re
import time
import urllib.parse

from bench import wire

CSRF_RE = re.compile(r'name="csrf[-_]token" (?:content|value)="([^"]+)"')
STATE_RE = re.compile(rb'<script type="application/json" id="exam-state">(.*?)</script>', re.S)


def page_state(page: bytes) -> dict | None:
    """The exam's full state the exam page carries (kiosk.js starts from it), or None."""
    match = STATE_RE.search(page)
    return json.loads(match.group(1)) if match else None


class Browser:
    """One browser: a keep-alive connection, its cookie jar and CSRF token."""

    def __init__(self, host: str, port: int, cookies: dict[str, str] | None = None, timeout: float = 120):
        self.host, self.port, self.timeout = host, port, timeout
        self.cookies = dict(cookies or {})
        self.csrf = ""
        self.conn: wire.Connection | None = None

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def _send(self, method: str, path: str, body: bytes | None, headers: dict) -> tuple[int, bytes, list]:
        for retry in (False, True):
            if self.conn is None:
                self.conn = wire.Connection(self.host, self.port, self.timeout)
            try:
                status, data, response_headers = self.conn.request(method, path, body, headers)
                if self.conn.closed:
                    self.conn = None  # the server said "Connection: close"
                return status, data, response_headers
            except (wire.Disconnected, ConnectionResetError, BrokenPipeError):
                # The server closed an idle keep-alive connection: a browser reopens it.
                self.close()
                if retry:
                    raise
        raise AssertionError("unreachable")

    def request(self, method: str, path: str, body: bytes | None = None, content_type: str | None = None,
                follow: bool = True) -> tuple[int, bytes]:
        headers = {"Host": f"{self.host}:{self.port}"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if content_type:
            headers["Content-Type"] = content_type
        if method != "GET" and self.csrf:
            headers["X-CSRFToken"] = self.csrf
        status, data, response_headers = self._send(method, path, body, headers)
        for name, value in response_headers:
            if name.lower() == "set-cookie":
                pair = value.split(";", 1)[0]
                key, _, val = pair.partition("=")
                if val and "max-age=0" not in value.lower() and "expires=thu, 01 jan 1970" not in value.lower():
                    self.cookies[key.strip()] = val.strip()
                else:
                    self.cookies.pop(key.strip(), None)
        if follow and status in (301, 302, 303):
            location = dict((k.lower(), v) for k, v in response_headers)["location"]
            return self.request("GET", urllib.parse.urlsplit(location).path or "/", follow=True)
        if data[:200].lstrip().lower().startswith((b"<!doctype", b"<html")):
            match = CSRF_RE.search(data.decode("utf-8", "replace"))
            if match:
                self.csrf = match.group(1)
        return status, data

    def get(self, path: str) -> tuple[int, bytes]:
        return self.request("GET", path)

    def post_form(self, path: str, **fields) -> tuple[int, bytes]:
        body = urllib.parse.urlencode(dict(fields, csrf_token=self.csrf)).encode()
        return self.request("POST", path, body, "application/x-www-form-urlencoded")

    def post_json(self, path: str, payload: dict) -> tuple[int, dict]:
        status, data = self.request("POST", path, json.dumps(payload).encode(), "application/json", follow=False)
        try:
            return status, json.loads(data)
        except ValueError:
            return status, {"error": "not_json", "body": data[:200].decode("utf-8", "replace")}

    def get_json(self, path: str) -> tuple[int, dict]:
        status, data = self.request("GET", path, follow=False)
        try:
            return status, json.loads(data)
        except ValueError:
            return status, {"error": "not_json", "body": data[:200].decode("utf-8", "replace")}


class Kiosk:
    """One kiosk terminal running one candidate's exam through the real pages and API."""

    def __init__(self, host: str, port: int, secret: str, code: str):
        self.browser = Browser(host, port, {"exam_terminal": secret})
        self.code = code
        self.questions: list[dict] = []
        self.next_seq = 1
        self.n = 0

    def open(self) -> None:
        """The kiosk's start screen (before the storm: the terminal is already on)."""
        status, _ = self.browser.get("/kiosk/")
        if status != 200:
            raise RuntimeError(f"/kiosk/: {status}")

    def start(self, language: str = "ru") -> None:
        """Type the code, confirm name and language, read the instructions, open the exam:
        as kiosk.js does, question 1 is drawn from the state the exam page carries."""
        b = self.browser
        for path, fields in (("/kiosk/code", {"code": self.code}), ("/kiosk/confirm", {"language": language}),
                             ("/kiosk/instructions", {})):
            status, data = b.post_form(path, **fields)
            if status != 200:
                text = data.decode("utf-8", "replace")
                raise RuntimeError(f"{path}: {status} {text[max(0, text.find('<main')):][:300]}")
        state = page_state(data)  # the exam page the start was sent to
        if state is None:  # a page without it: kiosk.js asks the state endpoint
            status, state = b.get_json("/kiosk/api/state?full=1")
            if status != 200:
                raise RuntimeError(f"state: {status} {str(state)[:120]}")
        if not state.get("questions"):
            raise RuntimeError(f"state: {str(state)[:120]}")
        self.questions = state["questions"]
        self.next_seq = state["next_seq"]

    def save(self) -> tuple[int, float]:
        """Send the next answer; returns (status, seconds). A 409 with ``expected`` renumbers, as kiosk.js does."""
        q = self.questions[self.n % len(self.questions)]
        options = [o["id"] for o in q["options"]]
        self.n += 1
        body = {"seq": self.next_seq, "kind": "answer", "client_time": time.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "payload": {"slot": q["slot"], "selected": [options[self.n % len(options)]], "input": "click"}}
        t0 = time.perf_counter()
        status, reply = self.browser.post_json("/kiosk/api/events", body)
        took = time.perf_counter() - t0
        if status == 200:
            self.next_seq += 1
        elif isinstance(reply.get("expected"), int):
            self.next_seq = reply["expected"]
        return status, took

    def poll(self) -> int:
        return self.browser.get_json("/kiosk/api/state")[0]

    def finish(self) -> int:
        status, _ = self.browser.post_json("/kiosk/api/finish", {"confirm": True})
        return status


class FloorKiosk(Kiosk):
    """A terminal of the floor app: only answer saves, same body as the kiosk's."""

    def __init__(self, host: str, port: int, n: int):
        super().__init__(host, port, f"floor-{n}", "")
        self.questions = [{"slot": s, "options": [{"id": o} for o in "abcd"]} for s in range(1, 61)]

    def save(self) -> tuple[int, float]:
        q = self.questions[self.n % 60]
        self.n += 1
        body = {"seq": self.next_seq, "kind": "answer", "client_time": time.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "payload": {"slot": q["slot"], "selected": ["abcd"[self.n % 4]], "input": "click"}}
        t0 = time.perf_counter()
        status, reply = self.browser.post_json("/save", body)
        took = time.perf_counter() - t0
        if status == 200:
            self.next_seq += 1
        elif isinstance(reply.get("expected"), int):
            self.next_seq = reply["expected"]
        return status, took
