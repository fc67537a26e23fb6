"""The objects an entity fetch starts from, and their de-duplicated `_entities` representations.

`objects_at(data, path)` walks a Flatten path (response keys; `@` = every element of a list;
nulls skipped) and returns each object with its concrete client path (by nested loops compiled
once per path for the shapes answers have, the general walk for any other).
`EntityBatch.collect` builds one representation per object from the fetch's `requires` (those
of the first selection's type by a loop compiled once per key of leaves), drops objects that
lack a required field, and sends each distinct representation once: `targets[i]`
lists every object that produced representation `i`, so answer `i` is merged into all of them
and an error at `_entities.i` is reported at each of their paths. A combined request
(`CombinedFetch`) has one batch per part, from the objects at every path of the part, answered
under the part's alias.

Representations are `{"__typename", <required fields>}`; nested required objects carry only the
fields listed for them (plus `__typename` when the required selection is abstract, i.e. lists
several type conditions, so the subgraph can tell them apart).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final

import orjson

from bff.execution.response_keys import client_error_path, client_path
from bff.execution.schema_index import SchemaIndex
from bff.planning.nodes import Rename, RequiredField, RequiredSelection

Path = tuple[str | int, ...]
LIST_MARKER: Final = "@"
ENTITIES_FIELD: Final = "_entities"


class _Missing:
    __slots__ = ()


_MISSING: Final = _Missing()


def objects_at(data: dict[str, Any], path: tuple[str, ...]) -> list[tuple[dict[str, Any], Path]]:
    """Every object at `path` with its client path; lists are entered at `@` (and, leniently,
    wherever a list sits under a plain key)."""
    found: list[tuple[dict[str, Any], Path]] = []
    walker = _walker(path)
    if walker is not None and walker(data, found):
        return found
    # Another shape than the compiled walker expects: walked again by the general walk.
    found.clear()
    # One depth-first walk; the client path is kept as one list of keys and made a tuple only
    # for the objects found (the walk passes far more values than it finds).
    _walk(data, path, 0, [], found)
    return found


# A walker of one path: appends what `_walk` finds to `found` and returns True, or returns
# False (part of `found` appended) on the first value `_walk` would treat leniently.
_Walker = Callable[[Any, list[tuple[dict[str, Any], Path]]], bool]
# Compiled walkers by path; a plan's paths are few, but a cache of many documents is bounded.
_WALKERS: dict[tuple[str, ...], _Walker | None] = {}
_MAX_WALKERS: Final = 4096
# Python refuses code nested deeper: 20 loops in one function (CO_MAXBLOCKS), 100 levels of
# indentation. A key adds one level, a `@` a loop and two levels.
_MAX_LOOPS: Final = 18
_MAX_LEVELS: Final = 90


def _walker(path: tuple[str, ...]) -> _Walker | None:
    try:
        return _WALKERS[path]
    except KeyError:
        pass
    walker = _compile_walker(path)
    if len(_WALKERS) < _MAX_WALKERS:
        _WALKERS[path] = walker
    return walker


def _compile_walker(path: tuple[str, ...]) -> _Walker | None:
    """Nested loops for `path` for the shapes answers have (an object at each key, a list at
    each `@`, nulls skipped), the client path built at once: `_walk` without a call per step.
    The keys are constants in the code's namespace, never part of its text."""
    loops = path.count(LIST_MARKER)
    if loops > _MAX_LOOPS or len(path) + loops + 2 > _MAX_LEVELS:
        return None  # walked by `_walk` alone
    lines = ["def walk(v0, found):"]
    _walker_lines(path, 0, 1, [], lines)
    lines.append("    return True")
    namespace: dict[str, Any] = {f"k{depth}": segment for depth, segment in enumerate(path)}
    exec(compile("\n".join(lines), "<objects_at walker>", "exec"), namespace)
    return namespace["walk"]  # type: ignore[no-any-return]


def _walker_lines(
    path: tuple[str, ...], depth: int, level: int, client: list[str], lines: list[str]
) -> None:
    """The code checking value `v{depth}` at `path[depth]`, indented `level` deep."""
    indent = "    " * level
    value = f"v{depth}"
    if depth == len(path):
        at = f"({', '.join(client)},)" if client else "()"
        lines += [
            f"{indent}if type({value}) is dict:",
            f"{indent}    found.append(({value}, {at}))",
        ]
    elif path[depth] == LIST_MARKER:
        lines += [
            f"{indent}if type({value}) is list:",
            f"{indent}    for p{depth}, v{depth + 1} in enumerate({value}):",
        ]
        _walker_lines(path, depth + 1, level + 2, [*client, f"p{depth}"], lines)
    else:
        lines += [
            f"{indent}if type({value}) is dict:",
            f"{indent}    v{depth + 1} = {value}.get(k{depth})",
        ]
        _walker_lines(path, depth + 1, level + 1, [*client, f"k{depth}"], lines)
    # A null is skipped, as `_walk` does; any other value is a shape `_walk` is lenient with.
    lines += [f"{indent}elif {value} is not None:", f"{indent}    return False"]


def _walk(
    value: Any,
    path: tuple[str, ...],
    depth: int,
    at: list[str | int],
    found: list[tuple[dict[str, Any], Path]],
) -> None:
    if depth == len(path):
        _collect_objects(value, at, found)
        return
    segment = path[depth]
    if segment == LIST_MARKER:
        if type(value) is not list:
            if value is not None:
                _walk(value, path, depth + 1, at, found)
            return
        depth += 1
    elif type(value) is dict:
        child = value.get(segment)
        if child is not None:
            at.append(segment)
            _walk(child, path, depth + 1, at, found)
            at.pop()
        return
    elif type(value) is not list:
        return
    # A list: each element at the next segment (`@`), or at the same key (a list under it).
    # An object element stepping into a key is walked here: most paths alternate the two.
    at.append(0)
    end = len(path)
    following = path[depth] if depth < end else None
    for position, item in enumerate(value):
        if item is None:
            continue
        at[-1] = position
        if type(item) is dict and following is not None and following != LIST_MARKER:
            child = item.get(following)
            if child is not None:
                at.append(following)
                _walk(child, path, depth + 1, at, found)
                at.pop()
        else:
            _walk(item, path, depth, at, found)
    at.pop()


def _collect_objects(
    value: Any, at: list[str | int], found: list[tuple[dict[str, Any], Path]]
) -> None:
    if type(value) is dict:
        found.append((value, tuple(at)))
    elif type(value) is list:
        at.append(0)
        for position, item in enumerate(value):
            at[-1] = position
            _collect_objects(item, at, found)
        at.pop()


class EntityBatch:
    """One `_entities` call's representations and, per representation, the objects behind it."""

    __slots__ = ("representations", "target_paths", "targets")

    def __init__(self) -> None:
        self.representations: list[dict[str, Any]] = []
        self.targets: list[list[dict[str, Any]]] = []
        self.target_paths: list[list[Path]] = []

    @classmethod
    def collect(
        cls,
        objects: list[tuple[dict[str, Any], Path]],
        requires: tuple[RequiredSelection, ...],
        representation_typename: str | None,
        index: SchemaIndex,
    ) -> EntityBatch:
        batch = cls()
        positions: dict[bytes, int] = {}
        representations, targets, target_paths = (
            batch.representations,
            batch.targets,
            batch.target_paths,
        )
        # Per `__typename` seen: the selection it matches and, when that selection copies
        # leaves only (a key, most often), their (name, output name) pairs; else None.
        matched: dict[Any, tuple[RequiredSelection | None, tuple[tuple[str, str], ...] | None]]
        matched = {}

        def add(obj: dict[str, Any], path: Path) -> None:
            typename = obj.get("__typename")
            memoised = type(typename) is str or typename is None
            found = matched.get(typename) if memoised else None
            if found is None:
                found = _compiled_selection(typename, requires, index)
                if memoised:
                    matched[typename] = found
            selection, flat = found
            if selection is None:
                return
            representation: dict[str, Any] = {
                "__typename": representation_typename
                or (typename if type(typename) is str else selection.type_condition)
            }
            if flat is None:
                if not _copy_fields(obj, selection.fields, representation, index):
                    return
            else:
                for name, output_name in flat:
                    value = obj.get(name, _MISSING)
                    if value is _MISSING:
                        return
                    representation[output_name] = value
            identity = orjson.dumps(representation, option=orjson.OPT_SORT_KEYS)
            position = positions.get(identity)
            if position is None:
                positions[identity] = len(representations)
                representations.append(representation)
                targets.append([obj])
                target_paths.append([path])
            else:
                targets[position].append(obj)
                target_paths[position].append(path)

        collector = _flat_collector(requires, representation_typename)
        if collector is not None:
            collector(objects, add, positions, representations, targets, target_paths)
        else:
            for obj, path in objects:
                add(obj, path)
        return batch

    def all_paths(self) -> list[Path]:
        """The client paths of every object behind the representations."""
        return [client_path(path) for paths in self.target_paths for path in paths]

    def paths_of(self, position: int) -> list[Path]:
        """The client paths of the objects behind representation `position`."""
        return [client_path(path) for path in self.target_paths[position]]

    def client_paths(
        self, subgraph_path: Any, field: str = ENTITIES_FIELD, renames: tuple[Rename, ...] = ()
    ) -> list[Path | None]:
        """Where a subgraph error at `subgraph_path` belongs in the client's response.

        `[field, i, *rest]` (`field` is `_entities`, or its alias in a combined request) ->
        `[object path, *rest]` for every object behind representation `i`, with the keys in
        `rest` the fetch sent under aliases (`renames`) given as the client's; an error without
        such a path stays path-less.
        """
        position = representation_index(subgraph_path, field)
        if position is not None and position < len(self.target_paths):
            rest = subgraph_path[2:]
            return [client_error_path(path, rest, renames) for path in self.target_paths[position]]
        return [None]


def representation_index(subgraph_path: Any, field: str = ENTITIES_FIELD) -> int | None:
    """`i` for a subgraph error path `[field, i, ...]`, else None."""
    if (
        isinstance(subgraph_path, list)
        and len(subgraph_path) >= 2
        and subgraph_path[0] == field
        and type(subgraph_path[1]) is int
        and subgraph_path[1] >= 0
    ):
        return subgraph_path[1]
    return None


# Adds the objects of the first selection's type to a batch in straight-line code, and any
# other object through `add`: (objects, add, positions, representations, targets, paths).
_Collector = Callable[..., None]
_COLLECTORS: dict[tuple[Any, ...], _Collector | None] = {}
_MAX_COLLECTORS: Final = 1024


def _flat_collector(
    requires: tuple[RequiredSelection, ...], representation_typename: str | None
) -> _Collector | None:
    """For requires whose first selection copies leaves only (a key, most often), a loop
    doing what `add` does for objects whose `__typename` is that selection's type (the
    selection they match: the first that matches), inline; None for other requires."""
    if not requires or any(required.selections for required in requires[0].fields):
        return None
    selection = requires[0]
    fields = tuple((required.name, required.output_name) for required in selection.fields)
    key = (selection.type_condition, representation_typename, fields)
    try:
        return _COLLECTORS[key]
    except KeyError:
        pass
    collector = _compile_collector(selection.type_condition, representation_typename, fields)
    if len(_COLLECTORS) < _MAX_COLLECTORS:
        _COLLECTORS[key] = collector
    return collector


def _compile_collector(
    type_condition: str, representation_typename: str | None, fields: tuple[tuple[str, str], ...]
) -> _Collector:
    """The loop of `_flat_collector`; names and output names are constants of its namespace,
    never part of its text."""
    namespace: dict[str, Any] = {
        "TYPE": type_condition,
        "HEADER": representation_typename or type_condition,
        "MISSING": _MISSING,
        "dumps": orjson.dumps,
        "SORT_KEYS": orjson.OPT_SORT_KEYS,
    }
    lines = [
        "def collect(objects, add, positions, representations, targets, target_paths):",
        "    for obj, path in objects:",
        "        if obj.get('__typename') != TYPE:",
        "            add(obj, path)",
        "            continue",
    ]
    entries = ['"__typename": HEADER']
    for number, (name, output_name) in enumerate(fields):
        namespace[f"n{number}"], namespace[f"o{number}"] = name, output_name
        lines += [
            f"        v{number} = obj.get(n{number}, MISSING)",
            f"        if v{number} is MISSING:",
            "            continue",
        ]
        entries.append(f"o{number}: v{number}")
    lines += [
        # A repeated output name keeps its first place and its last value, as assigning does.
        f"        representation = {{{', '.join(entries)}}}",
        "        identity = dumps(representation, option=SORT_KEYS)",
        "        position = positions.get(identity)",
        "        if position is None:",
        "            positions[identity] = len(representations)",
        "            representations.append(representation)",
        "            targets.append([obj])",
        "            target_paths.append([path])",
        "        else:",
        "            targets[position].append(obj)",
        "            target_paths[position].append(path)",
    ]
    exec(compile("\n".join(lines), "<entity batch collector>", "exec"), namespace)
    return namespace["collect"]  # type: ignore[no-any-return]


def _compiled_selection(
    typename: Any, requires: tuple[RequiredSelection, ...], index: SchemaIndex
) -> tuple[RequiredSelection | None, tuple[tuple[str, str], ...] | None]:
    """The selection an object of `typename` matches, and its fields as (name, output name)
    pairs when none of them has sub-selections (None otherwise: copied by `_copy_fields`)."""
    selection = _matching_selection(typename, requires, index)
    if selection is None:
        return None, None
    if any(required.selections for required in selection.fields):
        return selection, None
    return selection, tuple((required.name, required.output_name) for required in selection.fields)


def _matching_selection(
    typename: Any, requires: tuple[RequiredSelection, ...], index: SchemaIndex
) -> RequiredSelection | None:
    if type(typename) is not str:
        # Only unambiguous without a __typename: the planner selects it wherever it matters.
        return requires[0] if len(requires) == 1 else None
    for selection in requires:
        if index.type_matches(selection.type_condition, typename):
            return selection
    return None


def _copy_fields(
    obj: Mapping[str, Any],
    fields: tuple[RequiredField, ...],
    into: dict[str, Any],
    index: SchemaIndex,
) -> bool:
    for required in fields:
        value = obj.get(required.name, _MISSING)
        if value is _MISSING:
            return False
        if required.selections and value is not None:
            value = _nested(value, required.selections, index)
            if value is _MISSING:
                return False
        into[required.output_name] = value
    return True


def _nested(value: Any, selections: tuple[RequiredSelection, ...], index: SchemaIndex) -> Any:
    if type(value) is list:
        items = []
        for item in value:
            nested = item if item is None else _nested(item, selections, index)
            if nested is _MISSING:
                return _MISSING
            items.append(nested)
        return items
    if type(value) is not dict:
        return _MISSING
    typename = value.get("__typename")
    selection = _matching_selection(typename, selections, index)
    if selection is None:
        return _MISSING
    nested: dict[str, Any] = {}
    if len(selections) > 1 and type(typename) is str:
        nested["__typename"] = typename
    if not _copy_fields(value, selection.fields, nested, index):
        return _MISSING
    return nested
