"""Client response keys restored in a subgraph answer whose fields the plan sent under aliases.

A subgraph document may select a client field under a planner alias (`id__alias_2: id`) where
its response key would not merge with another field of that key on the same object (say
`id: ID` and `id: ID!` on two union members). The plan lists those renames per fetch; they are
applied to the answer before it is merged, so everything after sees the client's keys. A
subgraph error's path names the sent aliases too: `client_error_path` maps it the same way.

Paths in the merged answer use the keys values are stored under, which are the client's
response keys but for a client field named `__typename` (`CLIENT_TYPENAME_KEY`): `client_path`
gives the path in the client's response.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from bff.planning.nodes import Rename
from bff.planning.selections import CLIENT_TYPENAME_KEY, TYPENAME

Path = tuple[str | int, ...]


def restore_client_keys(answer: Any, renames: tuple[Rename, ...]) -> None:
    """Renames in place, fields below before their parents (paths use the sent keys)."""
    for path, alias, client_key in reversed(renames):
        for target in _objects_at(answer, path):
            if alias in target:
                target[client_key] = target.pop(alias)


def client_path(path: Iterable[str | int]) -> Path:
    """A path in the merged answer as the path of that value in the client's response."""
    return tuple(TYPENAME if segment == CLIENT_TYPENAME_KEY else segment for segment in path)


def client_error_path(
    at: Iterable[str | int], sent: Sequence[Any], renames: tuple[Rename, ...]
) -> Path:
    """The client's path of a subgraph error at `sent` (a path in a fetch's answer, from the
    object `renames` start at) about the object at `at` in the merged answer: each key sent
    under a planner alias replaced by the client's."""
    found: list[Any] = list(at)
    parent: tuple[str, ...] = ()  # the sent keys down to the current object
    for segment in sent:
        if type(segment) is str:
            key = next(
                (
                    client_key
                    for path, alias, client_key in renames
                    if alias == segment and path == parent
                ),
                segment,
            )
            parent = (*parent, segment)
            segment = key
        found.append(segment)
    return client_path(found)


def _objects_at(value: Any, path: tuple[str, ...]) -> Iterator[dict[str, Any]]:
    if isinstance(value, list):
        for item in value:
            yield from _objects_at(item, path)
    elif isinstance(value, dict):
        if not path:
            yield value
        else:
            yield from _objects_at(value.get(path[0]), path[1:])
