"""Two ``examserver serve`` instances on one PostgreSQL behind the nginx
configuration of ``deploy/nginx``: one instance is killed with ``kill -9`` in
the middle of the exam, and no candidate notices more than a retried save.

Checked afterwards: every acknowledged answer is in the journal, every chain
verifies, no deadline moved, and the attempts whose terminals went away are
finished by the deadline sweep exactly once although the sweep runs in every
worker of the surviving instance and once more from the command line.
"""
from __future__ import annotations

import datetime as dt
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import sqlalchemy as sa

from examserver.db import db
from examserver.exam.journal import verify_chain
from examserver.models import Attempt, AttemptState, JournalEvent, Protocol, ProtocolKind, Room
from kiosk.context import COOKIE
from tests.kiosk.kiosk_helpers import add_candidate, enrol_terminal, make_world
from tests.ops.kiosk_http import HttpKiosk

ROOT = Path(__file__).resolve().parents[2]
SECRET = "two-instances-test-secret-" + "x" * 40
KIOSKS = 6
ABANDONED = 2          # the last kiosks walk away mid-exam: the sweep finishes them
ANSWERS_BEFORE_KILL = 3

pytestmark = pytest.mark.skipif(shutil.which("nginx") is None and not Path("/usr/sbin/nginx").exists(),
                                reason="nginx is installed by `make system-deps`")


@pytest.fixture
def app_config():
    return {"SECRET_KEY": SECRET}


@pytest.fixture
def clock():
    """Real time: the served instances run on the system clock, so the session must open now."""
    from examserver.clock import FrozenClock

    return FrozenClock(dt.datetime.now(dt.timezone.utc).replace(microsecond=0))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _self_signed(folder: Path) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
    import ipaddress

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
            .sign(key, hashes.SHA256()))
    crt, pem = folder / "server.crt", folder / "server.key"
    crt.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    pem.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                      serialization.NoEncryption()))
    return crt, pem


def _nginx(folder: Path, upstreams: list[int], crt: Path, key: Path) -> tuple[subprocess.Popen, int]:
    """nginx running ``deploy/nginx/examserver.conf`` with this test's ports and certificate."""
    https, http = _free_port(), _free_port()
    site = (ROOT / "deploy/nginx/examserver.conf").read_text()
    site = site.replace("server 127.0.0.1:8001", f"server 127.0.0.1:{upstreams[0]}")
    site = site.replace("server 127.0.0.1:8002", f"server 127.0.0.1:{upstreams[1]}")
    site = site.replace("listen 443 ssl", f"listen 127.0.0.1:{https} ssl").replace("listen 80;", f"listen 127.0.0.1:{http};")
    site = site.replace("/etc/examserver/tls/server.crt", str(crt)).replace("/etc/examserver/tls/server.key", str(key))
    assert f"127.0.0.1:{upstreams[1]}" in site and str(crt) in site, "deploy/nginx/examserver.conf changed shape"
    (folder / "site.conf").write_text(site)
    temp = "".join(f"{kind}_temp_path {folder}/{kind};\n" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    (folder / "nginx.conf").write_text(
        f"user root;\nworker_processes 1;\npid {folder}/nginx.pid;\nerror_log {folder}/error.log;\n"
        f"events {{ worker_connections 512; }}\n"
        f"http {{\n log_format upstream '$upstream_addr $status $request_uri';\n"
        f" access_log {folder}/access.log upstream;\n {temp} include {folder}/site.conf;\n}}\n")
    proc = subprocess.Popen(["nginx", "-p", str(folder), "-c", str(folder / "nginx.conf"), "-g", "daemon off;"],
                            stdout=subprocess.DEVNULL, stderr=open(folder / "nginx.stderr", "w"),
                            start_new_session=True)
    return proc, https


def _instance(port: int, url: str, instance: Path, log: Path) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("EXAM_")}
    env.update({"EXAM_MODE": "production", "EXAM_SECRET_KEY": SECRET, "EXAM_DATABASE_URL": url,
                "EXAM_INSTANCE_PATH": str(instance), "EXAM_SWEEP_INTERVAL_SECONDS": "1",
                "EXAM_PROXY_COUNT": "1"})
    exe = Path(sys.executable).parent / "examserver"
    return subprocess.Popen([str(exe), "serve", "--bind", f"127.0.0.1:{port}", "--workers", "2"], env=env,
                            stdout=open(log, "w"), stderr=subprocess.STDOUT, start_new_session=True)


def _wait_ready(url: str, context=None, seconds: float = 60, log: Path | None = None) -> None:
    deadline = time.monotonic() + seconds
    last = ""
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2, context=context) as response:
                if response.status == 200:
                    return
        except urllib.error.HTTPError as exc:
            last = f"{exc.code} {exc.read()[:300]!r}"
        except OSError as exc:
            last = str(exc)
        time.sleep(0.2)
    tail = log.read_text()[-3000:] if log is not None and log.exists() else ""
    raise AssertionError(f"{url} did not come up ({last})\n{tail}")


def _kill(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait(timeout=10)


def test_an_instance_killed_mid_exam_loses_nothing(loaded_bank, backend, tmp_path, db_url):
    if backend != "postgres":
        pytest.skip("several instances share one PostgreSQL database")
    app = loaded_bank
    assert app.test_cli_runner().invoke(args=["keys", "generate"]).exit_code == 0
    with app.app_context():
        world = make_world()
        room = db.session.get(Room, world.room)
        seats = [(world.secret, add_candidate(world.session, "21234567890100")[1])]
        for n in range(1, KIOSKS):
            _, secret = enrol_terminal(room, seat=f"A-{n + 1:02d}")
            seats.append((secret, add_candidate(world.session, f"212345678901{n:02d}", surname=f"Сынакчы{n}")[1]))
        db.session.commit()
    crt, key = _self_signed(tmp_path)
    ports = [_free_port(), _free_port()]
    instances = [_instance(p, db_url, Path(app.config["INSTANCE_PATH"]), tmp_path / f"app{i}.log")
                 for i, p in enumerate(ports)]
    proxy = None
    try:
        for i, port in enumerate(ports):
            _wait_ready(f"http://127.0.0.1:{port}/readyz", log=tmp_path / f"app{i}.log")
        (tmp_path / "nginx").mkdir()
        proxy, https = _nginx(tmp_path / "nginx", ports, crt, key)
        tls = ssl.create_default_context(cafile=str(crt))
        base = f"https://127.0.0.1:{https}"
        _wait_ready(base + "/healthz", tls)

        kiosks = [HttpKiosk(base, secret, COOKIE, tls) for secret, _ in seats]
        states = [k.start(code) for k, (_, code) in zip(kiosks, seats)]
        with app.app_context():
            deadlines = {a.id: a.deadline_at for a in db.session.scalars(sa.select(Attempt))}
        killed = threading.Event()
        errors: list[BaseException] = []

        def sit(index: int) -> None:
            try:
                kiosk, state = kiosks[index], states[index]
                questions = state["questions"]
                total = len(questions) if index < KIOSKS - ABANDONED else 2
                for seq, question in enumerate(questions[:total], start=1):
                    if seq == ANSWERS_BEFORE_KILL + 1:
                        killed.wait(60)
                    option = question["options"][seq % len(question["options"])]["id"]
                    kiosk.send(seq, "answer", {"slot": question["slot"], "selected": [option], "input": "click"})
                if index < KIOSKS - ABANDONED:
                    assert kiosk.finish()["state"] == "finished"
            except BaseException as exc:  # noqa: BLE001 - reported by the main thread
                errors.append(exc)

        threads = [threading.Thread(target=sit, args=(i,)) for i in range(KIOSKS)]
        for thread in threads:
            thread.start()
        time.sleep(1.0)
        _kill(instances[0])  # kill -9 the whole instance (master and workers) mid-exam
        killed.set()
        for thread in threads:
            thread.join(120)
        assert not errors, errors

        # the candidates who walked away: their time runs out
        with app.app_context():
            walked = list(db.session.scalars(sa.select(Attempt).where(Attempt.state != AttemptState.FINISHED)))
            assert len(walked) == ABANDONED
            for attempt in walked:
                attempt.deadline_at = attempt.deadline_at - dt.timedelta(hours=2)
            db.session.commit()
            walked_ids = [a.id for a in walked]
        env = {k: v for k, v in os.environ.items() if not k.startswith("EXAM_")}
        env.update({"EXAM_MODE": "production", "EXAM_SECRET_KEY": SECRET, "EXAM_DATABASE_URL": db_url,
                    "EXAM_INSTANCE_PATH": app.config["INSTANCE_PATH"]})
        subprocess.run([str(Path(sys.executable).parent / "examserver"), "sweep"], env=env, check=True,
                       capture_output=True)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with app.app_context():
                if all(db.session.get(Attempt, i).state == AttemptState.FINISHED for i in walked_ids):
                    break
            time.sleep(0.5)
        time.sleep(2.5)  # a few more sweep rounds in both workers: still once

        with app.app_context():
            attempts = list(db.session.scalars(sa.select(Attempt).order_by(Attempt.id)))
            assert all(a.state == AttemptState.FINISHED for a in attempts)
            for attempt in attempts:
                events = list(db.session.scalars(sa.select(JournalEvent).where(JournalEvent.attempt_id == attempt.id)))
                assert verify_chain(events).ok, attempt.id
                assert [e.kind for e in events].count("finish") == 1, attempt.id
                assert db.session.scalar(sa.select(sa.func.count(Protocol.id)).where(
                    Protocol.attempt_id == attempt.id, Protocol.kind == ProtocolKind.TESTING)) == 1
                if attempt.id not in walked_ids:
                    assert attempt.deadline_at == deadlines[attempt.id], "a candidate lost time"
            stored = {(e.attempt_id, e.seq): e.payload for e in db.session.scalars(
                sa.select(JournalEvent).where(JournalEvent.kind == "answer"))}
            by_terminal = {a.terminal_id: a.id for a in attempts}
        lost = []
        for kiosk, state in zip(kiosks, states):
            attempt_id = state.get("attempt_id") or next(iter(by_terminal.values()))
            for seq, payload in kiosk.acknowledged.items():
                matches = [key for key, value in stored.items() if key[1] == seq and value["slot"] == payload["slot"]
                           and value["selected"] == payload["selected"]]
                if not matches:
                    lost.append((attempt_id, seq))
        assert not lost, f"acknowledged answers missing from the journal: {lost}"
        assert sum(len(k.acknowledged) for k in kiosks) == (KIOSKS - ABANDONED) * len(states[0]["questions"]) + 2 * ABANDONED
        served = (tmp_path / "nginx" / "access.log").read_text()
        assert f"127.0.0.1:{ports[0]}" in served and f"127.0.0.1:{ports[1]}" in served, "both instances served kiosks"
    finally:
        for proc in instances:
            _kill(proc)
        if proxy is not None:
            _kill(proxy)
