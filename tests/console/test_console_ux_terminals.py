"""One terminal per seat: enrolling a browser at a seat retires the terminal
that held it (audited, with the reason in words), so the terminal list, the
room view and the move list never show two terminals for one seat."""
from __future__ import annotations

import sqlalchemy as sa

from examserver.db import db
from examserver.models import AuditEntry, Terminal, TerminalState

from .conftest import enrolled_terminal


def test_enrolling_at_a_taken_seat_retires_the_old_terminal(app, client, world, login):
    with app.app_context():
        old = enrolled_terminal(world.room_a, "5")
        other_seat = enrolled_terminal(world.room_a, "6")
        other_room = enrolled_terminal(world.room_b, "5")
    login("proctor_a")
    with app.app_context():
        from examserver.exam import terminals

        pending, _secret = terminals.register_pending("pytest")
        db.session.commit()
        code = pending.pairing_code
    response = client.post("/admin/terminals/enrol", data={"pairing_code": code, "room_id": world.room_a, "seat": "5"})
    assert response.status_code in (302, 303)
    with app.app_context():
        states = {t.id: t.state for t in db.session.scalars(sa.select(Terminal))}
        new = db.session.scalar(sa.select(Terminal.id).where(Terminal.seat == "5", Terminal.room_id == world.room_a,
                                                             Terminal.state == TerminalState.ENROLLED))
        assert states[old] == TerminalState.REVOKED
        assert states[other_seat] == TerminalState.ENROLLED and states[other_room] == TerminalState.ENROLLED
        entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "terminal.revoke",
                                                              AuditEntry.object_id == str(old)))
        assert entry is not None and str(new) in entry.reason and entry.actor_name == "proctor_a"
    listed = client.get("/admin/terminals/?room=%d&state=enrolled" % world.room_a).get_data(as_text=True)
    assert listed.split('<table id="terminals">')[1].count("data-terminal=") == 2
