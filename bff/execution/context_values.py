"""Contextual argument values (`@fromContext`) for an entity fetch: per object, read on its nearest
ancestor whose runtime type sets the context, and the objects split by the values they need.

The plan says where to look (`ContextInput.sources`, nearest ancestor first: how many segments
of the object's path lead to it, which types set the context, which field chain to read); the
values are JSON as the ancestor's subgraph answered them. Objects needing the same values share
one `_entities` request; a request per distinct set of values is sent.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson

from bff.execution.entity_batch import Path
from bff.execution.schema_index import SchemaIndex
from bff.planning.nodes import ContextInput, ContextSource, RequiredSelection

Objects = list[tuple[dict[str, Any], Path]]


def split_by_context(
    objects: Objects,
    contexts: Sequence[ContextInput],
    data: dict[str, Any],
    index: SchemaIndex,
) -> list[tuple[dict[str, Any], Objects]]:
    """(variables, the objects needing exactly those values), in first-seen order."""
    parts: dict[bytes, tuple[dict[str, Any], Objects]] = {}
    for obj, path in objects:
        values = {
            context.variable: context_value(context, data, path, index) for context in contexts
        }
        identity = orjson.dumps(values, option=orjson.OPT_SORT_KEYS)
        part = parts.get(identity)
        if part is None:
            part = parts[identity] = (values, [])
        part[1].append((obj, path))
    return list(parts.values())


def context_value(
    context: ContextInput, data: dict[str, Any], path: Path, index: SchemaIndex
) -> Any:
    """The value for the object at `path`: from the first source that applies, else null."""
    for source in context.sources:
        ancestor = _at(data, path[: source.depth])
        if type(ancestor) is not dict:
            continue
        typename = ancestor.get("__typename")
        if type(typename) is str and _sets(source, typename, index):
            return _read(ancestor, source.value, index)
    return None


def _sets(source: ContextSource, typename: str, index: SchemaIndex) -> bool:
    return any(index.type_matches(condition, typename) for condition in source.type_conditions)


def _at(data: Any, path: Path) -> Any:
    current = data
    for segment in path:
        if type(segment) is int:
            if type(current) is not list or segment >= len(current):
                return None
        elif type(current) is not dict:
            return None
        current = current[segment] if type(segment) is int else current.get(segment)
    return current


def _read(
    obj: dict[str, Any], selections: tuple[RequiredSelection, ...], index: SchemaIndex
) -> Any:
    """The one leaf (or list of leaves) the selection reads on `obj`; null where it is absent."""
    typename = obj.get("__typename")
    selection = next(
        (
            candidate
            for candidate in selections
            if type(typename) is not str or index.type_matches(candidate.type_condition, typename)
        ),
        None,
    )
    if selection is None or not selection.fields:
        return None
    field = selection.fields[0]
    value = obj.get(field.name)
    if not field.selections:
        return value
    return _nested(value, field.selections, index)


def _nested(value: Any, selections: tuple[RequiredSelection, ...], index: SchemaIndex) -> Any:
    if type(value) is list:
        return [_nested(item, selections, index) for item in value]
    if type(value) is not dict:
        return None
    return _read(value, selections, index)
