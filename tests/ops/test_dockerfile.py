"""The Dockerfile cannot be built on these machines (no Docker), so it is kept
honest here: every path it copies exists in a clean clone of the repository,
it installs with the same `make install` the quick start uses, and its CMD
starts a server that answers, run from that clean clone."""
from __future__ import annotations

import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = (ROOT / "Dockerfile").read_text()


def _instructions() -> list[tuple[str, str]]:
    text = re.sub(r"\\\n", " ", DOCKERFILE)
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1] if " " in line.strip() else "")
            for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]


@pytest.fixture(scope="module")
def clean_clone(tmp_path_factory) -> Path:
    """A clone of the committed tree (untracked files cannot make the test pass)."""
    if subprocess.run(["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True).returncode != 0:
        pytest.skip("not a git checkout")
    target = tmp_path_factory.mktemp("clone") / "examserver"
    subprocess.run(["git", "clone", "--quiet", "--no-hardlinks", str(ROOT), str(target)], check=True)
    return target


def test_every_copied_path_exists_in_a_clean_clone(clean_clone):
    copies = [args for op, args in _instructions() if op == "COPY"]
    assert copies, "the Dockerfile copies nothing"
    for args in copies:
        sources = shlex.split(args)[:-1]
        for source in sources:
            assert (clean_clone / source).exists(), f"Dockerfile copies {source}, which is not in the repository"
    runs = " ".join(args for op, args in _instructions() if op == "RUN")
    assert "make install" in runs, "the image must install with the same `make install` as the quick start"


def test_the_cmd_serves_from_a_clean_clone(clean_clone, tmp_path):
    env_lines = " ".join(args for op, args in _instructions() if op == "ENV")
    image_env = dict(pair.split("=", 1) for pair in shlex.split(env_lines))
    cmd = next(args for op, args in _instructions() if op == "CMD")
    argv = __import__("json").loads(cmd)
    assert argv[:2] == ["sh", "-c"]
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    script = argv[2].replace("0.0.0.0:8000", f"127.0.0.1:{port}")
    env = {k: v for k, v in os.environ.items() if not k.startswith("EXAM_")}
    image_path = image_env.pop("PATH", "$PATH")
    assert "/app/.venv/bin" in image_path, "the image puts its virtual environment on PATH"
    env.update(image_env)
    env.update({"EXAM_INSTANCE_PATH": str(tmp_path / "var"), "EXAM_SECRET_KEY": "dockerfile-test-" + "s" * 48,
                "EXAM_SESSION_COOKIE_SECURE": "false",
                "PATH": image_path.replace("/app/.venv/bin", str(Path(sys.executable).parent))
                                  .replace("$PATH", os.environ.get("PATH", "/usr/bin:/bin")),
                "PYTHONPATH": str(clean_clone)})
    proc = subprocess.Popen(["sh", "-c", script], cwd=clean_clone, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                pytest.fail("the CMD exited: " + proc.stdout.read().decode(errors="replace")[-3000:])
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                    assert response.status == 200
                    break
            except OSError:
                time.sleep(0.3)
        else:
            pytest.fail("the CMD's server did not answer /healthz within 60 s")
        # it serves the code of the clone, not of the working tree
        out = subprocess.run([sys.executable, "-c", "import examserver, sys; print(examserver.__file__)"],
                             cwd=clean_clone, env=env, capture_output=True, text=True).stdout
        assert out.startswith(str(clean_clone)), out
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
