"""Write a bank as a native YAML file (``examserver bank export``)."""
from __future__ import annotations

from typing import Any

import yaml

from ..items import Bank, Item, sort_languages


def _texts(m: Any) -> dict[str, str]:
    return {lang: m[lang] for lang in sort_languages(m)}


def item_to_native(item: Item) -> dict[str, Any]:
    """The native-file mapping of one item (options flat: ``{id: a, ky: ..., ru: ...}``)."""
    return {
        "id": item.id,
        "version": item.version,
        "topic": item.topic,
        "type": item.type,
        "points": item.points,
        "difficulty": item.difficulty,
        "status": item.status,
        "source": item.source,
        "text": _texts(item.text),
        "options": [{"id": o.id, **_texts(o.text)} for o in item.options],
        "key": sorted(item.key),
    }


def dump_bank(bank: Bank) -> str:
    """Native YAML text for ``bank``; :func:`load_bank` reads it back equal."""
    doc: dict[str, Any] = {}
    if bank.meta is not None:
        doc["bank"] = {"id": bank.meta.id, "title": _texts(bank.meta.title),
                       "demo": bank.meta.demo, "languages": list(bank.meta.languages)}
        if not bank.meta.title:
            del doc["bank"]["title"]
    doc["topics"] = [{"code": t.code, "section": t.section, "title": _texts(t.title)}
                     for t in sorted(bank.topics.values(), key=lambda t: t.code)]
    doc["items"] = [item_to_native(i) for i in bank.items]
    # safe_dump quotes anything YAML would otherwise read as a number, a
    # boolean or a date, so strings come back as strings.
    return yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, width=1000,
                          default_flow_style=False)
