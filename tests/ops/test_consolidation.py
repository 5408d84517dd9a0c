"""A centre's signed results reach the authority whole, or not at all:
``results export`` at the centre, ``results trust`` and ``results import``
at the authority; altered, unknown-key, foreign and replayed bundles are
refused without writing anything; importing twice changes nothing."""
from __future__ import annotations

import io
import tarfile
from pathlib import Path

import pytest
import sqlalchemy as sa

from examserver import create_app
from examserver.db import db
from examserver.models import ConsolidatedProtocol


@pytest.fixture
def authority(other_server):
    """The authority's own server: another database, migrated."""
    app = other_server("authority")
    assert app.test_cli_runner().invoke(args=["db", "upgrade"]).exit_code == 0
    return app


def _export(centre_app, tmp_path: Path, name: str = "bundle.tar") -> tuple[Path, Path]:
    runner = centre_app.test_cli_runner()
    bundle, keys = tmp_path / name, tmp_path / "centre-keys.pem"
    result = runner.invoke(args=["results", "export", "-o", str(bundle)])
    assert result.exit_code == 0, result.output
    assert runner.invoke(args=["keys", "export-public", "--all", "-o", str(keys)]).exit_code == 0
    return bundle, keys


def _rows(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count(ConsolidatedProtocol.id)))


def test_export_trust_import_and_import_again(exam_world, authority, tmp_path):
    centre, _, _ = exam_world
    bundle, keys = _export(centre, tmp_path)
    runner = authority.test_cli_runner()
    refused = runner.invoke(args=["results", "import", str(bundle)])
    assert refused.exit_code == 1 and "no key is trusted" in refused.output
    trusted = runner.invoke(args=["results", "trust", "BISH", str(keys)])
    assert trusted.exit_code == 0 and "1 new key" in trusted.output, trusted.output
    imported = runner.invoke(args=["results", "import", str(bundle)])
    assert imported.exit_code == 0, imported.output
    assert "verified, 1 new" in imported.output
    assert _rows(authority) == 1
    with authority.app_context():
        row = db.session.scalar(sa.select(ConsolidatedProtocol))
        assert row.centre_code == "BISH" and row.kind == "testing" and row.position_group
        assert row.verdict in ("meets", "does_not_meet") and row.total_points is not None
    again = runner.invoke(args=["results", "import", str(bundle)])
    assert again.exit_code == 0 and "nothing changed" in again.output
    assert _rows(authority) == 1
    listed = runner.invoke(args=["results", "list", "--format", "csv"])
    assert listed.exit_code == 0 and listed.output.splitlines()[0].startswith("centre,number,kind")
    assert len(listed.output.splitlines()) == 2


def _rewrite(bundle: Path, out: Path, change) -> Path:
    with tarfile.open(bundle) as src, tarfile.open(out, "w") as dst:
        members = {m.name: src.extractfile(m).read() for m in src.getmembers()}
        for name, data in change(members).items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            dst.addfile(info, io.BytesIO(data))
    return out


def _flip_in_protocol(members: dict) -> dict:
    name = next(n for n in members if n.startswith("protocols/"))
    data = bytearray(members[name])
    at = data.index(b'"total_points')
    data[at + 1] = ord("T")
    members[name] = bytes(data)
    return members


def test_altered_unknown_and_replayed_bundles_are_refused_whole(exam_world, authority, tmp_path, clock):
    centre, _, _ = exam_world
    bundle, keys = _export(centre, tmp_path)
    runner = authority.test_cli_runner()
    assert runner.invoke(args=["results", "trust", "BISH", str(keys)]).exit_code == 0
    cases = {
        "digest": _rewrite(bundle, tmp_path / "flipped.tar", _flip_in_protocol),
        "not listed": _rewrite(bundle, tmp_path / "extra.tar",
                               lambda m: {**m, "protocols/BISH-2026-999999.json": b"{}"}),
        "not signed by a key trusted": _rewrite(bundle, tmp_path / "resigned.tar", lambda m: {
            **m, "bundle.json": m["bundle.json"].replace(b'"since":null', b'"since":"2026-01-01"')}),
        "missing": _rewrite(bundle, tmp_path / "dropped.tar",
                            lambda m: {k: v for k, v in m.items() if not k.startswith("protocols/")}),
    }
    for expected, path in cases.items():
        result = runner.invoke(args=["results", "import", str(path)])
        assert result.exit_code == 1, (expected, result.output)
        assert expected in result.output, (expected, result.output)
    assert _rows(authority) == 0
    # a key the authority was never told about
    other = tmp_path / "other-centre"
    other_app = create_app({"MODE": "testing", "DATABASE_URL": centre.config["DATABASE_URL"],
                            "INSTANCE_PATH": str(other), "CLOCK": clock, "WTF_CSRF_ENABLED": False})
    foreign = tmp_path / "foreign.tar"
    assert other_app.test_cli_runner().invoke(args=["results", "export", "-o", str(foreign)]).exit_code == 0
    result = runner.invoke(args=["results", "import", str(foreign)])
    assert result.exit_code == 1 and "not signed by a key trusted" in result.output
    db.dispose(other_app)
    # replay: a bundle older than the newest one imported is refused unless the operator says otherwise
    clock.advance(minutes=30)
    newer, _ = _export(centre, tmp_path, "newer.tar")
    assert runner.invoke(args=["results", "import", str(newer)]).exit_code == 0
    replayed = runner.invoke(args=["results", "import", str(bundle)])
    assert replayed.exit_code == 1 and "replay" in replayed.output, replayed.output
    accepted = runner.invoke(args=["results", "import", "--accept-older", str(bundle)])
    assert accepted.exit_code == 0 and "0 new, 1 already received" in accepted.output, accepted.output
    assert _rows(authority) == 1


def test_the_console_shows_results_across_centres_with_filters_and_csv(exam_world, authority, tmp_path):
    from examserver.core import accounts
    from examserver.models import Role

    centre, _, _ = exam_world
    bundle, keys = _export(centre, tmp_path)
    runner = authority.test_cli_runner()
    assert runner.invoke(args=["results", "trust", "BISH", str(keys)]).exit_code == 0
    assert runner.invoke(args=["results", "import", str(bundle)]).exit_code == 0
    password = "Central-Office-2026!"
    with authority.app_context():
        accounts.create_user("authority", password, Role.ADMIN, "Authority Admin", None)
        db.session.commit()
        group = db.session.scalar(sa.select(ConsolidatedProtocol.position_group))
    client = authority.test_client()
    assert client.post("/admin/auth/login", data={"username": "authority", "password": password}).status_code == 302
    page = client.get("/admin/results/?lang=ru")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "BISH" in html and "Асанова" in html
    assert "Асанова" not in client.get("/admin/results/?centre=OSH").get_data(as_text=True)
    assert "Асанова" in client.get(f"/admin/results/?group={group}&verdict=").get_data(as_text=True)
    csv_text = client.get("/admin/results/export.csv?centre=BISH&lang=ru").get_data(as_text=True)
    assert csv_text.lstrip("\ufeff").startswith("Центр;Номер;Вид") and "Асанова" in csv_text
    assert "does_not_meet" not in csv_text and "testing" not in csv_text  # values in words too
    # out-of-range and malformed filters are answered, never a server error
    assert client.get("/admin/results/?page=99999999999999999999&since=garbage").status_code == 200
