"""Demo data for ``examserver demo`` / ``make demo``.

Loads the demo banks and blueprints shipped in ``question_bank/samples``, a
testing centre with two rooms, one account per role, and an open session with
admitted participants whose access codes are printed once.
"""
from __future__ import annotations


from pathlib import Path
from typing import Callable

import sqlalchemy as sa

from examserver import clock
from examserver.db import db
from examserver.models import Centre, ExamSession, Position, Role, Room, User
from examserver.core import audit
from examserver.core.accounts import create_user
from examserver.bank.importing import LOADER_NOTE, import_bank
from examserver.bank.store import import_blueprints

SAMPLES = Path(__file__).resolve().parent.parent / "question_bank" / "samples"
DEMO_BANK = SAMPLES / "demo"
DEMO_BLUEPRINTS = SAMPLES / "demo-blueprints"
DEMO_PASSWORD = "demo-pass-2026"
DEMO_ACCOUNTS = [
    ("admin", Role.ADMIN, "Айгүл Сыдыкова"),
    ("proctor", Role.PROCTOR, "Нурлан Асанов"),
    ("chair", Role.CHAIR, "Бакыт Токтосунов"),
    ("member1", Role.MEMBER, "Жылдыз Осмонова"),
    ("member2", Role.MEMBER, "Эрлан Маматов"),
]
DEMO_PEOPLE = [
    ("Абдыкадыров", "Темир", "Жумабекович", "21203199000011"),
    ("Бейшеналиева", "Айпери", "Кубанычбековна", "12405199500022"),
    ("Жээнбеков", "Үмөт", "Сагынбаевич", "20107198800033"),
    ("Исакова", "Нуриза", "Төлөгөновна", "11511199200044"),
    ("Кадыров", "Элдияр", "Маратович", "22002199700055"),
    ("Мамбетова", "Гүлнара", "Өмүрбековна", "12708198600066"),
    ("Осмонов", "Бекжан", "Ырысбекович", "20303199300077"),
    ("Сатыбалдиева", "Чолпон", "Ниязбековна", "10909199100088"),
    ("Токтогулов", "Азамат", "Эркинович", "21212198900099"),
    ("Шаршеева", "Мээрим", "Айбековна", "12101199600010"),
]


def load_demo(progress: Callable[[str], Callable[[int, int], None]] | None = None,
              base_url: str = "http://127.0.0.1:8000") -> str:
    """Load everything the demo needs (idempotent for banks/blueprints) and
    return the text to print: URLs, logins and the access codes."""
    actor = audit.Actor.cli("demo")
    # Demo items come in approved by the system; the review history says no person reviewed them.
    import_bank(DEMO_BANK, actor, approver=audit.Actor.system(), note=LOADER_NOTE,
                progress=progress("demo items") if progress else None)
    import_blueprints(DEMO_BLUEPRINTS, actor, approver=audit.Actor.system(), note=LOADER_NOTE)  # drawn at once
    centre = db.session.scalar(sa.select(Centre).where(Centre.code == "BISH"))
    if centre is None:
        centre = Centre(code="BISH", name={"ky": "Бишкек тестирлөө борбору", "ru": "Бишкекский центр тестирования",
                                           "en": "Bishkek testing centre"}, address="Бишкек, Чүй пр. 106")
        db.session.add(centre)
        db.session.flush()
        db.session.add_all([Room(centre_id=centre.id, name="101", seats=30), Room(centre_id=centre.id, name="102", seats=20)])
        db.session.flush()
    for username, role, name in DEMO_ACCOUNTS:
        if db.session.scalar(sa.select(User.id).where(User.username == username)) is None:
            create_user(username, DEMO_PASSWORD, role, name, None if role == Role.ADMIN else centre, actor=actor)
    _demo_commission(centre, actor)
    room = db.session.scalar(sa.select(Room).where(Room.centre_id == centre.id).order_by(Room.name))
    session, codes = _demo_session(centre, room, actor)
    from examserver.competitions.demo import load_demo_competitions  # the competitions feature's demo data

    return _summary(session, codes, base_url) + "\n".join(load_demo_competitions(centre, actor))


def _demo_commission(centre: Centre, actor: audit.Actor) -> None:
    """The centre's technical commission: the chair and both demo members."""
    from examserver.models import Commission
    from examserver.appeals import commissions

    if db.session.scalar(sa.select(Commission.id).where(Commission.centre_id == centre.id)) is not None:
        return
    accounts = {u.username: u for u in db.session.scalars(
        sa.select(User).where(User.username.in_(["chair", "member1", "member2"])))}
    commissions.create_commission(centre, "Техникалык комиссия / Техническая комиссия", accounts["chair"],
                                  [accounts["member1"], accounts["member2"]], actor)


def _demo_session(centre: Centre, room: Room, actor: audit.Actor):
    """An open session today with admitted participants and fresh codes."""
    from examserver.exam import codes as code_service
    from examserver.registration import participants as registration
    from examserver.registration import sessions

    proctor = db.session.scalar(sa.select(User).where(User.username == "proctor"))
    now = clock.now()
    session = sessions.create_session(room, "Демо / Demo", clock.to_local(now).date(), now, 8 * 60,
                                      actor=actor, proctor=proctor)
    sessions.open_session(session, actor=actor)
    positions = list(db.session.scalars(sa.select(Position).order_by(Position.code)))
    issued = []
    for index, (surname, name, patronymic, pin) in enumerate(DEMO_PEOPLE):
        position = positions[(index * 7) % len(positions)]
        participant = registration.register_participant(session, {
            "surname": surname, "name": name, "patronymic": patronymic, "pin": pin,
            "id_document": f"ID{2400000 + index}", "position": position.code,
            "language": "ky" if index % 2 == 0 else "ru", "seat": str(index + 1), "competition": "",
        }, actor=actor)
        registration.set_admission(participant, admitted=True, reason="", actor=actor)
        issued.append((participant, code_service.issue_code(participant, actor)))
    return session, issued


def _summary(session: ExamSession, issued, base: str) -> str:
    from examserver.exam.codes import format_code

    lines = [
        "",
        "examserver demo is ready.",
        f"  kiosk (candidate terminal): {base}/kiosk",
        f"  admin console:              {base}/admin",
        "",
        f"Accounts (password for all: {DEMO_PASSWORD}):",
    ]
    lines += [f"  {username:8} {role.value}" for username, role, _ in DEMO_ACCOUNTS]
    lines += ["", f"Open session #{session.id} '{session.title}', access codes (shown once):"]
    for participant, code in issued:
        lines.append(f"  seat {participant.seat:>2}  {format_code(code)}  {participant.full_name} "
                     f"({participant.position.group_code}, {participant.language})")
    lines += ["", "A terminal must be enrolled first: open the kiosk URL, then confirm its pairing code",
              "in the console under Terminals (as proctor).", ""]

    return "\n".join(lines)
