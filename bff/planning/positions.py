"""Where the planner's walk is: a `Position` in a fetch group's document, and its candidates.

`Position` is the walk's whole state at one object; `Step` one client field on the chain an
entity fetch may start from an ancestor of; `Candidate` a subgraph that can take an object over
through `_entities` (as the interface, for an `@interfaceObject` subgraph); `InputWalk` the
representation inputs one field joining an entity fetch had walked, and under which conditions.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from graphql import DirectiveNode, FieldNode, SelectionNode, SelectionSetNode

from bff.supergraph import FieldInfo, TypeInfo

from .drafts import SelectionDraft
from .fetch_groups import FetchGroup


@dataclass(frozen=True, slots=True)
class Position:
    """Where the walk is: an object of `type_name` at `path`, filled into `draft` of `group`.

    - `client`: the client's selections on this object (to keep planner aliases collision-free).
    - `conditions`: directives of enclosing `@skip`/`@include` fragments on this same object,
      re-applied around the object's selection in any entity fetch started from here.
    - `outer_conditions`: the directives of the fields and fragments enclosing the object's
      field, up to the root (with `conditions`, what decides whether the object is answered:
      fields of one response key under other directives share its path).
    - `provided`: the `@provides` field set still in effect for this object.
    - `mirror`/`sink`: set while walking planner-added fields: where their response keys are
      recorded (for the representation) and which groups fetch them (dependencies).
    - `depth`: how many representations deep the walk is (key or requires inputs needing
      their own entity fetches), a guard against cycles.
    - `trail`: the client fields walked in this group from the nearest object where the chain
      of client fields began, with the position each was added at: an entity fetch to another
      subgraph may start at one of those ancestors and walk the fields down there. Fields of
      an interface or union type stay on it, each object below it at the position of its
      runtime type, so an object no subgraph can enter by key (its key fields `@external`
      here) is re-entered above the abstract field; joining an entity fetch starts below the
      last of them (`object_chain`).
    - `members`: for a union, the member types the path can answer (None: every member the
      group's subgraph has), see `QueryPlanner.union_members`.
    """

    group: FetchGroup | None
    type_name: str
    path: tuple[str, ...]
    draft: SelectionDraft | None
    client: tuple[SelectionNode, ...]
    conditions: tuple[tuple[DirectiveNode, ...], ...] = ()
    outer_conditions: tuple[tuple[DirectiveNode, ...], ...] = ()
    provided: SelectionSetNode | None = None
    mirror: SelectionDraft | None = None
    sink: list[FetchGroup] | None = None
    depth: int = 0
    trail: tuple[Step, ...] = ()
    members: frozenset[str] | None = None

    @property
    def all_conditions(self) -> tuple[tuple[DirectiveNode, ...], ...]:
        """Every `@skip`/`@include` directive deciding whether this object is answered."""
        return (*self.outer_conditions, *self.conditions)


@dataclass(frozen=True, slots=True)
class Step:
    """A client field of a composite type, added at `parent` in the same group."""

    parent: Position
    node: FieldNode
    info: FieldInfo


def object_chain(trail: tuple[Step, ...], types: Mapping[str, TypeInfo]) -> tuple[Step, ...]:
    """The end of `trail` below its last field of an interface or union type."""
    for index in range(len(trail) - 1, -1, -1):
        if types[trail[index].info.type_name].kind != "object":
            return trail[index + 1 :]
    return trail


@dataclass(frozen=True, slots=True)
class InputWalk:
    """The inputs (key, `@requires`) walked at `position` for a field joining an entity fetch.

    `guard` is what the field's `@skip`/`@include` conditions at that object need: (variable,
    value) pairs that must all hold, None when a literal condition always excludes the field.
    """

    position: Position
    selections: tuple[SelectionSetNode, ...]
    guard: frozenset[tuple[str, bool]] | None


@dataclass(frozen=True, slots=True)
class Candidate:
    graph: str
    entity_type: str
    representation_typename: str | None
