"""Fetch groups: the subgraph requests a plan is made of, and how they become plan nodes.

The planner fills groups while walking the operation; `build_plan_node` then orders them:
a group runs after every group it depends on, independent groups run in parallel.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from graphql import OperationDefinitionNode, print_ast

from .drafts import SelectionDraft
from .nodes import Fetch, Flatten, OperationKind, Parallel, PlanNode, RequiredSelection, Sequence

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

    def required_draft(self, type_condition: str) -> SelectionDraft:
        draft = self.requires.get(type_condition)
        if draft is None:
            draft = self.requires[type_condition] = SelectionDraft(type_condition)
        return draft

    def to_fetch(self, operation: OperationDefinitionNode) -> Fetch:
        """The group as a `Fetch`, declaring the client's variables it uses."""
        used = set(self.selection.variables())
        declarations = [
            definition
            for definition in operation.variable_definitions or ()
            if definition.variable.name.value in used
        ]
        variable_usages = tuple(d.variable.name.value for d in declarations)
        declared = [print_ast(d) for d in declarations]
        body = self.selection.print()
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
        )


def build_plan_node(
    roots: list[FetchGroup],
    groups: list[FetchGroup],
    operation: OperationDefinitionNode,
    *,
    sequential_roots: bool,
) -> PlanNode | None:
    """Plan nodes for all groups: each group under the latest group it depends on."""
    if not roots:
        return None
    fetches = {group.id: _node_of(group, operation) for group in groups}
    level: dict[int, int] = {}
    for group in groups:  # groups are created after their dependencies
        level[group.id] = 1 + max((level[d.id] for d in group.depends_on), default=-1)
    parent: dict[int, FetchGroup] = {}
    children: dict[int, list[FetchGroup]] = {group.id: [] for group in groups}
    as_tree = True
    for group in groups:
        if not group.depends_on:
            continue
        latest = max(group.depends_on, key=lambda dep: level[dep.id])
        parent[group.id] = latest
        children[latest.id].append(group)
    for group in groups:
        ancestors = _ancestors(group, parent)
        if any(dep.id not in ancestors for dep in group.depends_on):
            as_tree = False
    if not as_tree:
        # A group waits for two branches: fall back to waves of independent groups.
        waves: dict[int, list[PlanNode]] = {}
        for group in groups:
            waves.setdefault(level[group.id], []).append(fetches[group.id])
        return _sequence([_parallel(waves[index]) for index in sorted(waves)])

    def subtree(group: FetchGroup) -> PlanNode:
        below = [subtree(child) for child in children[group.id]]
        if not below:
            return fetches[group.id]
        return _sequence([fetches[group.id], _parallel(below)])

    nodes = [subtree(root) for root in roots]
    return _sequence(nodes) if sequential_roots else _parallel(nodes)


def _ancestors(group: FetchGroup, parent: dict[int, FetchGroup]) -> set[int]:
    found: set[int] = set()
    current = parent.get(group.id)
    while current is not None:
        found.add(current.id)
        current = parent.get(current.id)
    return found


def _node_of(group: FetchGroup, operation: OperationDefinitionNode) -> PlanNode:
    fetch = group.to_fetch(operation)
    return Flatten(group.path, fetch) if group.is_entity else fetch


def _sequence(nodes: list[PlanNode]) -> PlanNode:
    flat: list[PlanNode] = []
    for node in nodes:
        flat.extend(node.nodes if isinstance(node, Sequence) else (node,))
    return flat[0] if len(flat) == 1 else Sequence(tuple(flat))


def _parallel(nodes: list[PlanNode]) -> PlanNode:
    return nodes[0] if len(nodes) == 1 else Parallel(tuple(nodes))
