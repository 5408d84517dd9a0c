"""``examserver backup`` -> ``examserver restore`` -> everything verifies, on
SQLite and PostgreSQL; damaged, mismatched and misplaced restores are refused
and write nothing."""
from __future__ import annotations

import io
import json
import tarfile
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa

from examserver.db import db
from examserver.models import JournalEvent, Protocol
from kiosk.context import COOKIE
from tests.kiosk.kiosk_helpers import answer, start_exam


@pytest.fixture
def empty_target(other_server):
    """An app on a new, empty database (no schema) and its own instance folder."""
    return other_server("restored")


def _counts(app) -> dict[str, int]:
    from examserver.ops.backup import table_counts

    with app.app_context():
        return table_counts()


def test_backup_restores_whole_into_an_empty_database(exam_world, empty_target, tmp_path):
    app, _, _ = exam_world
    backup = tmp_path / "centre.tar"
    made = app.test_cli_runner().invoke(args=["backup", "-o", str(backup)])
    assert made.exit_code == 0, made.output
    assert backup.stat().st_mode & 0o077 == 0  # personal data: the operator's eyes only
    restored = empty_target.test_cli_runner().invoke(args=["restore", str(backup)])
    assert restored.exit_code == 0, restored.output
    assert "all whole" in restored.output and "protocol signature" in restored.output
    assert _counts(empty_target) == _counts(app)
    with empty_target.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Protocol.id))) >= 1
        assert db.session.scalar(sa.select(sa.func.count(JournalEvent.id))) >= 6
    # The restored server verifies on its own afterwards.
    check = empty_target.test_cli_runner().invoke(args=["check"])
    assert check.exit_code == 0 and "all whole" in check.output, check.output
    # A second restore into the now filled database is refused.
    again = empty_target.test_cli_runner().invoke(args=["restore", str(backup)])
    assert again.exit_code == 1 and "not empty" in again.output


def test_backup_taken_while_kiosks_save_is_consistent(exam_world, empty_target, tmp_path, backend):
    app, world, code = exam_world
    client = app.test_client()
    client.set_cookie(COOKIE, world.secret, path="/kiosk")
    # the second candidate sits at another terminal of the same room
    with app.app_context():
        from examserver.models import Room
        from tests.kiosk.kiosk_helpers import enrol_terminal

        _, secret = enrol_terminal(db.session.get(Room, world.room), seat="A-02")
        db.session.commit()
    client.set_cookie(COOKIE, secret, path="/kiosk")
    state = start_exam(client, code)
    stop = threading.Event()
    acknowledged = []

    def keep_saving():
        seq = 1
        while not stop.is_set() and seq < 400:
            question = state["questions"][seq % len(state["questions"])]
            response = answer(client, seq, question["slot"], [question["options"][seq % 2]["id"]])
            if response.status_code == 200:
                acknowledged.append(seq)
            seq += 1

    saver = threading.Thread(target=keep_saving)
    saver.start()
    try:
        backup = tmp_path / "live.tar"
        made = app.test_cli_runner().invoke(args=["backup", "-o", str(backup)])
    finally:
        stop.set()
        saver.join()
    assert made.exit_code == 0, made.output
    assert acknowledged, "the kiosk saved nothing while the backup ran"
    restored = empty_target.test_cli_runner().invoke(args=["restore", str(backup)])
    assert restored.exit_code == 0, restored.output
    assert "all whole" in restored.output


def _rewrite(backup: Path, out: Path, manifest_change=None, database_change=None) -> Path:
    with tarfile.open(backup) as src, tarfile.open(out, "w") as dst:
        for member in src.getmembers():
            data = src.extractfile(member).read()
            if member.name == "manifest.json" and manifest_change:
                manifest = json.loads(data)
                manifest_change(manifest)
                data = json.dumps(manifest).encode()
            if member.name.startswith("database.") and database_change:
                data = database_change(data)
            member.size = len(data)
            dst.addfile(member, io.BytesIO(data))
    return out


def test_damaged_mismatched_or_foreign_backups_are_refused(exam_world, empty_target, tmp_path, backend):
    app, _, _ = exam_world
    backup = tmp_path / "centre.tar"
    assert app.test_cli_runner().invoke(args=["backup", "-o", str(backup)]).exit_code == 0
    runner = empty_target.test_cli_runner()

    def flip(data: bytes) -> bytes:
        middle = len(data) // 2
        return data[:middle] + bytes([data[middle] ^ 0x01]) + data[middle + 1:]

    cases = {
        "digest": _rewrite(backup, tmp_path / "flipped.tar", database_change=flip),
        "schema revision": _rewrite(backup, tmp_path / "old.tar",
                                    manifest_change=lambda m: m.update(schema_revisions=["0002"])),
        "same kind": _rewrite(backup, tmp_path / "other.tar", manifest_change=lambda m: m.update(
            backend="postgresql" if backend == "sqlite" else "sqlite",
            database_member="x")),
    }
    not_a_backup = tmp_path / "notes.tar"
    not_a_backup.write_bytes(b"hello")
    for expected, path in cases.items():
        result = runner.invoke(args=["restore", str(path)])
        assert result.exit_code == 1, (expected, result.output)
        assert expected in result.output or "missing" in result.output, (expected, result.output)
    result = runner.invoke(args=["restore", str(not_a_backup)])
    assert result.exit_code == 1 and "not an examserver backup" in result.output
    # nothing was written by any refused restore
    from examserver.ops.backup import require_empty

    require_empty(empty_target)  # raises if any table was created


def test_a_forged_protocol_in_the_backup_is_reported(exam_world, empty_target, tmp_path):
    app, _, _ = exam_world
    with app.app_context():
        protocol = db.session.scalar(sa.select(Protocol).limit(1))
        protocol.record = protocol.record.replace('"total_points":', '"total_points": ', 1)
        db.session.commit()
    backup = tmp_path / "forged.tar"
    assert app.test_cli_runner().invoke(args=["backup", "-o", str(backup)]).exit_code == 0
    result = empty_target.test_cli_runner().invoke(args=["restore", str(backup)])
    assert result.exit_code == 1
    assert "signature does not match" in result.output
