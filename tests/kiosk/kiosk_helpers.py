"""Helpers of the kiosk tests: a centre with a room and an open session, an
enrolled terminal whose secret the test client holds, and participants with
access codes (rows made here, codes issued by ``codes.issue_code``)."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass

import sqlalchemy as sa

from examserver import clock as clock_mod
from examserver.db import db
from examserver.models import Admission, Participant, Position, Room, Terminal
from examserver.exam import codes
from examserver.exam import terminals
from examserver.core.audit import Actor
from tests.factories import make_centre, make_open_session, make_room


@dataclass
class KioskWorld:
    """Ids of what ``kworld`` made (safe across requests and app contexts)."""

    centre: int
    room: int
    session: int
    terminal: int
    secret: str


def make_world() -> KioskWorld:
    """Centre, room, open session and one enrolled terminal (inside an app context)."""
    centre = make_centre(ky="Бишкек борбору", ru="Бишкекский центр")
    room = make_room(centre)
    session = make_open_session(centre, room)
    terminal, secret = enrol_terminal(room)
    return KioskWorld(centre.id, room.id, session.id, terminal.id, secret)


def enrol_terminal(room: Room, seat: str = "A-01") -> tuple[Terminal, str]:
    """A terminal that asked to pair and was enrolled by a proctor (service calls)."""
    terminal, secret = terminals.register_pending("pytest")
    terminals.enrol(terminal.pairing_code, room, seat, Actor("user", None, "proctor", room.centre_id))
    return terminal, secret


def add_candidate(session_id: int, pin: str, surname: str = "Асанова") -> tuple[Participant, str]:
    """An admitted participant of the test position, with a fresh access code."""
    position = db.session.scalar(sa.select(Position).where(Position.code == "TEST-POS-1"))
    participant = Participant(session_id=session_id, surname=surname, name="Гүлнара", patronymic="Өмүрбековна",
                              pin=pin, id_document="AN" + pin[-7:], position_id=position.id,
                              admission=Admission.ADMITTED, created_at=clock_mod.now())
    db.session.add(participant)
    db.session.flush()
    code = codes.issue_code(participant, Actor("user", None, "proctor"))
    return participant, code


def start_exam(client, code: str, language: str = "ky") -> dict:
    """Code → language → start, through the kiosk pages; returns the full state."""
    r = client.post("/kiosk/code", data={"code": code})
    assert r.status_code == 303 and r.headers["Location"].endswith("/kiosk/confirm"), r.headers.get("Location")
    r = client.post("/kiosk/confirm", data={"language": language})
    assert r.status_code == 303
    r = client.post("/kiosk/instructions")
    assert r.status_code == 303 and r.headers["Location"].endswith("/kiosk/exam")
    r = client.get("/kiosk/api/state?full=1")
    assert r.status_code == 200, r.get_json()
    return r.get_json()


EXAM_STATE_RE = re.compile(r'<script type="application/json" id="exam-state">(.*?)</script>', re.S)


def page_state(page: str) -> dict:
    """The exam's full state the exam page carries for kiosk.js (issue 15, B1)."""
    match = EXAM_STATE_RE.search(page)
    assert match, page[:300]
    return json.loads(match.group(1))


def open_exam(client, code: str, language: str = "ky") -> tuple[str, dict]:
    """Code → language → start → the exam page, as a browser follows the 303s:
    ``(page, the state it carries)``; no request to the state endpoint."""
    r = client.post("/kiosk/code", data={"code": code})
    assert r.status_code == 303 and r.headers["Location"].endswith("/kiosk/confirm"), r.headers.get("Location")
    assert client.post("/kiosk/confirm", data={"language": language}).status_code == 303
    r = client.post("/kiosk/instructions")
    assert r.status_code == 303 and r.headers["Location"].endswith("/kiosk/exam")
    r = client.get("/kiosk/exam")
    assert r.status_code == 200
    page = r.get_data(as_text=True)
    return page, page_state(page)


def answer(client, seq: int, slot: int, selected: list[str], how: str = "click"):
    return client.post("/kiosk/api/events", json={"seq": seq, "kind": "answer", "client_time": "t",
                                                  "payload": {"slot": slot, "selected": selected, "input": how}})
