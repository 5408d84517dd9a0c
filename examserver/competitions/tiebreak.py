"""The additional (tie-break) test of seed 003 §29.

Held within 2 days of the main test for the candidates sharing the highest
score, with at most one third of the main test's question count, drawn from
the same blueprint's topics in proportion (largest remainders), never
repeating an item the candidate already saw. The short blueprint is stored as
a blueprint of its own (``TB-<competition>``, threshold 0 %: its verdict is
never a failure and never starts a retake cooldown) behind an inactive
position, and the tied candidates are registered, admitted, in a new session
that offers only that test; proctors issue their codes as usual.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _

from question_bank.blueprint import Blueprint, Quota, Section, Threshold, check_fill

from examserver import clock
from examserver.db import db
from examserver.models import (Admission, Attempt, Competition, CompetitionSession, ExamBlueprint, Participant,
                               Position, Room, RuleSet, TieBreak, TieBreakEntry)
from examserver.bank import drawn
from examserver.bank.store import latest_items
from examserver.core import audit
from examserver.core.errors import Conflict, ServiceError
from examserver.competitions import announce, ranking
from examserver.competitions.seen import seen_item_ids
from examserver.registration.sessions import create_session

DAYS = 2


def max_questions(main: Blueprint) -> int:
    """At most one third of the main test's question count."""
    return main.question_count // 3


def derive_blueprint(main: Blueprint, count: int, code: str, version: int) -> Blueprint:
    """A short blueprint of ``count`` questions from ``main``'s quotas, in proportion.

    Each quota gets ``floor(count * quota / total)``; the questions left go to
    the largest remainders (earlier quotas first on equal remainders).
    """
    total = main.question_count
    flat = [(s_no, q) for s_no, s in enumerate(main.sections) for q in s.quotas]
    counts = [q.count * count // total for _s, q in flat]
    left = count - sum(counts)
    order = sorted(range(len(flat)), key=lambda i: (-(flat[i][1].count * count % total), i))
    for i in order[:left]:
        counts[i] += 1
    sections = []
    for s_no, section in enumerate(main.sections):
        quotas = [Quota(q.topic, counts[i]) for i, (sn, q) in enumerate(flat) if sn == s_no and counts[i] > 0]
        if quotas:
            sections.append(Section(section.code, section.title, tuple(quotas)))
    minutes = max(5, -(-main.duration_minutes * count // total))
    title = {lang: f"{text} (+)" for lang, text in main.title.items()}
    return Blueprint(code=code, version=version, group=main.group, title=title, duration_minutes=minutes,
                     languages=main.languages, shuffle_options=main.shuffle_options,
                     threshold=Threshold("percent", 0), sections=tuple(sections))


def due_on(competition: Competition) -> date:
    """The last day the additional test may be held (§29: within 2 days of the main test)."""
    return ranking.main_test_date(competition) + timedelta(days=DAYS)


def _store_blueprint(competition: Competition, blueprint_row: ExamBlueprint,
                     count: int) -> tuple[ExamBlueprint, Blueprint]:
    code = f"TB-{competition.code}"[:40]
    version = 1 + (db.session.scalar(sa.select(sa.func.max(ExamBlueprint.version)).where(
        ExamBlueprint.code == code)) or 0)
    short = derive_blueprint(Blueprint.from_dict(blueprint_row.payload), count, code, version)
    row = ExamBlueprint(code=code, version=version, group_code=short.group, payload=short.to_dict(),
                        digest=short.digest(), imported_at=clock.now())
    db.session.add(row)
    db.session.flush()
    # Derived by rule (§29) from an approved version, threshold 0 %: approved by the system, saying from what.
    drawn.record_approval(row, audit.Actor.system(), f"derived from {blueprint_row.code} v{blueprint_row.version}",
                          audited=False)   # competition.tiebreak's entry names the blueprint and version
    return row, short


def _position(competition: Competition, blueprint_code: str) -> Position:
    code = f"TB-{competition.code}"[:40]
    position = db.session.scalar(sa.select(Position).where(Position.code == code))
    main = competition.position
    if position is None:
        position = Position(code=code, title=dict(main.title), department=dict(main.department),
                            group_code=main.group_code, blueprint_code=blueprint_code, active=False,
                            updated_at=clock.now())
        db.session.add(position)
        db.session.flush()
    return position


def schedule(competition: Competition, room: Room, session_date: date, starts_at: datetime, count: int | None,
             actor: audit.Actor, start_window_minutes: int = 60) -> TieBreak:
    """Schedule the additional test for the candidates tied at the top."""
    announce.lock(competition)
    if competition.rule_set != RuleSet.EDUCATION:
        raise Conflict(_("Only the education-leader rules have an additional test."), "not_education")
    people, result = ranking.outcome(competition)
    if result.status != "tie_break_needed":
        raise Conflict(_("No additional test is needed now."), "no_tie")
    if room.centre_id != competition.centre_id:
        raise ServiceError(_("This room belongs to another testing centre."), "wrong_centre")
    main_date = ranking.main_test_date(competition)
    if not main_date <= session_date <= due_on(competition):
        raise ServiceError(_("The additional test must be held within %(n)s days of the main test "
                             "(from %(first)s to %(last)s).", n=DAYS, first=main_date.isoformat(),
                             last=due_on(competition).isoformat()), "tiebreak_date")
    main_row = drawn.drawn_blueprint(competition.position.blueprint_code)  # the newest approved version
    if main_row is None:
        raise drawn.refusal(competition.position.blueprint_code, competition.position.code)
    main = Blueprint.from_dict(main_row.payload)
    limit = max_questions(main)
    count = limit if count is None else count
    if not 1 <= count <= limit:
        raise ServiceError(_("The additional test may have 1 to %(n)s questions (one third of the main test's "
                             "%(total)s).", n=limit, total=main.question_count), "tiebreak_count")
    row, short = _store_blueprint(competition, main_row, count)
    tied = [a for a in people if a.participant.id in result.tied]
    pool = latest_items(short.demand())
    seen = {a.participant.id: sorted(seen_item_ids(a.participant.pin)) for a in tied}
    for a in tied:
        short_of = check_fill(short, [i for i in pool if i.id not in set(seen[a.participant.id])])
        if short_of:
            raise ServiceError(_("The bank has too few unseen questions for %(name)s: %(problems)s",
                                 name=a.participant.full_name, problems="; ".join(short_of)), "tiebreak_fill")
    session = create_session(room, _("Additional test: %(title)s", title=competition.title)[:200], session_date,
                             starts_at, start_window_minutes, actor, blueprint_codes=[short.code])
    db.session.add(CompetitionSession(competition_id=competition.id, session_id=session.id, purpose="tiebreak",
                                      linked_at=clock.now()))
    position = _position(competition, short.code)
    tiebreak = TieBreak(competition_id=competition.id, session_id=session.id, blueprint_id=row.id,
                        main_question_count=main.question_count, question_count=count, due_on=due_on(competition),
                        scheduled_at=clock.now(), scheduled_by_id=actor.id if actor.kind == "user" else None)
    db.session.add(tiebreak)
    db.session.flush()
    for a in tied:
        p = a.participant
        twin = Participant(session_id=session.id, surname=p.surname, name=p.name, patronymic=p.patronymic,
                           pin=p.pin, id_document=p.id_document, position_id=position.id, language=p.language,
                           competition=competition.code, admission=Admission.ADMITTED,
                           admission_reason="", seat="", created_at=clock.now())
        db.session.add(twin)
        db.session.flush()
        db.session.add(TieBreakEntry(tiebreak_id=tiebreak.id, main_participant_id=p.id, participant_id=twin.id,
                                     seen_items=seen[p.id]))
    db.session.flush()
    audit.record("competition.tiebreak", competition, actor=actor, centre_id=competition.centre_id,
                 session=session.id, questions=count, blueprint=short.code, version=short.version,
                 candidates=[a.participant.id for a in tied], date=session_date.isoformat())
    return tiebreak


def attempts_of(tiebreak: TieBreak) -> dict[int, Attempt]:
    """Tie-break attempts by main participant id."""
    out = {}
    for entry in tiebreak.entries:
        attempt = db.session.scalar(sa.select(Attempt).where(Attempt.participant_id == entry.participant_id))
        if attempt is not None:
            out[entry.main_participant_id] = attempt
    return out
