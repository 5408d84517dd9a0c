"""Demo competitions for ``examserver demo``: one under each rule set, whose
candidates already sat the test today (in a session of room 102, now closed).

* ``DEMO-EDU`` (education-leader rules, position SC-LEAD-03): three candidates
  share the highest score (the console offers the additional test, within
  2 days), two more reach the threshold (the reserve), one has a higher total
  than one of them but misses a section minimum and one is below: neither
  enters the reserve.
* ``DEMO-MUN`` (municipal rules, position SC-CRIM-02): three reach 50 % and
  wait for the interview vote; two of them have 75 % (internal reserve if not
  appointed); one is below 50 %.

The answers are recorded through the attempt service on a terminal enrolled
for the purpose and revoked afterwards, so every score, journal and testing
protocol is genuine.
"""
from __future__ import annotations

import secrets
from datetime import timedelta

import sqlalchemy as sa

from examserver import clock
from examserver.db import db
from examserver.models import Centre, Competition, FinishReason, Position, Room, Terminal, TerminalState
from examserver.core import audit

# (surname, name, patronymic, pin, language, correct in basic, correct in subject)
EDU_PEOPLE = [
    ("Абдыраева", "Айнура", "Бакытовна", "12003198500101", "ky", 25, 25),
    ("Бакиев", "Нурбек", "Асанович", "20504198700102", "ru", 25, 25),
    ("Волкова", "Елена", "Игоревна", "11506199000103", "ru", 24, 26),
    ("Жумалиев", "Таалай", "Кубатович", "21007198800104", "ky", 22, 22),
    ("Курманова", "Динара", "Эсенбековна", "12508199100105", "ky", 20, 16),
    ("Леонов", "Артём", "Сергеевич", "20109198600106", "ru", 30, 8),
    ("Мамытов", "Эрмек", "Токтобекович", "21210198900107", "ky", 10, 10),
]
MUN_PEOPLE = [
    ("Назарова", "Жибек", "Алмазбековна", "10311199200108", "ky", 28, 27),
    ("Орозов", "Бекболот", "Тилекович", "21412198400109", "ky", 24, 22),
    ("Петрова", "Ирина", "Викторовна", "12001199300110", "ru", 18, 16),
    ("Рахманов", "Улан", "Жолдошевич", "20602198500111", "ky", 14, 12),
]


def _answer(attempt, basic: int, subject: int) -> None:
    from examserver.exam import attempts

    items = attempts.items_of(attempt)
    left = {"basic": basic, "subject": subject}
    for slot in attempts.form_of(attempt).slots:
        item = items[slot.item_ref]
        if left.get(slot.section, 0) > 0:
            left[slot.section] -= 1
            chosen = sorted(item.key)
        else:
            chosen = [next(o for o in slot.option_order if o not in item.key)]
        attempts.record_event(attempt, attempt.last_seq + 1, "answer",
                              {"slot": slot.index, "selected": chosen, "input": "click"}, "")
    attempts.finish_attempt(attempt, FinishReason.SUBMITTED)


def _sitting(centre: Centre, room: Room, groups, actor: audit.Actor):
    """One sitting today for every demo competition: ``groups`` are ``(code, position, people)``."""
    from examserver.exam import attempts
    from examserver.registration import participants as registration
    from examserver.registration import sessions

    now = clock.now()
    session = sessions.create_session(room, "Конкурстар / Конкурсы (демо)", clock.to_local(now).date(),
                                      now - timedelta(minutes=1), 8 * 60, actor=actor)
    sessions.open_session(session, actor=actor)
    terminal = Terminal(secret_hash=secrets.token_hex(32), state=TerminalState.ENROLLED, centre_id=centre.id,
                        room_id=room.id, seat="DEMO", created_at=now, enrolled_at=now)
    db.session.add(terminal)
    db.session.flush()
    for code, position, people in groups:
        for surname, name, patronymic, pin, lang, basic, subject in people:
            participant = registration.register_participant(session, {
                "surname": surname, "name": name, "patronymic": patronymic, "pin": pin,
                "id_document": "ID" + pin[-7:], "position": position.code, "language": lang, "competition": code},
                actor=actor)
            registration.set_admission(participant, admitted=True, reason="", actor=actor)
            _answer(attempts.start_attempt(participant, terminal, lang), basic, subject)
    terminal.state = TerminalState.REVOKED   # only used to record the demo answers
    sessions.close_session(session, actor, reason="demo sitting recorded")
    return session


def load_demo_competitions(centre: Centre, actor: audit.Actor) -> list[str]:
    """Create the two demo competitions once; returns lines for the demo summary."""
    from examserver.competitions import announce

    if db.session.scalar(sa.select(Competition.id).where(Competition.code == "DEMO-EDU")) is not None:
        return []
    room = db.session.scalar(sa.select(Room).where(Room.centre_id == centre.id).order_by(Room.name.desc()))
    today = clock.to_local(clock.now()).date()
    lines = ["", "Demo competitions (console, as admin: Competitions):"]
    made = []
    for code, rules, position_code, people, title in (
            ("DEMO-EDU", "education", "SC-LEAD-03", EDU_PEOPLE, "Аппараттын жетекчисинин орун басары (демо)"),
            ("DEMO-MUN", "municipal", "SC-CRIM-02", MUN_PEOPLE, "Муниципалдык кызмат орду (демо)")):
        position = db.session.scalar(sa.select(Position).where(Position.code == position_code))
        if position is not None:
            comp = announce.announce(centre, position, code, title, rules, today - timedelta(days=7), today, actor)
            made.append((comp, position, people))
    if not made:
        return []
    session = _sitting(centre, room, [(c.code, p, people) for c, p, people in made], actor)
    for comp, _position, people in made:
        announce.link_session(comp, session, actor, reason="demo")
        lines.append(f"  {comp.code} ({comp.rule_set.value}): {len(people)} candidates tested in session #{session.id}")
    return lines
