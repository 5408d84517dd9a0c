"""The demo bank passes the content checks: no key cue, no duplicated question, and always
choosing the longest option does not pass a demo form (issue 11: 104 cued keys were rewritten)."""
from __future__ import annotations

from pathlib import Path

from question_bank.blueprint_files import load_blueprints_located
from question_bank.drawing import draw_form
from question_bank.formats import load_bank
from question_bank.items import drawable_items
from question_bank.quality import duplicates, key_cue, longest_option_score

SAMPLES = Path(__file__).resolve().parents[2] / "question_bank" / "samples"


def test_demo_bank_has_no_cue_and_no_duplicate():
    bank = load_bank(SAMPLES / "demo")
    items = list(drawable_items(bank.items).values())
    assert [i.id for i in items if key_cue(i)] == []
    assert duplicates(items) == []
    by_ref = {i.ref: i for i in bank.items}
    for bp, _file, _line in load_blueprints_located(SAMPLES / "demo-blueprints" / "blueprints.yaml"):
        for seed in range(20):
            form = draw_form(bp, bank.items, seed)
            for lang in bp.languages:
                assert 2 * longest_option_score(form, by_ref, lang) < len(form.slots), (bp.code, seed, lang)

