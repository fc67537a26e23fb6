"""Client response keys restored in a subgraph answer whose fields the plan sent under aliases.

A subgraph document may select a client field under a planner alias (`id__alias_2: id`) where
its response key would not merge with another field of that key on the same object (say
`id: ID` and `id: ID!` on two union members). The plan lists those renames per fetch; they are
applied to the answer before it is merged, so everything after sees the client's keys.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from bff.planning.nodes import Rename


def restore_client_keys(answer: Any, renames: tuple[Rename, ...]) -> None:
    """Renames in place, fields below before their parents (paths use the sent keys)."""
    for path, alias, client_key in reversed(renames):
        for target in _objects_at(answer, path):
            if alias in target:
                target[client_key] = target.pop(alias)


def _objects_at(value: Any, path: tuple[str, ...]) -> Iterator[dict[str, Any]]:
    if isinstance(value, list):
        for item in value:
            yield from _objects_at(item, path)
    elif isinstance(value, dict):
        if not path:
            yield value
        else:
            yield from _objects_at(value.get(path[0]), path[1:])
