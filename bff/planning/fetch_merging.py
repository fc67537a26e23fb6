"""Merging an entity fetch into a later fetch to the same subgraph and path that waits anyway.

An object often needs two fetches from one subgraph: fields it resolves from the key alone
(`inStock`), which could start at once, and fields that `@requires` data from elsewhere
(`shippingEstimate` needs `price weight` from products), which must wait for that data. The
object's branch of the plan waits for the second fetch whatever happens, so sending the first
one's fields with it saves a request without adding a round trip (Apollo's planner does the
same). A merge is made only when it is safe:

- both fetches go to the same subgraph at the same path with the same representation type;
- the later fetch already runs after everything the earlier one waits for, and not after it;
- nothing depends on the earlier fetch (a dependent would start later: a deeper plan);
- the earlier fetch's representations need no field the later one's lack, and the later one is
  not under `@skip`/`@include` (its `@requires` inputs would then be fetched conditionally, and
  objects without them would get neither fetch's fields).

Fetches to an `@interfaceObject` subgraph that ask the same fields after the same fetches for
objects of different types (each type with the inputs a field requires on it) are one fetch too.

Mutations are left alone: their fetches keep the client's strict order.
"""

from __future__ import annotations

import re

from .drafts import FragmentEntry, SelectionDraft
from .fetch_groups import FetchGroup, direct_dependencies

# Matched in printed heads: a string argument quoting one only prevents a merge (safe side).
CONDITION_DIRECTIVES = ("@skip(", "@include(")
_CONDITIONS = re.compile(r" @(?:skip|include)\(if: [^)]*\)")


def merge_waiting_fetches(groups: list[FetchGroup]) -> list[FetchGroup]:
    """The groups after merging each mergeable entity fetch into a later one (in place)."""
    remaining = list(groups)
    merged = True
    while merged:  # a merge can make another group a leaf, and so mergeable
        merged = False
        for early in remaining:
            twin = _twin(early, remaining)
            if twin is not None:
                _merge_twin(early, twin)
                remaining.remove(early)
                merged = True
                break
            late = _merge_target(early, remaining)
            if late is None:
                continue
            _merge_into(early, late)
            remaining.remove(early)
            merged = True
            break
    return remaining


def _merge_target(early: FetchGroup, groups: list[FetchGroup]) -> FetchGroup | None:
    """The first group that `early` can safely be merged into, if any."""
    if not early.is_entity or early.contexts or any(early in g.depends_on for g in groups):
        return None
    for late in groups:
        if (
            late is early
            or not late.is_entity
            or late.service != early.service
            or late.path != early.path
            or late.representation_typename != early.representation_typename
            or late.contexts  # sent once per context value: its variables are its own
            or _is_conditional(late.selection)
        ):
            continue
        waits_for = late.ancestors()
        if early in waits_for or not all(dep in waits_for for dep in early.depends_on):
            continue
        if covers(late.requires, early.requires):
            return late
    return None


def _twin(early: FetchGroup, groups: list[FetchGroup]) -> FetchGroup | None:
    """An `@interfaceObject` fetch asking the same fields as `early` after the same fetches,
    for objects of other types (each type's representations built from its own inputs): one
    fetch then sends them all. Their aliases and `@skip`/`@include` may differ (`blurb @skip(if:
    $a)` for one type, `blurb` for another): each type's inputs are fetched under its own
    fields' conditions, so its representations are sent only when it asks those fields."""
    if early.representation_typename is None or early.contexts:
        return None
    if any(early in g.depends_on for g in groups):
        return None
    for other in groups:
        if (
            other is not early
            and other.representation_typename == early.representation_typename
            and other.service == early.service
            and other.path == early.path
            and not other.contexts
            and _waits_for(other) == _waits_for(early)
            and not set(other.requires) & set(early.requires)
            and _same_fields(other.selection, early.selection)
        ):
            return other
    return None


def _waits_for(group: FetchGroup) -> set[FetchGroup]:
    return set(direct_dependencies(group.depends_on))


def _merge_twin(early: FetchGroup, twin: FetchGroup) -> None:
    """`twin` takes `early`'s objects and fields. An object matches the first representation
    type it is of: the interface's own comes last, after the types whose objects the fields
    were asked for under their own conditions."""
    for type_condition, draft in early.requires.items():
        twin.required_draft(type_condition).merge(draft)
    interface = twin.representation_typename
    if interface in twin.requires:
        twin.requires[interface] = twin.requires.pop(interface)
    for dependency in early.depends_on:
        if dependency not in twin.depends_on:
            twin.depends_on.append(dependency)
    _merge_into(early, twin)


def _asked(draft: SelectionDraft, path: str = "") -> set[tuple[str, str, str]]:
    """The fields a selection asks, whatever their `@skip`/`@include`: (the response keys and
    type conditions above the field, its response key, its name and arguments)."""
    found: set[tuple[str, str, str]] = set()
    for entry in draft.entries.values():
        if isinstance(entry, FragmentEntry):
            condition = f"on {entry.type_condition} " if entry.type_condition else ""
            found |= _asked(entry.sub, path + condition)
            continue
        body = _CONDITIONS.sub("", entry.head.removeprefix(f"{entry.response_key}: "))
        found.add((path, entry.response_key, body))
        if entry.sub is not None:
            found |= _asked(entry.sub, f"{path}{entry.response_key} ")
    return found


def _same_fields(mine: SelectionDraft, theirs: SelectionDraft) -> bool:
    """Whether two selections ask the same fields (each answered from the same inputs), maybe
    under other aliases and conditions, and merge: no response key for two fields."""
    asked, other = _asked(mine), _asked(theirs)
    if {(path, body) for path, _, body in asked} != {(path, body) for path, _, body in other}:
        return False
    keys = {(path, key) for path, key, _ in asked | other}
    return len(keys) == len({(path, key, body) for path, key, body in asked | other})


def _merge_into(early: FetchGroup, late: FetchGroup) -> None:
    """`late` takes `early`'s fields, printed first so the text follows the client's order."""
    selection = SelectionDraft(early.selection.type_name)
    selection.merge(early.selection)
    selection.merge(late.selection)
    late.selection = selection


def covers(late: dict[str, SelectionDraft], early: dict[str, SelectionDraft]) -> bool:
    """Whether every representation field `early` sends is also sent by `late`."""
    for type_condition, draft in early.items():
        mine = late.get(type_condition)
        if mine is None:
            return False
        combined = SelectionDraft(mine.type_name)
        combined.merge(mine)
        combined.merge(draft)
        if combined.print() != mine.print():
            return False
    return True


def _is_conditional(draft: SelectionDraft) -> bool:
    """Whether any selection in the draft carries `@skip` or `@include`."""
    for entry in draft.entries.values():
        if any(directive in entry.head for directive in CONDITION_DIRECTIVES):
            return True
        if entry.sub is not None and _is_conditional(entry.sub):
            return True
    return False
