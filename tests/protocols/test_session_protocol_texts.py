"""The session protocol lists real incidents only, in words, in the protocol's
language, with names and seats but no internal ids; records signed before
(every staff audit entry as an English code) still render and verify."""
from __future__ import annotations

import json
import re
import subprocess

import pytest
import sqlalchemy as sa

from examserver.core import accounts
from examserver.core.audit import Actor
from examserver.db import db
from examserver.exam import attempts, codes, terminals, timer
from examserver.models import Centre, FinishReason, ProtocolKind, Role
from examserver.protocols import issuing as protocols
from examserver.protocols import verify
from examserver.registration import participants as registration
from examserver.registration import sessions
from tests.factories import make_admitted_candidate, make_centre, make_open_session, make_room

# Latin words allowed in a Kyrgyz or Russian protocol: the centre code, UTC,
# SHA-256 in the footer, and the participants' group codes are Cyrillic anyway.
ALLOWED_LATIN = {"BISH", "UTC", "SHA"}


def _pdftotext(data: bytes, tmp_path) -> str:
    path = tmp_path / "p.pdf"
    path.write_bytes(data)
    text = subprocess.run(["/usr/bin/pdftotext", "-layout", str(path), "-"], check=True,
                          capture_output=True).stdout.decode("utf-8")
    return " ".join(text.split())


def _latin_words(text: str) -> set[str]:
    """Latin words of 3+ letters that are not hex digests or allowed codes."""
    words = set(re.findall(r"[A-Za-z][A-Za-z_.:]{2,}", text))
    return {w for w in words if w.strip(".:") not in ALLOWED_LATIN and not re.fullmatch(r"[0-9a-f.…]+", w)}


@pytest.fixture
def eventful_session(loaded_bank, ctx, clock):
    """A session run through the services with every kind of event: registrations,
    admissions, first codes (not incidents), and a re-issued code, extra time,
    a move to another seat, a terminal locked and unlocked, a no-show and a
    closing while a test still runs (incidents)."""
    centre = make_centre()
    room = make_room(centre)
    proctor = accounts.create_user("proctor1", "correct horse battery", Role.PROCTOR, "Токтогулов Бакыт", centre)
    actor = Actor.for_user(proctor)
    session = make_open_session(centre, room, proctor_id=proctor.id, title="Конкурс 2026-11")
    t1, _s1 = terminals.register_pending("pytest")
    terminals.enrol(t1.pairing_code, room, "А-01", actor)
    t2, _s2 = terminals.register_pending("pytest")
    terminals.enrol(t2.pairing_code, room, "А-02", actor)
    first, _c1 = make_admitted_candidate(session, actor, pin="21505199012345", surname="Асанова")
    second, _c2 = make_admitted_candidate(session, actor, pin="10102200000017", surname="Өмүрбеков",
                                          name="Үмүт", patronymic="")
    absent, _c3 = make_admitted_candidate(session, actor, pin="20101199000123", surname="Келбеген",
                                          name="Адам", patronymic="")
    clock.advance(minutes=2)
    codes.issue_code(second, actor)  # re-issued: an incident
    a1 = attempts.start_attempt(first, t1, "ky")
    clock.advance(minutes=5)
    timer.extend(a1, 5, "Электр жарыгы өчтү", actor)
    clock.advance(minutes=1)
    timer.move_attempt(a1, t2, "Терминал бузулду", actor)
    terminals.lock(t1)
    clock.advance(minutes=1)
    terminals.unlock(t1, actor, "Текшерилди")
    a2 = attempts.start_attempt(second, t1, "ru")
    registration.mark_no_show(absent, "Келген жок", actor)
    clock.advance(minutes=10)
    attempts.finish_attempt(a1, FinishReason.SUBMITTED)
    assert sessions.close_session(session, actor, "Убакыт бүттү") is None  # a2 still runs
    clock.advance(minutes=1)
    attempts.finish_attempt(a2, FinishReason.CLOSED)
    proto = protocols.create_session_protocol_if_complete(session)
    assert proto is not None
    return proto


def test_only_real_incidents_and_no_internal_ids(eventful_session):
    record = json.loads(eventful_session.record)
    events = [i["event"] for i in record["incidents"]]
    assert sorted(events) == sorted(["code_reissue", "extension", "move", "lock", "unlock", "no_show",
                                     "closed_early"])
    assert all(i["type"] == "event" for i in record["incidents"])
    text = json.dumps(record["incidents"], ensure_ascii=False)
    assert "exam_session" not in text and "participant:" not in text and "proctor1" not in text
    move = next(i for i in record["incidents"] if i["event"] == "move")
    assert (move["seat"], move["to_seat"], move["by"]) == ("А-01", "А-02", "Токтогулов Бакыт")
    assert move["candidate"] == {"full_name": "Асанова Гүлнара Өмүрбековна", "pin": "21505199012345"}


@pytest.mark.parametrize("lang, words", [
    ("ky", ["А-02 орун: кошумча убакыт 5 мин 0 с", "тест А-01 орундан А-02 орунга көчүрүлдү",
            "жаңы кирүү коду берилди", "келген жок деп белгиленди",
            "А-01 орундагы терминал туура эмес кирүү коддорунан кийин бөгөттөлдү", "бөгөттөн чыгарылды",
            "Сессия 1 тест али бүтө электе жабылды", "себеби: Электр жарыгы өчтү", "аткарган: Токтогулов Бакыт"]),
    ("ru", ["место А-02: дополнительное время 5 мин 0 с", "тест перенесён с места А-01 на место А-02",
            "выдан новый код доступа", "отмечена неявка", "Терминал на месте А-01 заблокирован после неверных кодов",
            "разблокирован", "незавершённых: 1", "причина: Электр жарыгы өчтү", "выполнил(а): Токтогулов Бакыт"]),
])
def test_session_pdf_prints_incidents_in_words(eventful_session, tmp_path, lang, words):
    text = _pdftotext(protocols.render_pdf(eventful_session, lang), tmp_path)
    for expected in words:
        assert expected in text, expected
    assert "Асанова Гүлнара Өмүрбековна (21505199012345)" in text
    assert "Токтогулов Бакыт" in text
    assert not _latin_words(text), _latin_words(text)
    # Registrations and first codes are not incidents.
    incidents = text.split("Окуялар" if lang == "ky" else "Инциденты", 1)[1]
    assert incidents.count("Келбеген Адам") == 1  # the no-show, not the registration


def _version_1_record(record: dict, session_id: int, participant_id: int) -> dict:
    """The same record as a version-1 session protocol would have held it."""
    old = dict(record)
    old["incidents"] = [
        {"type": "intervention", "action": "session.create", "object": f"exam_session:{session_id}",
         "at": record["issued_at"], "by": "proctor1", "reason": ""},
        {"type": "intervention", "action": "participant.register", "object": f"participant:{participant_id}",
         "at": record["issued_at"], "by": "proctor1", "reason": ""},
        {"type": "time_adjustment", "pin": "21505199012345", "kind": "extension", "seconds": 300,
         "reason": "Электр жарыгы өчтү", "at": record["issued_at"], "ended_at": None,
         "by": {"username": "proctor1", "full_name": "Токтогулов Бакыт"}},
        {"type": "intervention", "action": "attempt.move", "object": "attempt:1",
         "at": record["issued_at"], "by": "proctor1", "reason": "Терминал бузулду"},
    ]
    return old


def test_version_1_record_still_renders_and_verifies(eventful_session, tmp_path):
    record = json.loads(eventful_session.record)
    session_id = eventful_session.session_id
    participant_id = db.session.scalar(sa.text("SELECT min(id) FROM participant"))
    centre = db.session.get(Centre, eventful_session.centre_id)
    old = protocols.issue_protocol(ProtocolKind.SESSION, centre,
                                   lambda number, issued_at: dict(_version_1_record(record, session_id,
                                                                                    participant_id),
                                                                  number=number),
                                   session_id=session_id)
    pdf = protocols.render_pdf(old, "ru")
    text = _pdftotext(pdf, tmp_path)
    assert "21505199012345: дополнительное время 5 мин 0 с" in text
    assert "Тест перенесён на другой терминал" in text
    assert "session.create" not in text and "participant:" not in text and "exam_session" not in text
    # Version-1 records signed the staff member's login name; it is printed as signed.
    assert _latin_words(text) <= {"proctor"}, _latin_words(text)
    report = verify.verify_pdf_bytes(pdf, verify.trusted_keys())
    assert report.ok, report
