"""Fetch groups: the subgraph requests a plan is made of, and how they become plan nodes.

The planner fills groups while walking the operation; `build_plan_node` then orders them:
a group runs after every group it depends on, independent groups run in parallel.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from graphql import OperationDefinitionNode

from .drafts import SelectionDraft
from .errors import PlanningError
from .nodes import (
    ContextInput,
    Fetch,
    Flatten,
    OperationKind,
    Parallel,
    PlanNode,
    RequiredSelection,
    Sequence,
)
from .printing import print_variable_definition

REPRESENTATIONS_VARIABLE = "representations"


@dataclass(eq=False, slots=True)
class FetchGroup:
    """One future `Fetch`: a root request (`path` empty) or an `_entities` request at `path`.

    `requires` holds, per type condition, the fields copied into representations;
    `depends_on` the groups whose data must be merged before this one runs.
    """

    id: int
    service: str
    path: tuple[str, ...]
    selection: SelectionDraft
    is_entity: bool = False
    operation_kind: OperationKind = "query"
    representation_typename: str | None = None
    requires: dict[str, SelectionDraft] = field(default_factory=dict)
    depends_on: list[FetchGroup] = field(default_factory=list)
    # Contextual arguments its fields take (`contexts.py`), each a variable of the fetch.
    contexts: list[ContextInput] = field(default_factory=list)

    def ancestors(self) -> set[FetchGroup]:
        """Every group this one runs after, directly or through others."""
        found: set[FetchGroup] = set()
        pending = list(self.depends_on)
        while pending:
            current = pending.pop()
            if current not in found:
                found.add(current)
                pending.extend(current.depends_on)
        return found

    def required_draft(self, type_condition: str) -> SelectionDraft:
        draft = self.requires.get(type_condition)
        if draft is None:
            draft = self.requires[type_condition] = SelectionDraft(type_condition)
        return draft

    def to_fetch(self, operation: OperationDefinitionNode) -> Fetch:
        """The group as a `Fetch`, declaring the client's variables it uses."""
        used = set(self.selection.variables())
        if self.is_entity and REPRESENTATIONS_VARIABLE in used:
            raise PlanningError(
                f"the variable ${REPRESENTATIONS_VARIABLE} is reserved for entity fetches: "
                f"rename it in the operation"
            )
        declarations = [
            definition
            for definition in operation.variable_definitions or ()
            if definition.variable.name.value in used
        ]
        variable_usages = tuple(d.variable.name.value for d in declarations)
        declared = [print_variable_definition(d) for d in declarations]
        body = self.selection.print()
        declared.extend(f"${context.variable}: {context.type}" for context in self.contexts)
        if self.is_entity:
            declared.insert(0, f"${REPRESENTATIONS_VARIABLE}: [_Any!]!")
            body = f"{{ _entities(representations: ${REPRESENTATIONS_VARIABLE}) {body} }}"
        if declared:
            text = f"{self.operation_kind}({', '.join(declared)}) {body}"
        elif self.operation_kind == "query":
            text = body
        else:
            text = f"{self.operation_kind} {body}"
        requires = tuple(
            RequiredSelection(type_condition, draft.to_required())
            for type_condition, draft in self.requires.items()
        )
        return Fetch(
            service=self.service,
            operation=text,
            operation_kind=self.operation_kind,
            variable_usages=variable_usages,
            requires=requires,
            representation_typename=self.representation_typename,
            renames=tuple(self.selection.renames()),
            contexts=tuple(self.contexts),
        )


def direct_dependencies(groups: list[FetchGroup]) -> list[FetchGroup]:
    """`groups` without those another of them already runs after, in their order."""
    implied = {ancestor for group in groups for ancestor in group.ancestors()}
    return [group for group in groups if group not in implied]


def build_plan_node(
    roots: list[FetchGroup],
    groups: list[FetchGroup],
    operation: OperationDefinitionNode,
    *,
    sequential_roots: bool,
) -> PlanNode | None:
    """Plan nodes for all groups, as a tree that starts each group as early as it can.

    A group whose dependencies lie on one chain runs right after the last of them (in parallel
    with its siblings). A group joining several branches (e.g. `@requires` inputs fetched from
    two subgraphs) runs after the branches, under their closest common ancestor.
    """
    if not roots:
        return None
    fetches = {group.id: _node_of(group, operation) for group in groups}
    tree = _Tree()
    for group in groups:  # groups are created after the groups they depend on
        tree.place(group)

    def subtree(group: FetchGroup) -> PlanNode:
        return _sequence([fetches[group.id], *tree.stages_under(group.id, subtree)])

    top = [subtree(root) for root in roots]
    first: list[PlanNode] = top if sequential_roots else [_parallel(top)]
    return _sequence([*first, *tree.stages_under(None, subtree)])


class _Tree:
    """Where each group runs: under its parent, as a child or as a join of the parent's branches."""

    def __init__(self) -> None:
        self.parent: dict[int, int | None] = {}
        self.children: dict[int | None, list[FetchGroup]] = {}
        self.joins: dict[int | None, list[tuple[int, FetchGroup]]] = {}
        self.wave: dict[int, int] = {}

    def place(self, group: FetchGroup) -> None:
        deps = group.depends_on
        self.children.setdefault(group.id, [])
        if not deps:
            self.parent[group.id] = None
            return
        chains = {dep.id: self._chain(dep.id) for dep in deps}
        deepest = max(deps, key=lambda dep: len(chains[dep.id]))
        if all(dep.id in chains[deepest.id] for dep in deps):
            self.parent[group.id] = deepest.id
            self.children.setdefault(deepest.id, []).append(group)
            return
        common = set(chains[deps[0].id])
        for dep in deps[1:]:
            common &= set(chains[dep.id])
        anchor = next((i for i in chains[deps[0].id] if i in common), None)
        wave = 1 + max((self._wave_below(anchor, dep.id) for dep in deps), default=0)
        self.parent[group.id] = anchor
        self.wave[group.id] = wave
        self.joins.setdefault(anchor, []).append((wave, group))

    def stages_under(
        self, anchor: int | None, subtree: Callable[[FetchGroup], PlanNode]
    ) -> list[PlanNode]:
        """The children of `anchor` in parallel, then its joins, wave after wave."""
        stages: list[PlanNode] = []
        if anchor is not None and self.children.get(anchor):
            stages.append(_parallel([subtree(child) for child in self.children[anchor]]))
        waves: dict[int, list[PlanNode]] = {}
        for wave, group in self.joins.get(anchor, ()):
            waves.setdefault(wave, []).append(subtree(group))
        stages.extend(_parallel(waves[wave]) for wave in sorted(waves))
        return stages

    def _chain(self, group_id: int) -> list[int]:
        """The group and its ancestors, nearest first."""
        chain = [group_id]
        current = self.parent.get(group_id)
        while current is not None:
            chain.append(current)
            current = self.parent.get(current)
        return chain

    def _wave_below(self, anchor: int | None, group_id: int) -> int:
        """The join wave (0 for ordinary children) of the branch under `anchor` holding a group."""
        current = group_id
        while current is not None and self.parent.get(current) != anchor:
            current = self.parent.get(current)
        if current is None or current == anchor:
            return 0
        return self.wave.get(current, 0)


def _node_of(group: FetchGroup, operation: OperationDefinitionNode) -> PlanNode:
    fetch = group.to_fetch(operation)
    return Flatten(group.path, fetch) if group.path else fetch


def _sequence(nodes: list[PlanNode]) -> PlanNode:
    flat: list[PlanNode] = []
    for node in nodes:
        flat.extend(node.nodes if isinstance(node, Sequence) else (node,))
    return flat[0] if len(flat) == 1 else Sequence(tuple(flat))


def _parallel(nodes: list[PlanNode]) -> PlanNode:
    return nodes[0] if len(nodes) == 1 else Parallel(tuple(nodes))
