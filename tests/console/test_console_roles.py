"""Walk every route of the application (``app.url_map``) with every role:
allowed, 403, or redirected to the login page; never a 5xx.

Every endpoint must be listed here, so a new route cannot ship without a
decision on who may open it.
"""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from examserver.db import db
from examserver.models import Attempt, BankItem, Centre, FinishReason, Protocol, User
from examserver.core.audit import Actor

from .conftest import PIN1, add_participant, enrolled_terminal, make_session, start

ALL = {"admin", "proctor_a", "chair_a", "member_a"}
STAFF = {"admin", "proctor_a"}
ADMIN = {"admin"}
REVIEWERS = {"admin", "chair_a", "member_a"}       # see an appeal in the commission's presence
MANAGERS = {"admin", "proctor_a", "chair_a"}        # compose commissions
CHAIR = {"chair_a"}                                 # records the commission's decision

# endpoint -> roles allowed (console), by feature.
EXPECTED = {
    "admin.index": ALL,
    # exam sessions, registration, terminals, the live room: the centre's staff
    "admin.sessions.index": STAFF, "admin.sessions.create": STAFF, "admin.sessions.detail": STAFF,
    "admin.sessions.open_": STAFF, "admin.sessions.close": STAFF, "admin.sessions.participants_csv": STAFF,
    "admin.participants.new": STAFF, "admin.participants.import_csv": STAFF, "admin.participants.admission": STAFF,
    "admin.participants.admit_all": STAFF, "admin.participants.no_show": STAFF, "admin.participants.consent": STAFF,
    "admin.participants.issue_code": STAFF, "admin.participants.slips": STAFF,
    "admin.terminals.index": STAFF, "admin.terminals.enrol": STAFF, "admin.terminals.revoke": STAFF,
    "admin.terminals.unlock": STAFF,
    "admin.room.view": STAFF, "admin.room.data": STAFF, "admin.room.action": STAFF, "admin.room.free_terminals": STAFF,
    # the authority only
    "admin.audit.index": ADMIN, "admin.audit.export": ADMIN,
    "admin.users.index": ADMIN, "admin.users.create": ADMIN, "admin.users.set_active": ADMIN,
    "admin.users.create_centre": ADMIN, "admin.users.create_room": ADMIN,
    "admin.results.index": ADMIN, "admin.results.export_csv": ADMIN,
    "admin.competitions.index": ADMIN, "admin.competitions.create": ADMIN, "admin.competitions.show": ADMIN,
    "admin.competitions.link": ADMIN, "admin.competitions.withdraw": ADMIN,
    "admin.competitions.schedule_tiebreak": ADMIN, "admin.competitions.votes": ADMIN,
    "admin.competitions.decide": ADMIN, "admin.competitions.sign": ADMIN, "admin.competitions.protocol_pdf": ADMIN,
    "admin.competitions.issue_letters": ADMIN, "admin.competitions.letter": ADMIN,
    "admin.competitions.letters_csv": ADMIN,
    # technical appeals and commissions
    "admin.appeals.index": ALL, "admin.appeals.file": STAFF, "admin.appeals.review": REVIEWERS,
    "admin.appeals.decide": CHAIR, "admin.appeals.sign": REVIEWERS, "admin.appeals.protocol_pdf": ALL,
    "admin.appeals.commission_list": MANAGERS, "admin.appeals.commission_member": MANAGERS,
    # protocols and their verification: everyone with an account
    "admin.protocols.index": ALL, "admin.protocols.detail": ALL, "admin.protocols.download_json": ALL,
    "admin.protocols.download_pdf": ALL, "admin.protocols.for_attempt": ALL,
    "admin.verify.index": ALL, "admin.verify.attempt": ALL,
    # question banks, blueprints and item statistics: the authority
    "admin.bank.index": ADMIN, "admin.bank.item": ADMIN, "admin.bank.preview": ADMIN, "admin.bank.edit": ADMIN,
    "admin.bank.step": ADMIN, "admin.bank.blueprints": ADMIN, "admin.bank.import_blueprints": ADMIN,
    "admin.bank.blueprint": ADMIN, "admin.bank.statistics": ADMIN, "admin.bank.plot": ADMIN,
    "admin.bank.option_plot": ADMIN, "admin.bank.report": ADMIN,
    "admin.bank.edit_blueprint": ADMIN, "admin.bank.edit_position": ADMIN,
}
# Open to anyone (the login itself, the kiosk, which identifies terminals by
# their cookie, static files, health and metrics, which check the address).
PUBLIC_PREFIXES = ("admin.auth.", "admin.static", "kiosk.", "ops.", "monitoring.", "static")


def test_every_route_is_in_the_table(app):
    endpoints = {r.endpoint for r in app.url_map.iter_rules()}
    unlisted = {e for e in endpoints if e not in EXPECTED and not e.startswith(PUBLIC_PREFIXES)}
    assert not unlisted, f"routes without a role decision: {sorted(unlisted)}"
    assert not set(EXPECTED) - endpoints, f"stale entries: {sorted(set(EXPECTED) - endpoints)}"


def _objects(app, world) -> dict[str, object]:
    """Real ids for every URL parameter: a session, participant, terminal, a
    finished attempt with its protocol, an appeal, a commission."""
    from examserver.appeals import commissions, filing
    from examserver.exam import attempts

    with app.app_context():
        sid = make_session(world.room_a)
        pid = add_participant(sid, PIN1)
        tid = enrolled_terminal(world.room_a)
        aid = start(pid, tid)
        attempt = db.session.get(Attempt, aid)
        attempts.finish_attempt(attempt, FinishReason.SUBMITTED)
        proctor = db.session.get(User, world.users["proctor_a"])
        appeal = filing.file_appeal(attempt, "Менин жообум туура эмес эсептелди", "proctor", Actor.for_user(proctor))
        centre = db.session.get(Centre, world.centre_a)
        commission = commissions.create_commission(
            centre, "Техникалык комиссия", db.session.get(User, world.users["chair_a"]),
            [db.session.get(User, world.users["member_a"])], Actor.cli())
        number = db.session.scalar(sa.select(Protocol.number).where(Protocol.attempt_id == aid)) or "none"
        item_id = db.session.scalar(sa.select(BankItem.item_id).order_by(BankItem.id).limit(1))
        db.session.commit()
        return {"session_id": sid, "participant_id": pid, "terminal_id": tid, "attempt_id": aid,
                "appeal_id": appeal.id, "commission_id": commission.id, "user_id": world.users["member_a"],
                "number": number, "competition_id": 1, "filename": "admin.css",
                "item_id": item_id, "version": 1, "lang": "ky", "action": "submit", "code": "TEST-U-A",
                "kind": "distribution"}


@pytest.mark.parametrize("username", [None, "admin", "proctor_a", "chair_a", "member_a"])
def test_roles_walk(app, client, world, loaded_bank, login, username):
    ids = _objects(app, world)
    if username:
        login(username)
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if rule.endpoint.startswith(PUBLIC_PREFIXES):
            continue
        url = re.sub(r"<(?:[^:>]+:)?(\w+)>", lambda m: str(ids[m.group(1)]), rule.rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(url, method=method, data={})
            where = f"{username} {method} {url}"
            assert response.status_code < 500, where
            if username is None:
                assert response.status_code == 302 and "/admin/auth/login" in response.headers["Location"], where
            elif username in EXPECTED[rule.endpoint]:
                assert response.status_code != 403, where
                assert "/auth/login" not in response.headers.get("Location", ""), where
            else:
                assert response.status_code == 403, where


def test_public_routes_answer_anonymous_without_5xx(app, client, world):
    """The routes outside the console's role table: no login needed, no 5xx."""
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith(PUBLIC_PREFIXES) or "<" in rule.rule or "GET" not in rule.methods:
            continue
        if rule.endpoint == "ops.readyz":
            continue  # its 503 is the answer "not ready" (no signing key in a test instance)
        assert client.get(rule.rule).status_code < 500, rule.rule
