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

Mutations are left alone: their fetches keep the client's strict order.
"""

from __future__ import annotations

from .drafts import SelectionDraft
from .fetch_groups import FetchGroup

# Matched in printed heads: a string argument quoting one only prevents a merge (safe side).
CONDITION_DIRECTIVES = ("@skip(", "@include(")


def merge_waiting_fetches(groups: list[FetchGroup]) -> list[FetchGroup]:
    """The groups after merging each mergeable entity fetch into a later one (in place)."""
    remaining = list(groups)
    merged = True
    while merged:  # a merge can make another group a leaf, and so mergeable
        merged = False
        for early in remaining:
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
        waits_for = _ancestors(late)
        if early in waits_for or not all(dep in waits_for for dep in early.depends_on):
            continue
        if _covers(late.requires, early.requires):
            return late
    return None


def _merge_into(early: FetchGroup, late: FetchGroup) -> None:
    """`late` takes `early`'s fields, printed first so the text follows the client's order."""
    selection = SelectionDraft(early.selection.type_name)
    selection.merge(early.selection)
    selection.merge(late.selection)
    late.selection = selection


def _ancestors(group: FetchGroup) -> set[FetchGroup]:
    """Every group `group` runs after, directly or through others."""
    found: set[FetchGroup] = set()
    pending = list(group.depends_on)
    while pending:
        current = pending.pop()
        if current not in found:
            found.add(current)
            pending.extend(current.depends_on)
    return found


def _covers(late: dict[str, SelectionDraft], early: dict[str, SelectionDraft]) -> bool:
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
