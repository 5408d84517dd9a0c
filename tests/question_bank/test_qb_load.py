"""Loading native bank files: good files, every error kind with file:line, all-or-nothing."""
from __future__ import annotations

import json

import pytest
import yaml

from question_bank.errors import BankError, Problem
from question_bank.formats import check_bank, load_bank
from question_bank.items import Topic

HEAD = """
bank:
  id: b
  demo: true
  languages: [ky, ru]
topics:
  - code: CONST
    section: basic
    title: {ky: "К", ru: "К"}
items:
"""
# Line 10 is the first item's "- id:" line.

ITEM = """
  - id: CONST-001
    topic: CONST
    text: {ky: "Суроо", ru: "Вопрос"}
    options:
      - {id: a, ky: "а", ru: "а"}
      - {id: b, ky: "б", ru: "б"}
    key: [b]
"""


def messages(path, **kw) -> list[str]:
    return [str(p) for p in check_bank(path, **kw)]


def test_good_file_loads(good_bank):
    bank = load_bank(good_bank)
    assert bank.meta.id == "test-bank" and bank.meta.demo is True
    assert bank.meta.languages == ("ky", "ru")
    assert set(bank.topics) == {"CONST", "LABOUR"}
    first, second = bank.items
    assert first.ref == ("CONST-001", 1) and first.key == {"b"} and first.difficulty == 2
    assert first.option_ids == ("a", "b", "c") and first.languages == ("ky", "ru")
    # documented defaults
    assert (second.version, second.points, second.difficulty, second.status) == (1, 1, 3, "approved")


def test_directory_reads_all_files_sorted(write, tmp_path):
    write("d/1-topics.yaml", HEAD.replace("items:\n", ""))
    write("d/2-items.yaml", "items:" + ITEM)
    write("d/notes.txt", "ignored")
    write("d/.~lock.yaml", "not: [valid")
    bank = load_bank(tmp_path / "d")
    assert [i.id for i in bank.items] == ["CONST-001"]


@pytest.mark.parametrize("edit, expected", [
    (lambda t: t.replace("key: [b]", "key: [e]"),
     "{f}:16: item CONST-001: key: 'e' is not among the options a, b"),
    (lambda t: t.replace('ru: "Вопрос"', 'ru: ""'),
     "{f}:12: item CONST-001: text.ru: empty text"),
    (lambda t: t.replace('{id: b, ky: "б", ru: "б"}', '{id: b, ky: "б", ru: "  "}'),
     "{f}:15: item CONST-001: options[b].ru: empty text"),
    (lambda t: t.replace('text: {ky: "Суроо", ru: "Вопрос"}', 'text: {ky: "Суроо"}')
     .replace('ru: "а"}', '}').replace('ru: "б"}', '}'),
     "{f}:12: item CONST-001: text: no ru variant (bank languages: ky, ru)"),
    (lambda t: t.replace("topic: CONST", "topic: NOPE"),
     "{f}:11: item CONST-001: topic: unknown topic 'NOPE'"),
    (lambda t: t.replace("    key: [b]", "    type: essay\n    key: [b]"),
     "{f}:16: item CONST-001: type: 'essay' is not one of multiple, single"),
    (lambda t: t.replace("    key: [b]", "    status: ok\n    key: [b]"),
     "{f}:16: item CONST-001: status: 'ok' is not one of draft, approved, retired"),
    (lambda t: t.replace("    key: [b]", "    points: 0\n    key: [b]"),
     "{f}:16: item CONST-001: points: must be 1..100, got 0"),
    (lambda t: t.replace("    key: [b]", "    difficulty: 9\n    key: [b]"),
     "{f}:16: item CONST-001: difficulty: must be 1..5, got 9"),
    (lambda t: t.replace("    key: [b]", "    version: one\n    key: [b]"),
     "{f}:16: item CONST-001: version: must be a whole number, not text 'one'"),
    (lambda t: t.replace("    key: [b]", "    source: [x]\n    key: [b]"),
     "{f}:16: item CONST-001: source: must be text, not a list"),
    (lambda t: t.replace("    key: [b]", "    colour: red\n    key: [b]"),
     "{f}:16: item CONST-001: colour: unknown key"),
    (lambda t: t.replace("    key: [b]", "    topic: CONST\n    key: [b]"),
     "{f}:16: item CONST-001: topic: key appears twice"),
    (lambda t: t.replace("    key: [b]\n", ""),
     "{f}:10: item CONST-001: key: missing"),
    (lambda t: t.replace("    key: [b]", "    type: single\n    key: [a, b]"),
     "{f}:17: item CONST-001: key: a single-choice item needs exactly one key, has 2"),
    (lambda t: t.replace('      - {id: b, ky: "б", ru: "б"}\n', "").replace("[b]", "[a]"),
     "{f}:13: item CONST-001: options: needs 2..8 options, has 1"),
    (lambda t: t.replace("{id: b,", "{id: z,").replace("[b]", "[a]"),
     "{f}:13: item CONST-001: options: option ids must be letters a..h, got 'z'"),
    (lambda t: t.replace("{id: a,", "{id: c,").replace("[b]", "[c]"),
     "{f}:13: item CONST-001: options: option ids must be in order a, b, c, ..."),
    (lambda t: t.replace('ru: "Вопрос"', 'de: "Frage"'),
     "{f}:12: item CONST-001: text.de: unknown language (known: ky, ru, kk, en)"),
    (lambda t: t.replace("CONST-001", "const 1"),
     "{f}:10: item const 1: id: 'const 1' does not match ^[A-Z0-9_-]+$"),
    (lambda t: t.replace("    options:", "    options: 3\n    x_options:").replace("x_options", "xo"),
     None),  # only checks that something is reported, see below
])
def test_error_kinds(write, edit, expected):
    path = write("bank/one.yaml", edit(HEAD + ITEM.lstrip("\n")))
    got = messages(path)
    assert got, "expected a problem"
    if expected is not None:
        assert expected.format(f=path) in got, got


def test_yaml_syntax_error_has_line(write):
    path = write("b.yaml", HEAD + ITEM.lstrip("\n") + "  - id: [oops\n")
    [msg] = messages(path)
    assert msg.startswith(f"{path}:18: YAML syntax error"), msg


def test_duplicate_ids_across_files(write, tmp_path):
    write("d/a.yaml", HEAD + ITEM.lstrip("\n"))
    write("d/b.yaml", "items:\n" + ITEM.lstrip("\n"))
    got = messages(tmp_path / "d")
    assert got == [f"{tmp_path / 'd' / 'b.yaml'}:2: item CONST-001: id: duplicate id "
                   f"(first at {tmp_path / 'd' / 'a.yaml'}:10)"]


def test_all_or_nothing(write, tmp_path):
    write("d/a.yaml", HEAD + ITEM.lstrip("\n"))
    write("d/b.yaml", "items:\n" + ITEM.lstrip("\n").replace("CONST-001", "CONST-002")
          .replace("[b]", "[q]"))
    with pytest.raises(BankError) as exc:
        load_bank(tmp_path / "d")
    assert len(exc.value.problems) == 1
    assert "key: 'q' is not among the options" in str(exc.value)


def test_collects_every_problem(write):
    text = HEAD + ITEM.lstrip("\n") + ITEM.replace("CONST-001", "CONST-002").replace(
        "[b]", "[x]").replace("topic: CONST", "topic: NOPE").lstrip("\n")
    got = messages(write("b.yaml", text))
    assert len(got) == 2 and any("'x'" in g for g in got) and any("NOPE" in g for g in got)


def test_known_topics_allow_undeclared_topic(write):
    path = write("i.yaml", "items:" + ITEM)
    assert messages(path) == [f"{path}:3: item CONST-001: topic: unknown topic 'CONST'"]
    bank = load_bank(path, known_topics={"CONST": Topic("CONST", "basic", {"ky": "К"})})
    assert bank.meta is None and bank.items[0].topic == "CONST"


def test_meta_and_topic_problems(write, tmp_path):
    write("d/a.yaml", HEAD.replace("[ky, ru]", "[ky, xx]") + ITEM.lstrip("\n"))
    write("d/b.yaml", "bank: {id: Bad_Id, languages: [ru]}\n"
          "topics:\n  - {code: CONST, section: other, title: {ru: x}}\nfoo: 1\n")
    got = messages(tmp_path / "d")
    a, b = tmp_path / "d" / "a.yaml", tmp_path / "d" / "b.yaml"
    assert f"{a}:4: bank.languages: unknown language 'xx' (known: ky, ru, kk, en)" in got
    assert f"{b}:1: bank.id: 'Bad_Id' does not match ^[a-z0-9-]+$" in got
    assert f"{b}:3: topic.section: 'other' is not one of basic, subject" in got
    assert f"{b}:4: foo: unknown top-level key" in got


def test_missing_path_and_empty_dir(tmp_path):
    assert messages(tmp_path / "nope.yaml") == [f"{tmp_path / 'nope.yaml'}: no bank files found"]
    (tmp_path / "empty").mkdir()
    assert messages(tmp_path / "empty")


def test_not_utf8(write):
    path = write("b.yaml", "items:\n  - id: ЖЖ\n", encoding="cp1251")
    assert messages(path) == [f"{path}:2: the file is not valid UTF-8"]


def test_json_bank_with_lines(write):
    data = yaml.safe_load(HEAD + ITEM.lstrip("\n"))
    data["items"][0]["key"] = ["z"]
    path = write("b.json", json.dumps(data, ensure_ascii=False, indent=2))
    [msg] = messages(path)
    line = next(i for i, s in enumerate(path.read_text().splitlines(), 1) if '"key"' in s)
    assert msg == f"{path}:{line}: item CONST-001: key: 'z' is not among the options a, b"


def test_json_syntax_error(write):
    path = write("b.json", '{\n  "items": [\n    {"id": 1,}\n  ]\n}\n')
    [msg] = messages(path)
    assert msg.startswith(f"{path}:3: JSON syntax error")


def test_json_good_loads(write):
    data = yaml.safe_load(HEAD + ITEM.lstrip("\n"))
    bank = load_bank(write("b.json", json.dumps(data)))
    assert bank.items[0].id == "CONST-001"


def test_problem_str_omits_absent_parts():
    assert str(Problem("f.yaml", None, None, None, "m")) == "f.yaml: m"
    assert str(Problem("f.yaml", 3, "X-1", "key", "m")) == "f.yaml:3: item X-1: key: m"
    assert str(Problem("f.yaml", 3, None, "key", "m")) == "f.yaml:3: key: m"


def test_blueprint_and_position_files_may_share_the_directory(write, tmp_path):
    write("d/a.yaml", HEAD + ITEM.lstrip("\n"))
    write("d/blueprints.yaml", "blueprints: []\npositions: []\n")
    assert len(load_bank(tmp_path / "d").items) == 1
