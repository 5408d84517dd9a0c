"""Damaged text and spreadsheet encodings (question_bank.text), and their use by the loaders."""
from __future__ import annotations

import pytest

from question_bank.formats import check_bank, load_bank
from question_bank.items import MAX_ITEM_ID, Topic
from question_bank.text import (BOM_NOT_UTF8, CONTROL, LOST_LETTER, NOT_DECODABLE, REPLACED,
                                decode_spreadsheet, looks_like_formula, text_problem)

TOPICS = {"CONST": Topic("CONST", "basic", {"ky": "К", "ru": "К"})}
HEADER = "id,topic,key,text_ky,text_ru,a_ky,a_ru,b_ky,b_ru\n"


@pytest.mark.parametrize("value,kind", [
    ("Г?лзат", LOST_LETTER),             # ү lost by Windows-1251
    ("?км?тт?н", LOST_LETTER),           # ө at the start of a word
    ("Кайсы мыйзам?", None),             # an ordinary question mark
    ("Что? Где? Когда?", None),
    ("5 ? 3", None),
    ("Ныр\ufffdан", REPLACED),
    ("a\x00b", CONTROL),
    ("a\x1bb", CONTROL),
    ("\ud800", CONTROL),                 # a lone surrogate cannot be stored as UTF-8
    ("two\nlines\tand tab", None),       # allowed in question texts
    ("Өмүрбеков Ңаан", None),
])
def test_text_problem(value, kind):
    assert text_problem(value) == kind


def test_line_breaks_refused_where_one_line_is_expected():
    assert text_problem("a\nb", allow_newlines=False) == CONTROL


@pytest.mark.parametrize("value,formula", [
    ("=1+1", True), ("+996", True), ("-5", True), ("@SUM", True), ("\t=A1", True), ("\r+1", True),
    ("Асанов", False), ("A-1", False), ("1=1", False), ("", False),
])
def test_looks_like_formula(value, formula):
    assert looks_like_formula(value) is formula


def test_decode_spreadsheet():
    assert decode_spreadsheet("Өмүр".encode()) == ("Өмүр", None, 0)
    assert decode_spreadsheet(b"\xef\xbb\xbf" + "Өмүр".encode()) == ("Өмүр", None, 0)
    assert decode_spreadsheet("Асан".encode("cp1251")) == ("Асан", None, 0)
    assert decode_spreadsheet(b"\xef\xbb\xbfa\nb\n" + "Асан".encode("cp1251")) == (None, BOM_NOT_UTF8, 3)
    assert decode_spreadsheet(b"a\n\x98") == (None, NOT_DECODABLE, 2)


def test_csv_cp1251_damage_is_refused_at_its_line(tmp_path):
    p = tmp_path / "b.csv"
    rows = "C-1,CONST,b,Суроо,Вопрос,а,а,б,б\nC-2,CONST,b,?км?тт?н,Вопрос,а,а,б,б\n"
    p.write_bytes((HEADER + rows).encode("cp1251"))
    [problem] = check_bank(p, known_topics=TOPICS)
    assert (problem.line, problem.item, problem.field) == (3, "C-2", "text.ky")
    assert "UTF-8" in problem.message


def test_utf8_csv_with_kyrgyz_letters_loads(tmp_path):
    p = tmp_path / "b.csv"
    p.write_text(HEADER + "C-1,CONST,b,Өкмөттүн токтому кайсы?,Вопрос,а,а,б,б\n", encoding="utf-8")
    assert load_bank(p, known_topics=TOPICS).items[0].text["ky"] == "Өкмөттүн токтому кайсы?"


def test_bank_texts_may_start_with_a_minus_or_equals(tmp_path):
    """Bank texts are exported as YAML, never CSV: '-5' or '=' in a question is content, not a formula."""
    p = tmp_path / "b.csv"
    p.write_text(HEADER + "C-1,CONST,b,-5 + 3 = ?,=,а,а,б,б\n", encoding="utf-8")
    assert load_bank(p, known_topics=TOPICS).items[0].text["ru"] == "="


def test_limits_equal_the_columns(write):
    at_limit = "X" * MAX_ITEM_ID
    text = f"""
    topics:
      - {{code: {"T" * 40}, section: basic, title: {{ky: т, ru: т}}}}
    items:
      - id: {at_limit}
        topic: {"T" * 40}
        text: {{ky: с, ru: в}}
        options: [{{id: a, ky: а, ru: а}}, {{id: b, ky: б, ru: б}}]
        key: [a]
        version: 2147483647
    """
    assert load_bank(write("ok.yaml", text)).items[0].id == at_limit
    over = text.replace(at_limit, at_limit + "X").replace("2147483647", "2147483648")
    problems = check_bank(write("over.yaml", over))
    assert {p.field for p in problems} == {"id", "version"}


def test_streamed_items_equal_the_whole_file_reading(good_bank):
    """The streaming reader gives the same values and lines as reading the file whole."""
    from question_bank.formats.source import line_of, parse_yaml
    from question_bank.formats.stream import parse_yaml_streaming

    text = good_bank.read_text(encoding="utf-8") + "extra: &x {a: 1}\nmore: *x\n"
    whole, problems = parse_yaml(text, "b.yaml")
    assert not problems
    got: list = []
    tree, problems = parse_yaml_streaming(text, "b.yaml", "items", lambda v, line: got.append((v, line)))
    assert not problems
    assert [v for v, _ in got] == whole["items"]
    assert [line for _, line in got] == whole["items"].item_lines
    assert [v.key_lines for v, _ in got] == [v.key_lines for v in whole["items"]]
    assert {k: v for k, v in tree.items() if k != "items"} == {k: v for k, v in whole.items() if k != "items"}
    assert tree.key_lines == whole.key_lines and line_of(tree, "topics") == line_of(whole, "topics")


def test_streamed_reading_reports_what_the_whole_reading_does(write):
    from question_bank.formats.source import parse_yaml
    from question_bank.formats.stream import parse_yaml_streaming

    for text in ("a: 1\na: 2\n", "items: [1, 2\n", "a: 1\n---\nb: 2\n", "- 1\n", "", "items: *nope\n"):
        whole, wp = parse_yaml(text, "b.yaml")
        streamed, sp = parse_yaml_streaming(text, "b.yaml", "items", lambda v, line: None)
        assert [p.line for p in wp] == [p.line for p in sp], text
        assert bool(wp) == bool(sp), text
        if not wp and isinstance(whole, dict):
            assert getattr(whole, "duplicates", None) == getattr(streamed, "duplicates", None)
