"""A batch of code issues (the console's slips PDF) reads the bank's latest items
once: each issue draws a form, and the latest items read under one bank stamp
are kept per process (``bank.store.latest_items``); a write to the bank (a new
stamp) makes the next draw read them again, and a retired item is never drawn."""
from __future__ import annotations

import sqlalchemy as sa

from question_bank.drawing import Form

from examserver.core.audit import Actor
from examserver.db import db
from examserver.exam import codes
from examserver.models import BankItem, Participant, PredrawnForm
from tests.kiosk.kiosk_helpers import add_candidate

PROCTOR = Actor("user", None, "proctor")


def _latest_reads(statements) -> int:
    """Statements that read the latest items of a blueprint's topics (the draw's bank read)."""
    return sum(1 for s in statements.sql() if "bank_item" in s and "topic_code IN" in s)


def _issue_all(ids, statements) -> int:
    statements.statements.clear()
    statements.recording = True
    for participant in db.session.scalars(sa.select(Participant).where(Participant.id.in_(ids))):
        codes.issue_code(participant, PROCTOR)
    db.session.commit()
    statements.recording = False
    return _latest_reads(statements)


def _form_items(ids) -> set[str]:
    return {item_id for form in db.session.scalars(sa.select(PredrawnForm.form)
                                                   .where(PredrawnForm.participant_id.in_(ids)))
            for item_id, _version in Form.from_dict(form).item_refs()}


def test_a_batch_of_issues_reads_the_bank_once_until_the_bank_changes(loaded_bank, kworld, statements):
    with loaded_bank.app_context():
        statements.recording = True  # registered and given a code (a draw) one after another
        ids = [add_candidate(kworld.session, f"2123456789{n:04d}")[0].id for n in range(6)]
        db.session.commit()
        statements.recording = False
        assert _latest_reads(statements) == 1
        assert _issue_all(ids, statements) == 0  # new codes under the same stamp: the kept rows
        # A write to the bank: the next issue reads again, and an item retired meanwhile is never drawn.
        drawn = sorted(_form_items(ids))
        retired = drawn[0]
        db.session.execute(sa.update(BankItem).where(BankItem.item_id == retired).values(status="retired"))
        db.session.commit()
        assert _issue_all(ids, statements) == 1
        assert retired not in _form_items(ids)
