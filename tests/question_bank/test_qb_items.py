"""Item schema: serialisation, digests, hashing, drawable versions; stats."""
from __future__ import annotations

import json

from question_bank.drawing import draw_form
from question_bank.items import Item, drawable_items
from question_bank.stats import item_statistics
from qb_factories import make_blueprint, make_item, make_pool


def test_to_dict_from_dict_and_digest():
    item = make_item("A-1", "CONST", key=("c",))
    d = item.to_dict()
    assert json.loads(json.dumps(d)) == d
    assert Item.from_dict(d) == item and Item.from_dict(d).digest() == item.digest()
    assert d["key"] == ["c"] and d["options"][0] == {"id": "a", "text": {"ky": "A-1 ky 0", "ru": "A-1 ru 0"}}
    assert len(item.digest()) == 64
    assert make_item("A-1", "CONST", key=("d",)).digest() != item.digest()


def test_content_digest_ignores_status():
    a = make_item("A-1", status="approved")
    b = make_item("A-1", status="retired")
    assert a.digest() != b.digest() and a.content_digest() == b.content_digest()


def test_items_are_hashable_and_immutable():
    item = make_item("A-1")
    assert item in {item}
    try:
        item.text["ky"] = "x"  # type: ignore[index]
    except TypeError:
        pass
    else:
        raise AssertionError("text must be read-only")
    assert item.ref == ("A-1", 1) and item.languages == ("ky", "ru")


def test_drawable_items_latest_version_if_approved():
    got = drawable_items([make_item("A", version=2), make_item("A", version=1),
                          make_item("B", version=1), make_item("B", version=2, status="draft")])
    assert {k: v.version for k, v in got.items()} == {"A": 2}


def test_item_statistics():
    pool = make_pool({"T": 3})
    items = {i.ref: i for i in pool}
    bp = make_blueprint([("s", [("T", 3, None)], None)], shuffle=False)
    form = draw_form(bp, pool, 5)
    results = [(form, {1: frozenset("a"), 2: frozenset("b")}), (form, {1: frozenset("a")}),
               (form, {})]
    stats = item_statistics(results, items)
    first = stats[form.slots[0].item_ref]
    assert (first.shown, first.answered, first.correct) == (3, 2, 2)
    assert first.p_value == "2/3" and first.p_permille == 667
    assert first.option_counts == {"a": 2}
    second = stats[form.slots[1].item_ref].to_dict()
    assert (second["correct"], second["p_permille"], second["option_counts"]) == (0, 0, {"b": 1})
