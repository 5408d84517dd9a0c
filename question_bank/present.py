"""What a terminal may see of an item: never the key."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .items import Item


def present_item(item: Item, lang: str, option_order: Sequence[str]) -> dict[str, Any]:
    """The item in ``lang`` with options in ``option_order``, without the key.

    Built field by field from an allow-list (never from ``to_dict``), so a
    field added to Item later cannot leak to the kiosk by accident.
    """
    if lang not in item.languages:
        raise ValueError(f"item {item.id} has no {lang} variant")
    order = list(option_order)
    if sorted(order) != sorted(item.option_ids):
        raise ValueError(f"option order {order} is not a permutation of {list(item.option_ids)}")
    return {
        "id": item.id,
        "version": item.version,
        "type": item.type,
        "text": item.text[lang],
        "options": [{"id": oid, "text": item.option(oid).text[lang]} for oid in order],
    }
