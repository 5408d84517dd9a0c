"""Walk every console route of this feature set with every role: allowed,
403, or redirected to the login page."""
from __future__ import annotations

import re

import pytest

from .conftest import PIN1, add_participant, enrolled_terminal, make_session

STAFF = {"admin", "proctor_a"}
ADMIN = {"admin"}
ANY = {"admin", "proctor_a", "chair_a", "member_a"}
# endpoint -> roles allowed. Every route of these blueprints must be listed here.
EXPECTED = {
    "admin.index": ANY,
    "admin.sessions.index": STAFF, "admin.sessions.create": STAFF, "admin.sessions.detail": STAFF,
    "admin.sessions.open_": STAFF, "admin.sessions.close": STAFF,
    "admin.participants.new": STAFF, "admin.participants.import_csv": STAFF, "admin.participants.admission": STAFF,
    "admin.participants.admit_all": STAFF, "admin.participants.no_show": STAFF,
    "admin.participants.issue_code": STAFF, "admin.participants.slips": STAFF,
    "admin.terminals.index": STAFF, "admin.terminals.enrol": STAFF, "admin.terminals.revoke": STAFF,
    "admin.terminals.unlock": STAFF,
    "admin.room.view": STAFF, "admin.room.data": STAFF, "admin.room.action": STAFF, "admin.room.free_terminals": STAFF,
    "admin.audit.index": ADMIN,
    "admin.users.index": ADMIN, "admin.users.create": ADMIN, "admin.users.set_active": ADMIN,
    "admin.users.create_centre": ADMIN, "admin.users.create_room": ADMIN,
}
MINE = ("admin.index", "admin.sessions.", "admin.participants.", "admin.terminals.", "admin.room.", "admin.audit.",
        "admin.users.")


def test_every_route_is_in_the_table(app):
    endpoints = {r.endpoint for r in app.url_map.iter_rules() if r.endpoint.startswith(MINE)}
    assert endpoints == set(EXPECTED)


@pytest.mark.parametrize("username", [None, "admin", "proctor_a", "chair_a", "member_a"])
def test_roles_walk(app, client, world, loaded_bank, login, username):
    with app.app_context():
        sid = make_session(world.room_a)
        pid = add_participant(sid, PIN1)
        tid = enrolled_terminal(world.room_a)
    ids = {"session_id": sid, "participant_id": pid, "terminal_id": tid, "user_id": world.users["member_a"]}
    if username:
        login(username)
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if rule.endpoint not in EXPECTED:
            continue
        url = re.sub(r"<(?:int:)?(\w+)>", lambda m: str(ids[m.group(1)]), rule.rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(url, method=method, data={})
            where = f"{username} {method} {url}"
            if username is None:
                assert response.status_code == 302 and "/admin/auth/login" in response.headers["Location"], where
            elif username in EXPECTED[rule.endpoint]:
                assert response.status_code != 403, where
                assert "/auth/login" not in response.headers.get("Location", ""), where
                assert response.status_code < 500, where
            else:
                assert response.status_code == 403, where
