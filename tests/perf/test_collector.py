"""The cyclic garbage collector kept off the hot path (issue 15, B4 stalls), pinned without timings.

A full collection stops every thread of a worker while it walks every
tracked object. Two things keep that walk short: the preloaded app is moved
to the permanent generation before gunicorn forks its workers, and the
frozen forms a worker keeps (``exam/kept_forms``) hold tuples, which the
collector stops tracking.
"""
from __future__ import annotations

import gc

import pytest
from kiosk_helpers import answer, start_exam

from examserver import gunicorn_conf
from examserver.exam import kept_forms, saving


@pytest.fixture
def exam(kclient, candidate):
    return start_exam(kclient, candidate[1])


def test_the_master_freezes_what_it_built_before_each_fork():
    gc.unfreeze()
    try:
        assert gc.get_freeze_count() == 0
        gunicorn_conf.pre_fork(server=None, worker=None)
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()


def test_a_kept_form_is_not_walked_by_the_collector(kclient, exam):
    kept_forms._FORMS.clear()
    saving._SEEN.clear()  # the save reads its snapshot, and with it the form
    option = exam["questions"][0]["options"][0]["id"]
    assert answer(kclient, 1, 1, [option]).status_code == 200
    assert len(kept_forms._FORMS) == 1
    form = next(iter(kept_forms._FORMS.values()))
    gc.collect()
    slots = form["slots"]
    assert isinstance(slots, tuple) and len(slots) == len(exam["questions"])
    # Every slot (and its option order) left the collector: only the form and its
    # slot tuple stay tracked, two objects instead of about two per question.
    assert not any(gc.is_tracked(slot) for slot in slots)
    assert not any(gc.is_tracked(slot["option_order"]) for slot in slots)
