"""Broken bank files through the CLI, on both backends: ``bank check`` says exactly
what ``bank import`` would, every refusal reads ``file:line: ...``, no traceback
ever reaches the user, and nothing is half-imported (issue 14 "Bank files")."""
from __future__ import annotations

import re
import shutil

import sqlalchemy as sa
import yaml

from examserver.db import db
from examserver.models import BankItem, ExamBlueprint, Position, Topic

TOPICS = """\
topics:
  - code: CONST
    section: basic
    title: {ky: "Конституция", ru: "Конституция"}
"""


def item(**over) -> str:
    """One valid item as YAML text, with fields replaced (a value of None drops the field)."""
    fields = {
        "id": "C-1", "version": "1", "topic": "CONST", "type": "single",
        "text": '{ky: "Суроо", ru: "Вопрос"}',
        "options": '\n      - {id: a, ky: "а", ru: "а"}\n      - {id: b, ky: "б", ru: "б"}',
        "key": "[b]",
    }
    fields.update(over)
    lines = [f"    {k}: {v}" if v != "" else f"    {k}:" for k, v in fields.items() if v is not None]
    return "  -" + "\n".join(lines)[3:] + "\n"


def bank(*items: str) -> str:
    return TOPICS + "items:\n" + "".join(items)


CSV_HEADER = "id,version,topic,type,points,difficulty,status,source,key,text_ky,text_ru,a_ky,a_ru,b_ky,b_ru\n"
CSV_ROW = "C-9,1,CONST,single,1,2,approved,,b,Суроо,Вопрос,а,а,б,б\n"
LONG = "X" * 100

# name -> {file name: text or bytes}. Every one must be refused by check and import alike.
BROKEN: dict[str, dict[str, str | bytes]] = {
    "empty options": {"b.yaml": bank(item(options=""))},
    "empty key": {"b.yaml": bank(item(key=""))},
    "empty key list": {"b.yaml": bank(item(key="[]"))},
    "empty key text": {"b.yaml": bank(item(key='" ; "'))},
    "empty text": {"b.yaml": bank(item(text=""))},
    "missing id": {"b.yaml": bank(item(id=None))},
    "missing topic": {"b.yaml": bank(item(topic=None))},
    "missing text": {"b.yaml": bank(item(text=None))},
    "missing options": {"b.yaml": bank(item(options=None))},
    "missing key": {"b.yaml": bank(item(key=None))},
    "id is a list": {"b.yaml": bank(item(id="[A, B]"))},
    "id is a mapping": {"b.yaml": bank(item(id="{a: 1}"))},
    "id is true": {"b.yaml": bank(item(id="true"))},
    "version is a word": {"b.yaml": bank(item(version="zero"))},
    "version negative": {"b.yaml": bank(item(version="-1"))},
    "version beyond INTEGER": {"b.yaml": bank(item(version=str(2**40)))},
    "version decimal": {"b.yaml": bank(item(version="1.5"))},
    "version a bad date": {"b.yaml": bank(item(version="2024-13-45"))},
    "points zero": {"b.yaml": bank(item(points="0"))},
    "points huge": {"b.yaml": bank(item(points=str(10**30)))},
    "difficulty 9": {"b.yaml": bank(item(difficulty="9"))},
    "unknown type": {"b.yaml": bank(item(type="essay"))},
    "unknown status": {"b.yaml": bank(item(status="published"))},
    "status is a list": {"b.yaml": bank(item(status="[approved]"))},
    "source is a list": {"b.yaml": bank(item(source="[a, b]"))},
    "NUL in source": {"b.yaml": bank(item(source='"ст.\\0 1"'))},
    "NUL in text": {"b.yaml": bank(item(text='{ky: "Су\\0роо", ru: "Вопрос"}'))},
    "control char in option": {"b.yaml": bank(item(options='\n      - {id: a, ky: "а\\x07", ru: "а"}\n'
                                                          '      - {id: b, ky: "б", ru: "б"}'))},
    "U+FFFD in text": {"b.yaml": bank(item(text='{ky: "Суроо\ufffd", ru: "Вопрос"}'))},
    "cp1251 question marks": {"b.yaml": bank(item(text='{ky: "?км?тт?н токтому", ru: "Вопрос"}'))},
    "text too long": {"b.yaml": bank(item(text='{ky: "' + "ы" * 5000 + '", ru: "Вопрос"}'))},
    "id of 100 characters": {"b.yaml": bank(item(id=LONG))},
    "id of 100000 characters": {"b.yaml": bank(item(id="X" * 100_000))},
    "topic code of 50 characters": {"b.yaml": TOPICS.replace("CONST", "C" * 50) + "items:\n"},
    "item topic of 50 characters": {"b.yaml": bank(item(topic="C" * 50))},
    "unknown topic": {"b.yaml": bank(item(topic="NOPE"))},
    "duplicate id in a file": {"b.yaml": bank(item(), item())},
    "duplicate id across files": {"a.yaml": bank(item()), "b.yaml": "items:\n" + item()},
    "key given twice": {"b.yaml": bank(item(key="[b]\n    key: [a]"))},
    "unknown field": {"b.yaml": bank(item(answer="b"))},
    "options is text": {"b.yaml": bank(item(options="a, b"))},
    "option without id": {"b.yaml": bank(item(options='\n      - {ky: "а", ru: "а"}\n      - {id: b, ky: "б", ru: "б"}'))},
    "option id z": {"b.yaml": bank(item(options='\n      - {id: z, ky: "а", ru: "а"}\n      - {id: b, ky: "б", ru: "б"}'))},
    "options out of order": {"b.yaml": bank(item(options='\n      - {id: b, ky: "а", ru: "а"}\n      - {id: a, ky: "б", ru: "б"}'))},
    "key not an option": {"b.yaml": bank(item(key="[e]"))},
    "single with two keys": {"b.yaml": bank(item(key="[a, b]"))},
    "one option": {"b.yaml": bank(item(options='\n      - {id: a, ky: "а", ru: "а"}', key="[a]"))},
    "option missing a language": {"b.yaml": bank(item(options='\n      - {id: a, ky: "а"}\n      - {id: b, ky: "б", ru: "б"}'))},
    "bank id too long": {"b.yaml": "bank: {id: " + "b" * 70 + ", languages: [ky, ru]}\n" + bank(item())},
    "bank languages not a list": {"b.yaml": "bank: {id: x, languages: ky}\n" + bank(item())},
    "YAML unclosed bracket": {"b.yaml": bank(item(key="[b"))},
    "YAML tab indentation": {"b.yaml": bank(item()).replace("    key", "\tkey")},
    "YAML top level is a list": {"b.yaml": "- a\n- b\n"},
    "YAML nested too deeply": {"b.yaml": bank(item()) + "  - " + "[" * 5000 + "]" * 5000 + "\n"},
    "YAML two documents": {"b.yaml": bank(item()) + "---\nitems: []\n"},
    "YAML unknown alias": {"b.yaml": bank(item(key="*nope"))},
    "items is a mapping": {"b.yaml": TOPICS + "items: {a: 1}\n"},
    "unknown top-level key": {"b.yaml": bank(item()) + "itemz: []\n"},
    "JSON trailing comma": {"b.json": '{"items": [1,]}'},
    "JSON item is a number": {"b.json": '{\n"items": [\n1\n]\n}'},
    "YAML not UTF-8": {"b.yaml": bank(item()).encode("cp1251")},
    "CSV unclosed quote": {"b.csv": CSV_HEADER + CSV_ROW.replace("Суроо", '"Суроо')},
    "CSV text after a closing quote": {"b.csv": CSV_HEADER + CSV_ROW.replace("Суроо", '"Суро"о')},
    "CSV cp1251 lost letters": {"b.csv": (CSV_HEADER + CSV_ROW.replace("Суроо", "?км?тт?н")).encode("cp1251")},
    "CSV cp1251 with a BOM": {"b.csv": b"\xef\xbb\xbf" + (CSV_HEADER + CSV_ROW).encode("cp1251")},
    "CSV undecodable": {"b.csv": CSV_HEADER.encode() + b"C-9,1,CONST,single,1,2,approved,,b,\x98,x,a,a,b,b\n"},
    "CSV NUL in a cell": {"b.csv": CSV_HEADER + CSV_ROW.replace("Вопрос", "Воп\0рос")},
    "CSV missing key column": {"b.csv": CSV_HEADER.replace(",key", "") + CSV_ROW.replace(",b,Суроо", ",Суроо")},
    "CSV unknown column": {"b.csv": CSV_HEADER.replace("source", "sauce") + CSV_ROW},
    "CSV too many cells": {"b.csv": CSV_HEADER + CSV_ROW.rstrip("\n") + ",extra\n"},
    "CSV version huge": {"b.csv": CSV_HEADER + CSV_ROW.replace("C-9,1,", f"C-9,{10**12},")},
    "CSV id too long": {"b.csv": CSV_HEADER + CSV_ROW.replace("C-9", LONG)},
}

# Problem lines look like "<path>:<line>: ...".
LOCATED = re.compile(r"^(?P<file>[^:]+\.(?:yaml|json|csv)):(?P<line>\d+): ")


def _problems(output: str) -> list[str]:
    return [line for line in output.splitlines() if LOCATED.match(line)]


def _count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_broken_banks_are_refused_alike_by_check_and_import(app, runner, tmp_path):
    """~70 broken banks: exit 1, every message at file:line, check == import, no traceback, nothing stored."""
    assert len(BROKEN) >= 50
    failures = []
    for n, (name, files) in enumerate(BROKEN.items()):
        folder = tmp_path / f"case{n:02d}"
        folder.mkdir()
        for fname, content in files.items():
            (folder / fname).write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
        if any(f.endswith(".csv") for f in files):
            (folder / "topics.yaml").write_text(TOPICS, encoding="utf-8")  # so each CSV case shows its own problem
        check = runner.invoke(args=["bank", "check", str(folder)])
        imp = runner.invoke(args=["bank", "import", str(folder)])
        problems = _problems(check.output)
        why = []
        for label, result in (("check", check), ("import", imp)):
            if result.exit_code != 1 or not isinstance(result.exception, SystemExit):
                why.append(f"{label}: exit {result.exit_code} {result.exception!r}")
            if "Traceback" in result.output or "Error:" in result.output.replace("syntax error:", ""):
                why.append(f"{label}: traceback-like output")
        if not problems:
            why.append("no file:line problem")
        unlocated = [line for line in check.output.splitlines()
                     if not LOCATED.match(line) and "problem(s)" not in line]
        if unlocated:
            why.append(f"unlocated: {unlocated}")
        if problems != _problems(imp.output):
            why.append(f"check {problems} != import {_problems(imp.output)}")
        if any(len(line) > 400 for line in problems):
            why.append("a message echoes the input at length")
        if why:
            failures.append(f"{name}: {'; '.join(why)}\n{check.output}")
    with app.app_context():
        assert _count(BankItem) == 0 and _count(Topic) == 0
    assert not failures, "\n\n".join(failures)


def _run_case(runner, tmp_path, name: str) -> str:
    folder = tmp_path / "one"
    folder.mkdir(exist_ok=True)
    for fname, content in BROKEN[name].items():
        (folder / fname).write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    result = runner.invoke(args=["bank", "check", str(folder)])
    assert result.exit_code == 1
    return result.output


def test_empty_options_and_key_are_named(runner, tmp_path):
    out = _run_case(runner, tmp_path, "empty options")
    assert "b.yaml:11: item C-1: options: must be a list, not nothing" in out
    (tmp_path / "one" / "b.yaml").unlink()
    out = _run_case(runner, tmp_path, "empty key")
    assert "b.yaml:14: item C-1: key: must be a list of option ids" in out


def test_messages_name_file_line_and_advice(runner, tmp_path):
    assert "b.yaml:6: item 'XXXXXXXX" in _run_case(runner, tmp_path, "id of 100000 characters")
    shutil.rmtree(tmp_path / "one")
    out = _run_case(runner, tmp_path, "CSV cp1251 lost letters")
    assert "b.csv:2: item C-9: text.ky: contains '?' inside a word" in out and "CSV UTF-8" in out
    shutil.rmtree(tmp_path / "one")
    out = _run_case(runner, tmp_path, "CSV cp1251 with a BOM")
    assert "b.csv:2: the file starts with a UTF-8 byte order mark (BOM) but is not UTF-8" in out
    shutil.rmtree(tmp_path / "one")
    out = _run_case(runner, tmp_path, "id of 100 characters")
    assert "id: too long: 100 characters (at most 64)" in out


def test_csv_cell_with_line_breaks_is_reported_where_its_row_starts(runner, tmp_path):
    rows = CSV_ROW.replace("Суроо", '"Көп\nсаптуу\nсуроо"') + CSV_ROW.replace("C-9", "C-10").replace(",b,", ",e,")
    path = tmp_path / "b.csv"
    path.write_text(CSV_HEADER + rows, encoding="utf-8")
    (tmp_path / "t.yaml").write_text(TOPICS, encoding="utf-8")
    result = runner.invoke(args=["bank", "check", str(tmp_path)])
    assert result.exit_code == 1
    assert f"{path}:5: item C-10: key: 'e' is not among the options a, b" in result.output


def test_changed_version_is_refused_by_check_too(app, runner, test_bank_path, tmp_path):
    """A changed (id, version) used to pass check and fail import; both now name file:line."""
    assert runner.invoke(args=["bank", "import", str(test_bank_path)]).exit_code == 0
    text = (test_bank_path / "test-bank.yaml").read_text(encoding="utf-8")
    changed = tmp_path / "changed.yaml"
    changed.write_text(text.replace("Выберите верный ответ.", "Выберите ответ.", 1), encoding="utf-8")
    line = next(i for i, row in enumerate(text.splitlines(), 1) if row.startswith("- id: GEN_A-001"))
    expected = (f"{changed}:{line}: item GEN_A-001: version: version 1 is already imported with different "
                f"content; an edited item needs a new version number")
    check = runner.invoke(args=["bank", "check", str(changed)])
    imp = runner.invoke(args=["bank", "import", str(changed)])
    assert check.exit_code == imp.exit_code == 1
    assert expected in check.output.splitlines() and expected in imp.output.splitlines()
    dry = runner.invoke(args=["bank", "import", "--dry-run", str(changed)])
    assert dry.exit_code == 1 and expected in dry.output.splitlines()
    with app.app_context():
        assert _count(BankItem) == 19


def test_check_knows_topics_from_the_database(app, runner, test_bank_path, tmp_path):
    assert runner.invoke(args=["bank", "import", str(test_bank_path)]).exit_code == 0
    path = tmp_path / "more.yaml"
    path.write_text("items:\n" + item(id="NEW-1", topic="GEN_A"), encoding="utf-8")
    check = runner.invoke(args=["bank", "check", str(path)])
    assert check.exit_code == 0 and "OK, 1 items" in check.output and "files only" not in check.output


def test_blueprint_problems_name_file_and_line(app, runner, loaded_bank, test_blueprints_path, tmp_path):
    data = yaml.safe_load((test_blueprints_path / "test-blueprints.yaml").read_text(encoding="utf-8"))
    bp = data["blueprints"][0]
    greedy = dict(bp, code="GREEDY", sections=[dict(bp["sections"][1], quotas=[dict(bp["sections"][1]["quotas"][0], count=99)])])
    changed = dict(bp, duration_minutes=bp["duration_minutes"] + 1)
    data["blueprints"] = [greedy, changed]
    data["positions"] = [dict(data.get("positions", [{}])[0], code="P-NEW", blueprint="NO-SUCH")] if data.get("positions") \
        else [{"code": "P-NEW", "department": {"ky": "б", "ru": "о"}, "title": {"ky": "к", "ru": "д"},
               "group": "У-А", "blueprint": "NO-SUCH"}]
    path = tmp_path / "bp.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    lines = path.read_text(encoding="utf-8").splitlines()
    greedy_line = next(i for i, row in enumerate(lines, 1) if "code: GREEDY" in row)
    changed_line = next(i for i, row in enumerate(lines, 1) if f"code: {bp['code']}" in row)
    position_line = next(i for i, row in enumerate(lines, 1) if "code: P-NEW" in row)
    result = runner.invoke(args=["blueprint", "import", str(path)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    out = result.output.splitlines()
    assert any(row.startswith(f"{path}:{greedy_line}: blueprint GREEDY: sections: ") for row in out), out
    assert any(row.startswith(f"{path}:{changed_line}: blueprint {bp['code']}: version: ") for row in out), out
    assert f"{path}:{position_line}: position P-NEW: blueprint: unknown blueprint NO-SUCH" in out
    with app.app_context():
        assert _count(ExamBlueprint) == 1 and db.session.scalar(
            sa.select(sa.func.count()).select_from(Position).where(Position.code == "P-NEW")) == 0


def test_export_import_export_is_byte_identical(app, runner, test_bank_path, tmp_path):
    assert runner.invoke(args=["bank", "import", str(test_bank_path)]).exit_code == 0
    first, second = tmp_path / "first.yaml", tmp_path / "second.yaml"
    assert runner.invoke(args=["bank", "export", "-o", str(first)]).exit_code == 0
    with app.app_context():
        # Store the rows again in reverse order, so the database's natural order differs.
        rows = [(r.item_id, r.version, r.topic_code, r.status, r.bank_id, r.payload, r.digest, r.imported_at)
                for r in db.session.scalars(sa.select(BankItem).order_by(BankItem.id.desc()))]
        db.session.execute(sa.delete(BankItem))
        db.session.execute(sa.delete(Topic))
        db.session.commit()
    assert runner.invoke(args=["bank", "import", str(first)]).exit_code == 0
    assert runner.invoke(args=["bank", "export", "-o", str(second)]).exit_code == 0
    assert first.read_bytes() == second.read_bytes()
    ids = [i["id"] for i in yaml.safe_load(first.read_text(encoding="utf-8"))["items"]]
    assert ids == sorted(ids) and len(rows) == len(ids)


BLUEPRINT = """\
blueprints:
- code: BP-1
  group: У-А
  duration_minutes: 30
  languages: [ky, ru]
  threshold: {percent: 50}
  sections:
  - code: basic
    quotas:
    - {topic: GEN_A, count: 2}
"""
BROKEN_BLUEPRINTS = {
    "code too long": BLUEPRINT.replace("BP-1", "B" * 41),
    "code is a list": BLUEPRINT.replace("BP-1", "[a, b]"),
    "group unknown": BLUEPRINT.replace("У-А", "Q-Q"),
    "duration zero": BLUEPRINT.replace("30", "0"),
    "duration huge": BLUEPRINT.replace("30", str(10**20)),
    "threshold empty": BLUEPRINT.replace("{percent: 50}", "{}"),
    "threshold 101 percent": BLUEPRINT.replace("50", "101"),
    "sections empty": BLUEPRINT.split("  sections:")[0] + "  sections: []\n",
    "quota count text": BLUEPRINT.replace("count: 2", "count: two"),
    "quota topic NUL": BLUEPRINT.replace("GEN_A", '"GEN\\0A"'),
    "quota topic unknown to the bank": BLUEPRINT.replace("GEN_A", "NOPE"),
    "bad YAML": BLUEPRINT + "  - [\n",
    "not UTF-8": BLUEPRINT.encode("cp1251"),
    "position blueprint unknown": "positions:\n- {code: P-1, department: {ky: a, ru: a}, title: {ky: b, ru: b}, "
                                  "group: У-А, blueprint: NOPE}\n",
    "position title damaged": "positions:\n- {code: P-1, department: {ky: a, ru: a}, title: {ky: \"Г?лзат\", ru: b}, "
                              "group: У-А, blueprint: TEST-U-A}\n",
}


def test_broken_blueprints_are_refused_at_file_line(app, runner, loaded_bank, tmp_path):
    """Blueprint and position files: exit 1, file:line messages, no traceback, nothing stored."""
    failures = []
    for n, (name, content) in enumerate(BROKEN_BLUEPRINTS.items()):
        path = tmp_path / f"bp{n:02d}.yaml"
        path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
        result = runner.invoke(args=["blueprint", "import", str(path)])
        lines = [row for row in result.output.splitlines() if "problem(s)" not in row]
        if result.exit_code != 1 or not isinstance(result.exception, SystemExit) or "Traceback" in result.output:
            failures.append(f"{name}: exit {result.exit_code} {result.exception!r}\n{result.output}")
        elif not lines or not all(row.startswith(f"{path}:") and LOCATED.match(row) for row in lines):
            failures.append(f"{name}: not at file:line\n{result.output}")
    with app.app_context():
        assert _count(ExamBlueprint) == 1 and _count(Position) == 1
    assert not failures, "\n\n".join(failures)


def test_check_without_a_database_schema_checks_the_files_alone(tmp_path, clock):
    """``bank check`` works before ``migrate`` (an author checking files): it says it checked files only."""
    from examserver import create_app

    app = create_app({"MODE": "testing", "DATABASE_URL": f"sqlite:///{tmp_path}/empty.sqlite",
                      "INSTANCE_PATH": str(tmp_path / "instance"), "CLOCK": clock})
    try:
        runner = app.test_cli_runner()
        good = tmp_path / "good.yaml"
        good.write_text(bank(item()), encoding="utf-8")
        result = runner.invoke(args=["bank", "check", str(good)])
        assert result.exit_code == 0 and "OK, 1 items" in result.output and "files only" in result.output
        bad = tmp_path / "bad.yaml"
        bad.write_text(bank(item(options="")), encoding="utf-8")
        result = runner.invoke(args=["bank", "check", str(bad)])
        assert result.exit_code == 1 and f"{bad}:11: item C-1: options: must be a list" in result.output
    finally:
        db.dispose(app)
