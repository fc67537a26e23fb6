"""Deep merge of subgraph answers into the response tree the executor builds."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bff.execution.schema_index import SchemaIndex


def merge_into(source: Mapping[str, Any], target: dict[str, Any], index: SchemaIndex) -> None:
    """Deep-merge a fetched object into the tree: objects key by key, equal-length lists item by
    item. A later `__typename` replaces an earlier one only if that one named an interface (an
    `@interfaceObject` subgraph answered first with the interface's name)."""
    for key, value in source.items():
        existing = target.get(key)
        if existing is None:
            target[key] = value
        elif value is None:
            # Keep what an earlier fetch provided; the null's error (if any) explains the gap.
            continue
        elif type(existing) is dict and type(value) is dict:
            merge_into(value, existing, index)
        elif type(existing) is list and type(value) is list and len(existing) == len(value):
            _merge_lists(value, existing, index)
        elif key == "__typename":
            if existing != value and index.is_abstract(existing):
                target[key] = value
        else:
            target[key] = value


def _merge_lists(source: list[Any], target: list[Any], index: SchemaIndex) -> None:
    for position, item in enumerate(source):
        current = target[position]
        if type(current) is dict and type(item) is dict:
            merge_into(item, current, index)
        elif type(current) is list and type(item) is list and len(current) == len(item):
            _merge_lists(item, current, index)
        elif current is None:
            target[position] = item
