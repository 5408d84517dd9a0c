"""The floor: the least a server can do for one durable, hash-chained answer save.

A minimal Flask app under the same gunicorn settings as the real server. One
POST ``/save`` per answer, with the kiosk's body ``{seq, kind, payload,
client_time}`` and a terminal cookie: look up the attempt by the cookie's
hash, check the sequence number, chain the event exactly as the journal does
(``sha256(prev_hash || canonical(event))``), insert it, move the attempt's
head, commit durably (SQLite WAL ``synchronous=FULL``, writers queued on a
``flock``; PostgreSQL ``synchronous_commit=on``), and only then acknowledge.
No ORM, no sessions, no CSRF, no translations: what is left is the cost of
HTTP, JSON, hashing and the commit. ``bench.hall`` measures the real server
against it in the same run (the floor ratio of issue 15).

    FLOOR_DATABASE_URL=sqlite:////tmp/floor.sqlite gunicorn bench.floor_app:app
"""
from __future__ import annotations

import fcntl
import hashlib
import json
import os
import sqlite3
import threading
from datetime import datetime, timezone

from flask import Flask, jsonify, request

URL = os.environ.get("FLOOR_DATABASE_URL", "sqlite:////tmp/examserver-floor.sqlite")
SCHEMA = [
    "CREATE TABLE IF NOT EXISTS attempt (id INTEGER PRIMARY KEY, secret_hash VARCHAR(64) UNIQUE NOT NULL, "
    "last_seq INTEGER NOT NULL, journal_head VARCHAR(64) NOT NULL, last_contact_at VARCHAR(40))",
    "CREATE TABLE IF NOT EXISTS journal_event (attempt_id INTEGER NOT NULL, seq INTEGER NOT NULL, "
    "kind VARCHAR(16) NOT NULL, payload TEXT NOT NULL, client_time VARCHAR(40) NOT NULL, "
    "server_time VARCHAR(40) NOT NULL, prev_hash VARCHAR(64) NOT NULL, hash VARCHAR(64) NOT NULL, "
    "PRIMARY KEY (attempt_id, seq))",
]
GENESIS = "0" * 64


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def canonical(value) -> bytes:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


class Store:
    """Thread-local connections; SQLite writers queue on a thread lock and a flock."""

    def __init__(self, url: str):
        self.sqlite = url.startswith("sqlite")
        self.path = url.split("sqlite:///", 1)[1] if self.sqlite else None
        self.pg_url = None if self.sqlite else url.replace("postgresql+psycopg://", "postgresql://")
        self.local = threading.local()
        self.lock = threading.Lock()
        self.gate_fd = None
        self.gate_pid = None

    def conn(self):
        conn = getattr(self.local, "conn", None)
        if conn is None:
            if self.sqlite:
                conn = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("PRAGMA synchronous=FULL")
            else:
                import psycopg

                conn = psycopg.connect(self.pg_url, autocommit=False)
                conn.execute("SET synchronous_commit = on")
                conn.commit()
            self.local.conn = conn
        return conn

    def write(self, work):
        """Run ``work(cursor)`` in one durable write transaction."""
        conn = self.conn()
        if not self.sqlite:
            with conn.cursor() as cur:
                try:
                    result = work(cur)
                    conn.commit()
                    return result
                except BaseException:
                    conn.rollback()
                    raise
        with self.lock:
            if self.gate_pid != os.getpid():
                self.gate_fd = os.open(self.path + "-writegate", os.O_RDWR | os.O_CREAT, 0o600)
                self.gate_pid = os.getpid()
            fcntl.flock(self.gate_fd, fcntl.LOCK_EX)
            try:
                cur = conn.cursor()
                cur.execute("BEGIN IMMEDIATE")
                try:
                    result = work(cur)
                    cur.execute("COMMIT")
                    return result
                except BaseException:
                    cur.execute("ROLLBACK")
                    raise
            finally:
                fcntl.flock(self.gate_fd, fcntl.LOCK_UN)


store = Store(URL)
app = Flask(__name__)


def setup(attempts: int) -> None:
    """Create the tables and ``attempts`` attempts whose terminal secrets are ``floor-<n>``."""
    def work(cur):
        for statement in SCHEMA:
            cur.execute(statement)
        cur.execute("DELETE FROM journal_event")
        cur.execute("DELETE FROM attempt")
        mark = "?" if store.sqlite else "%s"
        for n in range(attempts):
            cur.execute(f"INSERT INTO attempt (id, secret_hash, last_seq, journal_head) VALUES ({mark}, {mark}, 0, {mark})",
                        (n + 1, secret_hash(f"floor-{n}"), GENESIS))
    store.write(work)
    if not store.sqlite:
        import psycopg

        # Statistics, as autovacuum would keep them (bench.prepare does the same for the real server).
        with psycopg.connect(store.pg_url, autocommit=True) as conn:
            conn.execute("VACUUM ANALYZE")


@app.post("/save")
def save():
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("seq"), int):
        return jsonify({"error": "bad_request"}), 400
    key = secret_hash(request.cookies.get("exam_terminal", ""))
    mark = "?" if store.sqlite else "%s"
    now = datetime.now(timezone.utc)
    server_time = now.strftime("%Y-%m-%dT%H:%M:%S.%fZ")

    def work(cur):
        cur.execute(f"SELECT id, last_seq, journal_head FROM attempt WHERE secret_hash = {mark}"
                    + ("" if store.sqlite else " FOR UPDATE"), (key,))
        row = cur.fetchone()
        if row is None:
            return 404, {"error": "no_attempt"}
        attempt_id, last_seq, head = row
        if body["seq"] != last_seq + 1:
            return 409, {"error": "seq", "expected": last_seq + 1}
        record = {"attempt": attempt_id, "seq": body["seq"], "kind": body.get("kind"), "payload": body.get("payload"),
                  "client_time": body.get("client_time", ""), "server_time": server_time}
        digest = hashlib.sha256(head.encode("ascii") + canonical(record)).hexdigest()
        cur.execute(f"INSERT INTO journal_event VALUES ({', '.join([mark] * 8)})",
                    (attempt_id, body["seq"], record["kind"], canonical(record["payload"]).decode(),
                     record["client_time"], server_time, head, digest))
        cur.execute(f"UPDATE attempt SET last_seq = {mark}, journal_head = {mark}, last_contact_at = {mark} "
                    f"WHERE id = {mark}", (body["seq"], digest, server_time, attempt_id))
        return 200, {"ack": {"seq": body["seq"], "hash": digest, "received_at": server_time},
                     "server_time": server_time, "next_seq": body["seq"] + 1}

    status, reply = store.write(work)
    return jsonify(reply), status


if __name__ == "__main__":
    import sys

    setup(int(sys.argv[1]) if len(sys.argv) > 1 else 1000)
