"""Two administrators acting on one competition at once (two HTTP clients in
threads, their own database sessions): one signed protocol, not two; one
decision after a decline, not two. On PostgreSQL they really interleave (the
competition row lock orders them), on SQLite the writers queue."""
from __future__ import annotations

import threading

import sqlalchemy as sa

from examserver.db import db
from examserver.models import CompetitionDecision, Protocol, ProtocolKind
from tests.competitions.conftest import PASSWORD, candidate, make_competition


def _client(app):
    client = app.test_client()
    assert client.post("/admin/auth/login", data={"username": "admin", "password": PASSWORD}).status_code == 302
    return client


def _together(app, url: str, data: dict) -> list[int]:
    clients = [_client(app), _client(app)]
    statuses, errors, barrier = [], [], threading.Barrier(2)

    def run(client):
        try:
            barrier.wait(timeout=30)
            statuses.append(client.post(url, data=data).status_code)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    return sorted(statuses)


def test_two_signings_at_once_give_one_protocol_and_one_decline(cworld, app):
    with app.app_context():
        comp = make_competition(cworld)
        candidate(cworld, "21505199012341", 7, "Алиев")
        candidate(cworld, "21505199012342", 5, "Бекова")
        db.session.commit()
        base = f"/admin/competitions/{comp.id}"
    app.config["CLOCK"].advance(minutes=61)   # past the appeal window
    assert all(s < 500 for s in _together(app, base + "/protocol", {}))
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Protocol.id)).where(
            Protocol.kind == ProtocolKind.COMPETITION)) == 1
    statuses = _together(app, base + "/decision", {"kind": "declined", "reason": "Баш тартты"})
    assert statuses == [302, 409]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(CompetitionDecision.id))) == 1
