"""``examserver backup`` and ``examserver restore``: one file that restores whole.

A backup is a tar file with three members:

* ``manifest.json``: format, backend, schema revision, the row count of every
  table, and the SHA-256 of the database member;
* ``database.sqlite`` (SQLite's online backup API: a consistent copy taken
  while the server keeps serving) or ``database.pgdump`` (``pg_dump``'s
  custom format, one consistent snapshot);
* ``keyring.pem``: every public signing key of the centre, so that the
  protocols can be verified after a restore even on a machine that lost the
  key folder. Private keys are never in a backup: they are copied separately
  to offline media (docs/operations.md).

``restore`` loads a backup into an *empty* database of the same backend and
schema revision, all or nothing, then checks that every table has the row
count of the manifest, every protocol's signature holds and every journal
chain is whole (``ops.integrity``).
"""
from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from alembic.script import ScriptDirectory
from flask import Flask

from examserver import clock
from examserver.db import db
from examserver.migrate import alembic_config
from examserver.models.base import Base
from examserver.ops.integrity import IntegrityReport, check_integrity
from examserver.protocols import signing

FORMAT = "examserver.backup/1"
MANIFEST = "manifest.json"
KEYRING = "keyring.pem"
MEMBERS = {"sqlite": "database.sqlite", "postgresql": "database.pgdump"}


class BackupError(Exception):
    """A backup or restore that cannot be done; the message says why and what to do."""


@dataclass
class RestoreResult:
    manifest: dict
    counts: dict[str, int]
    integrity: IntegrityReport


def backend_of(url: str) -> str:
    return "sqlite" if url.startswith("sqlite") else "postgresql"


def _sqlite_path(url: str) -> Path:
    return Path(sa.engine.make_url(url).database or "")


def _libpq_url(url: str) -> str:
    """The SQLAlchemy URL as libpq (pg_dump, pg_restore) understands it."""
    return sa.engine.make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _run(args: list[str]) -> None:
    done = subprocess.run(args, capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError(f"{args[0]} failed: {done.stderr.strip() or done.stdout.strip()}")


def expected_revisions() -> tuple[str, ...]:
    """The schema revision(s) this version of examserver runs on."""
    return tuple(sorted(ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads()))


def table_counts() -> dict[str, int]:
    """Rows per table, every table of the models."""
    return {t.name: db.session.scalar(sa.select(sa.func.count()).select_from(t))
            for t in Base.metadata.sorted_tables}


def _keyring_pem() -> str:
    return "".join(f"# fingerprint {fp}\n{signing.public_pem(info.public_key)}"
                   for fp, info in sorted(signing.keyring().items()))


def _keys_from_pem(text: str) -> dict:
    keys = {}
    for block in text.split("-----END PUBLIC KEY-----"):
        if "-----BEGIN PUBLIC KEY-----" in block:
            pem = block[block.index("-----BEGIN PUBLIC KEY-----"):] + "-----END PUBLIC KEY-----\n"
            key = signing.load_public_key(pem)
            keys[signing.fingerprint_of(key)] = key
    return keys


def _dump_sqlite(url: str, target: Path) -> tuple[dict[str, int], tuple[str, ...]]:
    source = sqlite3.connect(str(_sqlite_path(url)))
    copy = sqlite3.connect(str(target))
    try:
        source.backup(copy)  # page by page, consistent, writers keep going (WAL)
    finally:
        copy.close()
        source.close()
    # counted in the copy itself: the manifest describes exactly the file
    return _sqlite_counts(target), _sqlite_revision(target)


def _dump_postgres(app: Flask, target: Path) -> tuple[dict[str, int], tuple[str, ...]]:
    """pg_dump of one exported snapshot, counted in that same snapshot."""
    with db.engine_for(app).connect() as conn:
        conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            snapshot = conn.scalar(sa.text("SELECT pg_export_snapshot()"))
            counts = {t.name: conn.scalar(sa.select(sa.func.count()).select_from(t))
                      for t in Base.metadata.sorted_tables}
            revision = tuple(sorted(conn.scalars(sa.text("SELECT version_num FROM alembic_version"))))
            # the snapshot lives as long as this transaction: dump while it is open
            _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--snapshot={snapshot}",
                  "--file", str(target), "--dbname", _libpq_url(app.config["DATABASE_URL"])])
    return counts, revision


def create_backup(app: Flask, output: Path) -> dict:
    """Write a backup of the app's database to ``output``; return its manifest.

    The row counts describe exactly the data in the file: on SQLite they are
    read from the copy, on PostgreSQL in the snapshot that ``pg_dump`` dumps.
    """
    url = app.config["DATABASE_URL"]
    backend = backend_of(url)
    output = Path(output)
    with tempfile.TemporaryDirectory(prefix="examserver-backup-") as tmp:
        dump = Path(tmp) / MEMBERS[backend]
        if backend == "sqlite":
            counts, revision = _dump_sqlite(url, dump)
        else:
            counts, revision = _dump_postgres(app, dump)
        digest = hashlib.sha256(dump.read_bytes()).hexdigest()
        manifest = {"format": FORMAT, "backend": backend, "schema_revisions": list(revision),
                    "created_at": clock.now().strftime("%Y-%m-%dT%H:%M:%SZ"), "tables": counts,
                    "database_sha256": digest, "database_member": dump.name}
        keyring = _keyring_pem().encode("utf-8")
        manifest["public_keys"] = len(_keys_from_pem(keyring.decode())) if keyring else 0
        partial = output.with_name(output.name + ".partial")
        with tarfile.open(partial, "w") as tar:
            _add_bytes(tar, MANIFEST, (json.dumps(manifest, indent=2, sort_keys=True) + "\n").encode())
            tar.add(dump, arcname=dump.name)
            _add_bytes(tar, KEYRING, keyring)
        os.chmod(partial, 0o600)  # personal data: readable by the operator only
        os.replace(partial, output)
    return manifest


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = 0o600
    tar.addfile(info, io.BytesIO(data))


def _sqlite_counts(path: Path) -> dict[str, int]:
    con = sqlite3.connect(str(path))
    try:
        return {t.name: con.execute(f'SELECT count(*) FROM "{t.name}"').fetchone()[0]
                for t in Base.metadata.sorted_tables}
    finally:
        con.close()


def _sqlite_revision(path: Path) -> tuple[str, ...]:
    con = sqlite3.connect(str(path))
    try:
        return tuple(sorted(r[0] for r in con.execute("SELECT version_num FROM alembic_version")))
    finally:
        con.close()


def read_backup(path: Path, workdir: Path) -> tuple[dict, Path, str]:
    """Open a backup: ``(manifest, extracted database file, keyring text)``.

    Refuses a file that is not a backup, lacks a member, or whose database
    member does not have the digest its manifest states.
    """
    try:
        tar = tarfile.open(path, "r")
    except (tarfile.TarError, OSError) as exc:
        raise BackupError(f"{path}: not an examserver backup ({exc})") from exc
    with tar:
        names = set(tar.getnames())
        if MANIFEST not in names:
            raise BackupError(f"{path}: no {MANIFEST}; not an examserver backup")
        try:
            manifest = json.loads(tar.extractfile(MANIFEST).read())
        except ValueError as exc:
            raise BackupError(f"{path}: {MANIFEST} is not valid JSON ({exc})") from exc
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
            raise BackupError(f"{path}: unknown backup format {manifest.get('format') if isinstance(manifest, dict) else '?'!r}")
        member = MEMBERS.get(manifest.get("backend"))
        if member is None or member not in names:
            raise BackupError(f"{path}: the database member is missing")
        target = workdir / member
        with tar.extractfile(member) as src, target.open("wb") as dst:
            shutil.copyfileobj(src, dst)
        keyring = tar.extractfile(KEYRING).read().decode("utf-8") if KEYRING in names else ""
    if hashlib.sha256(target.read_bytes()).hexdigest() != manifest.get("database_sha256"):
        raise BackupError(f"{path}: the database member does not match the digest in the manifest "
                          "(damaged or altered backup)")
    return manifest, target, keyring


def require_empty(app: Flask) -> None:
    url = app.config["DATABASE_URL"]
    if backend_of(url) == "sqlite":
        path = _sqlite_path(url)
        if not path.exists():
            return
        con = sqlite3.connect(str(path))
        try:
            tables = con.execute("SELECT count(*) FROM sqlite_master WHERE type='table'").fetchone()[0]
        finally:
            con.close()
    else:
        with db.engine_for(app).connect() as conn:
            tables = conn.scalar(sa.text("SELECT count(*) FROM information_schema.tables "
                                         "WHERE table_schema = current_schema()"))
    if tables:
        raise BackupError("the target database is not empty: restore only into a new, empty database "
                          "(set EXAM_DATABASE_URL to one)")


def restore_backup(app: Flask, path: Path) -> RestoreResult:
    """Load the backup at ``path`` into the app's empty database and prove it whole.

    Refused (nothing written) for another backend, another schema revision, a
    damaged file or a database that is not empty. The load itself is one
    transaction (PostgreSQL) or one atomic file rename (SQLite).
    """
    url = app.config["DATABASE_URL"]
    backend = backend_of(url)
    with tempfile.TemporaryDirectory(prefix="examserver-restore-") as tmp:
        manifest, dump, keyring = read_backup(Path(path), Path(tmp))
        if manifest["backend"] != backend:
            raise BackupError(f"the backup is of a {manifest['backend']} database, the server is configured "
                              f"for {backend}: restore into a database of the same kind")
        expected = list(expected_revisions())
        if sorted(manifest.get("schema_revisions") or []) != expected:
            raise BackupError(f"the backup has schema revision {', '.join(manifest.get('schema_revisions') or ['?'])}, "
                              f"this version of examserver runs on {', '.join(expected)}: restore it with the "
                              "matching version, then upgrade with 'examserver db upgrade'")
        require_empty(app)
        db.dispose(app)
        if backend == "sqlite":
            target = _sqlite_path(url)
            target.parent.mkdir(parents=True, exist_ok=True)
            for suffix in ("-wal", "-shm"):
                Path(str(target) + suffix).unlink(missing_ok=True)
            staged = target.with_name(target.name + ".restoring")
            shutil.copyfile(dump, staged)
            os.chmod(staged, 0o600)
            os.replace(staged, target)
        else:
            _run(["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
                  "--dbname", _libpq_url(url), str(dump)])
    extra_keys = _keys_from_pem(keyring)
    with app.app_context():
        _install_public_keys(extra_keys)
        counts = table_counts()
        integrity = check_integrity(extra_keys)
        db.session.rollback()
    expected_counts = manifest.get("tables") or {}
    for table, count in expected_counts.items():
        if counts.get(table) != count:
            integrity.failures.append(f"table {table}: {counts.get(table)} row(s) restored, the manifest says {count}")
    return RestoreResult(manifest, counts, integrity)


def _install_public_keys(keys: dict) -> None:
    """Put the backup's public keys into the key folder if they are missing
    (never a private key, never over an existing file)."""
    folder = signing.key_dir()
    folder.mkdir(parents=True, exist_ok=True)
    for fp, key in keys.items():
        pub = folder / f"{fp}.pub"
        if not pub.exists():
            pub.write_text(signing.public_pem(key))
