"""Fetches to one subgraph in the same round trip combined into one request, run as a `Schedule`.

Each fetch gets a wave: 0 without dependencies, else one more than its latest dependency (the
round trip it is sent in when every subgraph answers alike). A fetch below the root that no
other fetch waits for moves to the last wave its subgraph is asked in: the response waits for
that request anyway, so it joins it (as `fetch_merging.py` merges a fetch into a later one its
branch waits for). Fetches of one wave to one subgraph become one `CombinedFetch`: one
document with an aliased `_entities` field per part
(`_0: _entities(representations: $representations0) { ... }`), or a nested root part's own
fields (aliased where their keys would collide with another part's). Parts that would send
the same document with the same representation fields merge into one part with several paths,
so an entity met at two paths is sent once. Root fetches at the top of the plan stay alone
(a query has one per subgraph), and mutations are never combined (their order is strict).

Why a `Schedule` (steps with explicit `after`) rather than a Sequence/Parallel tree: a combined
fetch joins branches, and a tree can only express "after the whole branch". Say the reviews
of `users.@` (below the accounts root) and of `topProducts.@` (below the products root) share
a request, which waits for both roots, while the prices of `topProducts.@` (from another
subgraph, with fetches depending on them) wait for the products root only: a tree would run
the prices after the accounts root too, or the reviews after the prices. The executor starts
each step as soon as its own `after` steps finish, so no fetch waits for a fetch it neither
needs nor shares a request with.

What a combined request costs, precisely: a part waits for the dependencies of the other parts
of its request too, which are all fetches of earlier waves. The plan's depth (round trips)
never grows: a step of wave w only waits for steps of lower waves, and a moved fetch joins a
step that exists anyway and has nothing waiting for it. Parts of one wave: when the subgraphs
answer alike, the other parts' dependencies finish in the same round as the part's own; when
one is slower, the parts sharing the request with a fetch depending on it wait up to that
difference (the trade one request instead of several makes; Hive's planners make it too). A
moved fetch answers later than it could, but never later than the response, which waits for
the request it joined; only when the request's deadline cuts the response short can it be
missing where alone it would have arrived, and a failure of the combined request loses it too.
Plans where nothing combines stay Sequence/Parallel trees, unchanged.

`@skip`/`@include` work as for separate fetches: each part keeps its own guards, and the
executor sends only the parts a request needs (a request with none is not sent).
"""

from __future__ import annotations

from graphql import OperationDefinitionNode

from .drafts import FieldEntry, FragmentEntry, SelectionDraft
from .fetch_groups import REPRESENTATIONS_VARIABLE, FetchGroup
from .nodes import CombinedFetch, Fetch, FetchPart, Flatten, Schedule, Step
from .printing import print_variable_definition

ENTITIES_FIELD = "_entities"


def schedule_combined_fetches(
    groups: list[FetchGroup], operation: OperationDefinitionNode
) -> Schedule | None:
    """The groups as a schedule combining fetches of one wave to one subgraph, or None when
    no two fetches can share a request (the plan is then a Sequence/Parallel tree)."""
    waves = _waves(groups)
    _leaves_join_last_wave(groups, waves)
    buckets: dict[tuple[object, ...], list[FetchGroup]] = {}
    for group in groups:
        # The top-level root fetches are one per subgraph already.
        # A fetch with contextual arguments is sent once per context value: alone.
        alone = not group.path or group.contexts
        key = ("alone", group.id) if alone else (group.service, waves[group.id])
        buckets.setdefault(key, []).append(group)
    if all(len(bucket) == 1 for bucket in buckets.values()):
        return None
    ordered = sorted(buckets.values(), key=lambda bucket: (waves[bucket[0].id], bucket[0].id))
    declarations = {
        definition.variable.name.value: print_variable_definition(definition)
        for definition in operation.variable_definitions or ()
    }
    step_of: dict[int, int] = {}
    steps: list[Step] = []
    for bucket in ordered:
        number = len(steps)
        after = _direct({step_of[dep.id] for group in bucket for dep in group.depends_on}, steps)
        for group in bucket:
            step_of[group.id] = number
        node = (
            _combined(bucket, operation, declarations)
            if len(bucket) > 1
            else _single(bucket[0], operation)
        )
        steps.append(Step(number, node, after))
    return Schedule(tuple(steps))


def _direct(after: set[int], steps: list[Step]) -> tuple[int, ...]:
    """`after` without the steps another one of them already waits for (printed plans stay
    readable; the executor would wait for them anyway)."""
    implied: set[int] = set()
    pending = [before for number in after for before in steps[number].after]
    while pending:
        number = pending.pop()
        if number not in implied:
            implied.add(number)
            pending.extend(steps[number].after)
    return tuple(sorted(after - implied))


def _waves(groups: list[FetchGroup]) -> dict[int, int]:
    waves: dict[int, int] = {}

    def wave(group: FetchGroup) -> int:
        found = waves.get(group.id)
        if found is None:
            found = waves[group.id] = 1 + max(map(wave, group.depends_on), default=-1)
        return found

    for group in groups:
        wave(group)
    return waves


def _leaves_join_last_wave(groups: list[FetchGroup], waves: dict[int, int]) -> None:
    """Moves each fetch nothing depends on (below the root) to the last wave its subgraph is
    asked in: the response waits for that request anyway, and the plan gets no deeper."""
    depended = {dep.id for group in groups for dep in group.depends_on}
    last: dict[str, int] = {}
    for group in groups:
        if group.path:
            last[group.service] = max(last.get(group.service, 0), waves[group.id])
    for group in groups:
        if group.path and group.id not in depended:
            waves[group.id] = last[group.service]


def _single(group: FetchGroup, operation: OperationDefinitionNode) -> Fetch | Flatten:
    fetch = group.to_fetch(operation)
    return Flatten(group.path, fetch) if group.path else fetch


def _combined(
    bucket: list[FetchGroup], operation: OperationDefinitionNode, declarations: dict[str, str]
) -> CombinedFetch:
    """One request for the bucket's groups; equal fetches at several paths share a part."""
    paths: dict[Fetch, list[tuple[str, ...]]] = {}
    selections: dict[Fetch, SelectionDraft] = {}
    for group in bucket:
        fetch = group.to_fetch(operation)
        at = paths.setdefault(fetch, [])
        if group.path not in at:
            at.append(group.path)
        selections.setdefault(fetch, group.selection)
    # Names a part's field or variable must not take: the client's variables, other keys.
    taken_variables = set(declarations)
    taken_keys: set[str] = set()
    parts: list[FetchPart] = []
    for index, (fetch, part_paths) in enumerate(paths.items()):
        selection = selections[fetch]
        used = tuple((name, declarations[name]) for name in fetch.variable_usages)
        if fetch.is_entity_fetch:
            # One part (at several paths) is sent as the plain `_entities` request.
            number = "" if len(paths) == 1 else str(index)
            alias = _free(f"_{index}" if number else ENTITIES_FIELD, taken_keys)
            variable = _free(REPRESENTATIONS_VARIABLE + number, taken_variables)
            field = f"{ENTITIES_FIELD}(representations: ${variable}) {selection.print()}"
            text = field if alias == ENTITIES_FIELD else f"{alias}: {field}"
            parts.append(
                FetchPart(fetch, tuple(part_paths), text, used, alias, variable),
            )
            continue
        own = list(dict.fromkeys(_top_level_keys(selection)))
        prefix = ""
        while any(prefix + key in taken_keys for key in own):
            prefix = f"_{prefix or index}_"
        taken_keys.update(prefix + key for key in own)
        sent = _with_prefix(selection, prefix) if prefix else selection
        keys = tuple((prefix + key, key) for key in own)
        parts.append(FetchPart(fetch, tuple(part_paths), sent.print()[2:-2], used, keys=keys))
    return CombinedFetch(bucket[0].service, tuple(parts))


def _free(name: str, taken: set[str]) -> str:
    while name in taken:
        name = "_" + name
    taken.add(name)
    return name


def _top_level_keys(draft: SelectionDraft) -> list[str]:
    keys: list[str] = []
    for entry in draft.entries.values():
        if isinstance(entry, FragmentEntry):
            keys.extend(_top_level_keys(entry.sub))
        else:
            keys.append(entry.response_key)
    return keys


def _with_prefix(draft: SelectionDraft, prefix: str) -> SelectionDraft:
    """A copy of `draft` whose top-level fields (also inside its fragments) are sent under
    `prefix` + their response key."""
    copy = SelectionDraft(draft.type_name)
    for key, entry in draft.entries.items():
        if isinstance(entry, FragmentEntry):
            sub = _with_prefix(entry.sub, prefix)
            condition, head, variables = entry.type_condition, entry.head, entry.variables
            copy.entries[key] = FragmentEntry(condition, head, variables, sub)
            continue
        aliased = entry.head.startswith(f"{entry.response_key}: ")
        body = entry.head.split(": ", 1)[1] if aliased else entry.head
        sent = prefix + entry.response_key
        copy.entries[key] = FieldEntry(
            sent, entry.name, f"{sent}: {body}", entry.variables, entry.sub, entry.client_key
        )
    return copy
