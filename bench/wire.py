"""A lean HTTP/1.1 client connection for the load generator.

The generator runs on the same two cores as the server it measures, so every
microsecond it spends is taken from the server and the floor alike.
``http.client`` parses each response's headers with the ``email`` package and
wraps the socket in buffered file objects: about three times the CPU of this
connection per request (``python -m bench.wire`` measures both against a
local echo server). What goes over the wire is the same: a request line,
the headers the caller gives plus ``Host``-less extras it does not need
(``Content-Length`` for a body), the body; the response is read by its
``Content-Length`` (or chunked encoding, or to the close), keep-alive kept.
"""
from __future__ import annotations

import socket

_MAX_HEAD = 64 * 1024


class Disconnected(ConnectionError):
    """The server closed the connection before it answered (an idle keep-alive timed out)."""


class Connection:
    """One kept-alive TCP connection; ``request`` sends one request and reads its response."""

    def __init__(self, host: str, port: int, timeout: float):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buffer = b""
        self.closed = False

    def close(self) -> None:
        self.closed = True
        self.buffer = b""
        self.sock.close()

    def request(self, method: str, path: str, body: bytes | None,
                headers: dict[str, str]) -> tuple[int, bytes, list[tuple[str, str]]]:
        """Send one request; returns (status, body, [(header, value)...])."""
        lines = [f"{method} {path} HTTP/1.1"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        if body is not None or method in ("POST", "PUT"):
            lines.append(f"Content-Length: {len(body or b'')}")
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + (body or b""))
        head = self._read_head()
        status_line, *header_lines = head.split("\r\n")
        status = int(status_line.split(" ", 2)[1])
        response_headers = []
        length, chunked, close = None, False, False
        for line in header_lines:
            name, _, value = line.partition(":")
            value = value.strip()
            response_headers.append((name, value))
            lowered = name.lower()
            if lowered == "content-length":
                length = int(value)
            elif lowered == "transfer-encoding" and "chunked" in value.lower():
                chunked = True
            elif lowered == "connection" and value.lower() == "close":
                close = True
        if method == "HEAD" or status in (204, 304) or 100 <= status < 200:
            data = b""
        elif chunked:
            data = self._read_chunked()
        elif length is not None:
            data = self._read_exactly(length)
        else:
            data = self._read_to_close()
            close = True
        if close:
            self.close()
        return status, data, response_headers

    def _fill(self) -> None:
        chunk = self.sock.recv(65536)
        if not chunk:
            raise Disconnected("the server closed the connection")
        self.buffer += chunk

    def _read_head(self) -> str:
        while True:
            end = self.buffer.find(b"\r\n\r\n")
            if end >= 0:
                head, self.buffer = self.buffer[:end], self.buffer[end + 4:]
                return head.decode("latin-1")
            if len(self.buffer) > _MAX_HEAD:
                raise ConnectionError("response head too long")
            self._fill()

    def _read_exactly(self, n: int) -> bytes:
        while len(self.buffer) < n:
            self._fill()
        data, self.buffer = self.buffer[:n], self.buffer[n:]
        return data

    def _read_line(self) -> bytes:
        while (end := self.buffer.find(b"\r\n")) < 0:
            self._fill()
        line, self.buffer = self.buffer[:end], self.buffer[end + 2:]
        return line

    def _read_chunked(self) -> bytes:
        parts = []
        while True:
            size = int(self._read_line().split(b";", 1)[0], 16)
            if size == 0:
                while self._read_line():  # trailers up to the empty line
                    pass
                return b"".join(parts)
            parts.append(self._read_exactly(size))
            self._read_line()

    def _read_to_close(self) -> bytes:
        try:
            while True:
                self._fill()
        except Disconnected:
            data, self.buffer = self.buffer, b""
            return data


def _compare(requests: int = 5000) -> None:
    """Client CPU per request of this connection and of ``http.client`` against a local server."""
    import http.client
    import threading
    import time
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self):
            self.rfile.read(int(self.headers["Content-Length"]))
            reply = b'{"ok": true, "seq": 1}'
            # One write: a head and a body in two small segments would meet Nagle's delay.
            self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                             + str(len(reply)).encode() + b"\r\n\r\n" + reply)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    body = b'{"seq": 1, "kind": "answer", "payload": {"slot": 1, "selected": ["a"]}}'
    headers = {"Host": f"127.0.0.1:{port}", "Cookie": "session=x", "Content-Type": "application/json"}

    def lean():
        conn = Connection("127.0.0.1", port, 10)
        for _ in range(requests):
            conn.request("POST", "/save", body, headers)

    def stdlib():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        for _ in range(requests):
            conn.request("POST", "/save", body=body, headers=headers)
            conn.getresponse().read()

    for name, run in (("http.client", stdlib), ("bench.wire", lean)):
        # The server thread shares this process: measure this thread's own CPU.
        t0 = time.thread_time()
        run()
        print(f"{name:12s} {1e6 * (time.thread_time() - t0) / requests:6.1f} us of client CPU per request")
    server.shutdown()


if __name__ == "__main__":
    _compare()
