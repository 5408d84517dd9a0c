"""CSV bank files: encodings, separators, defaults and row line numbers."""
from __future__ import annotations

from question_bank.formats import check_bank, load_bank
from question_bank.items import Topic

TOPICS = {"CONST": Topic("CONST", "basic", {"ky": "К", "ru": "К"})}
HEADER = "id,version,topic,type,points,difficulty,status,source,key,text_ky,text_ru,a_ky,a_ru,b_ky,b_ru,c_ky,c_ru\n"
ROW1 = 'C-1,1,CONST,single,1,2,approved,ст. 1,b,Суроо,Вопрос,а,а,б,б,,\n'
ROW2 = 'C-2,,CONST,multiple,,,,,"a;c","Көп\nсаптуу",Вопрос,а,а,б,б,в,в\n'


def write_bytes(tmp_path, name, data: bytes):
    p = tmp_path / name
    p.write_bytes(data)
    return p


def test_csv_utf8(tmp_path):
    p = write_bytes(tmp_path, "b.csv", (HEADER + ROW1 + ROW2).encode())
    bank = load_bank(p, known_topics=TOPICS)
    one, two = bank.items
    assert one.option_ids == ("a", "b") and one.key == {"b"} and one.source == "ст. 1"
    assert two.option_ids == ("a", "b", "c") and two.key == {"a", "c"}
    assert two.text["ky"] == "Көп\nсаптуу" and (two.version, two.points, two.status) == (1, 1, "approved")


def test_csv_bom_and_cp1251_and_semicolons(tmp_path):
    text = HEADER + ROW1
    bom = write_bytes(tmp_path, "bom.csv", b"\xef\xbb\xbf" + text.encode())
    assert load_bank(bom, known_topics=TOPICS).items[0].id == "C-1"
    semi = text.replace(",", ";").replace("a;c", "a,c")
    win = write_bytes(tmp_path, "win.csv", semi.encode("cp1251"))
    item = load_bank(win, known_topics=TOPICS).items[0]
    assert item.text["ru"] == "Вопрос"


def test_csv_row_line_numbers(tmp_path):
    bad = 'C-3,1,CONST,single,x,1,approved,,e,Суроо,Вопрос,а,а,б,,,\n'
    p = write_bytes(tmp_path, "b.csv", (HEADER + ROW2 + bad).encode())
    got = [str(x) for x in check_bank(p, known_topics=TOPICS)]
    # ROW2 spans lines 2-3 (a quoted newline), so the bad row is line 4.
    assert f"{p}:4: item C-3: points: must be a whole number, not text 'x'" in got
    assert f"{p}:4: item C-3: options[b].ru: empty text" in got
    assert len(got) == 2


def test_csv_key_and_topic_problems(tmp_path):
    row = 'C-4,1,NOPE,single,1,1,approved,,e,Суроо,Вопрос,а,а,б,б,,\n'
    p = write_bytes(tmp_path, "b.csv", (HEADER + row).encode())
    got = [str(x) for x in check_bank(p, known_topics=TOPICS)]
    assert got == [f"{p}:2: item C-4: key: 'e' is not among the options a, b",
                   f"{p}:2: item C-4: topic: unknown topic 'NOPE'"]


def test_csv_header_problems(tmp_path):
    p = write_bytes(tmp_path, "b.csv", b"id,topic,colour,text_xx\nC-1,CONST,red,x\n")
    got = [str(x) for x in check_bank(p)]
    assert got == [f"{p}:1: colour: unknown column", f"{p}:1: text_xx: unknown column",
                   f"{p}:1: key: missing column"]


def test_csv_with_native_topics_in_same_set(tmp_path):
    d = tmp_path / "d"
    d.mkdir()
    (d / "a.yaml").write_text("topics:\n  - {code: CONST, section: basic, title: {ky: К, ru: К}}\n",
                              encoding="utf-8")
    (d / "b.csv").write_text(HEADER + ROW1, encoding="utf-8")
    assert [i.id for i in load_bank(d).items] == ["C-1"]


def test_duplicate_id_between_csv_and_yaml(tmp_path):
    d = tmp_path / "d"
    d.mkdir()
    (d / "a.csv").write_text(HEADER + ROW1, encoding="utf-8")
    (d / "b.csv").write_text(HEADER + ROW1, encoding="utf-8")
    got = [str(x) for x in check_bank(d, known_topics=TOPICS)]
    assert got == [f"{d / 'b.csv'}:2: item C-1: id: duplicate id (first at {d / 'a.csv'}:2)"]
