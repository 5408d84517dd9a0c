"""Blueprint and position files, and check_fill."""
from __future__ import annotations

import pytest

from question_bank.blueprint import Blueprint, Threshold, check_fill
from question_bank.blueprint_files import load_blueprints, load_positions
from question_bank.errors import BankError
from qb_factories import make_blueprint, make_item, make_pool

GOOD = """
blueprints:
  - code: CIVIL-B-A
    version: 1
    group: Б-А
    title: {ky: "Сынак", ru: "Тест"}
    duration_minutes: 60
    languages: [ky, ru]
    shuffle_options: true
    threshold: {percent: 50}
    sections:
      - code: basic
        title: {ky: "Негизги", ru: "Основной"}
        min_correct: 3
        quotas:
          - {topic: CONST, count: 4, min_correct: 2}
          - {topic: LABOUR, count: 2}
      - code: subject
        quotas:
          - {topic: CONST, count: 3}
"""


def problems(path, **kw) -> list[str]:
    with pytest.raises(BankError) as exc:
        load_blueprints(path, **kw)
    return [str(p) for p in exc.value.problems]


def test_good_blueprint(write):
    [bp] = load_blueprints(write("bp.yaml", GOOD))
    assert (bp.code, bp.version, bp.group, bp.question_count) == ("CIVIL-B-A", 1, "Б-А", 9)
    assert bp.threshold == Threshold("percent", 50)
    assert bp.sections[0].min_correct == 3 and bp.sections[0].quotas[0].min_correct == 2
    assert bp.demand() == {"CONST": 7, "LABOUR": 2}
    assert Blueprint.from_dict(bp.to_dict()) == bp
    assert Blueprint.from_dict(bp.to_dict()).digest() == bp.digest()


@pytest.mark.parametrize("edit, expected", [
    (lambda t: t.replace("group: Б-А", "group: X-Y"),
     "{f}:4: group: 'X-Y' is not one of Ж-А, Ж-Б, Б-А, Б-Б, У-А, У-Б, К-А, К-Б"),
    (lambda t: t.replace("count: 2}", "count: 0}"),
     "{f}:16: quota.count: must be at least 1, got 0"),
    (lambda t: t.replace("percent: 50", "percent: 150"),
     "{f}:9: threshold.percent: must be 1..100, got 150"),
    (lambda t: t.replace("percent: 50", "correct: 10"),
     "{f}:9: blueprint CIVIL-B-A: threshold: 10 correct answers needed but only 9 questions"),
    (lambda t: t.replace("languages: [ky, ru]", "languages: [ky, de]"),
     "{f}:7: languages: unknown language 'de' (known: ky, ru, kk, en)"),
    (lambda t: t.replace("min_correct: 2}", "min_correct: 5}"),
     "{f}:15: quota.min_correct: 5 is more than the quota's 4 questions"),
    (lambda t: t.replace("min_correct: 3", "min_correct: 7"),
     "{f}:13: section.min_correct: 7 is more than the section's 6 questions"),
    (lambda t: t.replace("code: subject", "code: basic"),
     "{f}:10: blueprint CIVIL-B-A: sections: section code 'basic' is used twice"),
    (lambda t: t.replace("    shuffle_options: true", "    shuffle: true"),
     "{f}:8: blueprint CIVIL-B-A: shuffle: unknown key"),
    (lambda t: t.replace("duration_minutes: 60", "duration_minutes: sixty"),
     "{f}:6: blueprint CIVIL-B-A: duration_minutes: must be a whole number, not text 'sixty'"),
])
def test_blueprint_errors(write, edit, expected):
    path = write("bp.yaml", edit(GOOD))
    assert expected.format(f=path) in problems(path)


def test_unknown_topic_when_topics_known(write):
    path = write("bp.yaml", GOOD)
    assert problems(path, known_topics={"CONST"}) == [
        f"{path}:16: quota.topic: unknown topic 'LABOUR'"]


def test_duplicate_code_version_across_files(write, tmp_path):
    write("d/a.yaml", GOOD)
    write("d/b.yaml", GOOD)
    d = tmp_path / "d"
    assert problems(d) == [f"{d / 'b.yaml'}:2: code: CIVIL-B-A version 1 is defined twice "
                           f"(first at {d / 'a.yaml'}:2)"]
    write("d/b.yaml", GOOD.replace("version: 1", "version: 2"))
    assert [b.version for b in load_blueprints(d)] == [1, 2]


def test_positions(write):
    text = """
    positions:
      - code: SC-CIV-01
        department: {ky: "Жарандык", ru: "Гражданский"}
        title: {ky: "Адис", ru: "Специалист"}
        group: Б-А
        blueprint: CIVIL-B-A
    """
    [pos] = load_positions(write("pos.yaml", text))
    assert (pos.code, pos.group, pos.blueprint, pos.title["ru"]) == (
        "SC-CIV-01", "Б-А", "CIVIL-B-A", "Специалист")
    with pytest.raises(BankError) as exc:
        load_positions(write("pos2.yaml", text.replace("Б-А", "Q")), known_blueprints={"OTHER"})
    got = [str(p) for p in exc.value.problems]
    assert any(g.endswith(":5: group: 'Q' is not one of Ж-А, Ж-Б, Б-А, Б-Б, У-А, У-Б, К-А, К-Б")
               for g in got)
    assert any(g.endswith(":6: position.blueprint: unknown blueprint 'CIVIL-B-A'") for g in got)


def test_blueprints_and_positions_may_share_a_file(write):
    path = write("all.yaml", GOOD + """
positions:
  - {code: P1, department: {ru: d}, title: {ru: t}, group: Б-А, blueprint: CIVIL-B-A}
""")
    assert len(load_blueprints(path)) == 1 and len(load_positions(path)) == 1


def test_check_fill_messages():
    bp = make_blueprint([("basic", [("CONST", 8, None), ("LAB", 2, None)], None),
                         ("subject", [("CONST", 4, None)], None)])
    pool = make_pool({"CONST": 9, "LAB": 2})
    # Drafts, retired items and superseded versions do not count.
    pool += [make_item("CONST-D", "CONST", status="draft"),
             make_item("CONST-R", "CONST", status="retired"),
             make_item("CONST-X", "CONST", version=1),
             make_item("CONST-X", "CONST", version=2, status="draft")]
    assert check_fill(bp, pool) == ["topic CONST: needs 12, has 9 approved items (short by 3)"]
    assert check_fill(bp, pool + make_pool({"CONST2": 0}) +
                      [make_item(f"CONST-Z{i}", "CONST") for i in range(3)]) == []
