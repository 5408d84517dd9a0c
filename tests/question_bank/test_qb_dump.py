"""dump_bank writes native YAML that load_bank reads back equal."""
from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from question_bank.formats import dump_bank, load_bank
from question_bank.items import Bank, BankMeta, Item, Option, Topic
from question_bank.text import text_problem

# Printable text incl. Cyrillic, quotes, colons and YAML-ish words ("yes", "1.0"),
# minus what the loader refuses on purpose ("?" before a letter: cp1251 damage).
TEXT = st.one_of(
    st.text(st.characters(categories=("L", "N", "P", "S", "Zs")), min_size=1, max_size=10)
    .filter(lambda t: t.strip() and text_problem(t) is None),
    st.sampled_from(["yes", "no", "1.0", "0123", "null", "~", "- a", "a: b", "#x", "'q'", "2024-01-01"]),
)


@st.composite
def items(draw, topics):
    n = draw(st.integers(2, 5))
    ids = "abcdefgh"[:n]
    qtype = draw(st.sampled_from(["single", "multiple"]))
    key = {draw(st.sampled_from(ids))} if qtype == "single" else \
        draw(st.sets(st.sampled_from(ids), min_size=1))
    return Item(
        id=draw(st.from_regex(r"[A-Z0-9][A-Z0-9_-]{0,10}", fullmatch=True)),
        version=draw(st.integers(1, 1000)), topic=draw(st.sampled_from(topics)), type=qtype,
        text={"ky": draw(TEXT), "ru": draw(TEXT)},
        options=tuple(Option(i, {"ky": draw(TEXT), "ru": draw(TEXT)}) for i in ids),
        key=frozenset(key), points=draw(st.integers(1, 5)), difficulty=draw(st.integers(1, 5)),
        status=draw(st.sampled_from(["draft", "approved", "retired"])),
        source=draw(st.one_of(st.just(""), TEXT)))


@st.composite
def banks(draw):
    topics = {c: Topic(c, "basic", {"ky": draw(TEXT), "ru": draw(TEXT)}) for c in ("CONST", "LAB")}
    its = draw(st.lists(items(list(topics)), max_size=3, unique_by=lambda i: i.id))
    meta = BankMeta("demo-bank", {"ky": draw(TEXT), "ru": draw(TEXT)}, draw(st.booleans()), ("ky", "ru"))
    return Bank(meta, topics, its)


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(bank=banks())
def test_round_trip(tmp_path, bank):
    path = tmp_path / "out.yaml"
    path.write_text(dump_bank(bank), encoding="utf-8")
    back = load_bank(path)
    assert back.meta == bank.meta
    assert back.topics == bank.topics
    assert back.items == bank.items
    assert [i.digest() for i in back.items] == [i.digest() for i in bank.items]


def test_round_trip_of_loaded_file(good_bank, tmp_path):
    bank = load_bank(good_bank)
    out = tmp_path / "again.yaml"
    out.write_text(dump_bank(bank), encoding="utf-8")
    assert load_bank(out).items == bank.items
