"""Builders for items, blueprints and bank texts used across the tests."""
from __future__ import annotations

from question_bank.blueprint import Blueprint, Quota, Section, Threshold
from question_bank.items import Item, Option

GOOD_BANK = """
bank:
  id: test-bank
  title: {ky: "Тест", ru: "Тест"}
  demo: true
  languages: [ky, ru]
topics:
  - code: CONST
    section: basic
    title: {ky: "Конституция", ru: "Конституция"}
  - code: LABOUR
    section: basic
    title: {ky: "Эмгек кодекси", ru: "Трудовой кодекс"}
items:
  - id: CONST-001
    version: 1
    topic: CONST
    type: single
    points: 1
    difficulty: 2
    status: approved
    source: "ст. 1"
    text: {ky: "Суроо 1", ru: "Вопрос 1"}
    options:
      - {id: a, ky: "а1", ru: "о1"}
      - {id: b, ky: "а2", ru: "о2"}
      - {id: c, ky: "а3", ru: "о3"}
    key: [b]
  - id: LAB-001
    topic: LABOUR
    type: multiple
    text: {ky: "Суроо 2", ru: "Вопрос 2"}
    options:
      - {id: a, ky: "а1", ru: "о1"}
      - {id: b, ky: "а2", ru: "о2"}
    key: [a, b]
"""


def make_item(iid: str, topic: str = "T", n_options: int = 4, key=("a",), version: int = 1,
              status: str = "approved", qtype: str = "single", points: int = 1) -> Item:
    """An item with ky/ru texts and options a.. of the given count."""
    opts = tuple(Option(chr(ord("a") + i), {"ky": f"{iid} ky {i}", "ru": f"{iid} ru {i}"})
                 for i in range(n_options))
    return Item(id=iid, version=version, topic=topic, type=qtype,
                text={"ky": f"{iid} ky", "ru": f"{iid} ru"}, options=opts,
                key=frozenset(key), points=points, status=status)


def make_pool(topics: dict[str, int], **kw) -> list[Item]:
    """``n`` approved items for each topic, ids like ``T-007``."""
    return [make_item(f"{t}-{i:03d}", t, **kw) for t, n in topics.items() for i in range(n)]


def make_blueprint(sections: list[tuple[str, list[tuple[str, int, int | None]], int | None]],
                   threshold: Threshold = Threshold("percent", 50), shuffle: bool = True,
                   code: str = "BP", version: int = 1) -> Blueprint:
    """sections: [(code, [(topic, count, min_correct)], section_min_correct)]."""
    return Blueprint(
        code=code, version=version, group="Б-А", title={"ky": "x", "ru": "x"},
        duration_minutes=60, languages=("ky", "ru"), shuffle_options=shuffle,
        threshold=threshold,
        sections=tuple(Section(c, {"ky": c, "ru": c}, tuple(Quota(*q) for q in qs), m)
                       for c, qs, m in sections))
