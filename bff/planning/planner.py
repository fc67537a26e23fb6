"""The query planner: a client operation -> a `QueryPlan` of subgraph fetches.

`QueryPlanner` is built once per supergraph (with its query graph, `query_graph.py`); each
`plan` call walks the operation keeping a `Position` (`positions.py`): the fetch group being
filled, the object's type and response path, and the selection draft for that object in the
group's document (`drafts.py`, printed by `fetch_groups.py`). A field the group's subgraph
resolves is added to the draft; any other field moves to another subgraph (`entity_moves.py`),
chosen by the memoized cost estimate (`cost.py`); interfaces and unions are walked per runtime
type (`abstract_types.py`). Planner-added fields (keys, `@requires` inputs) are walked like
client fields, with a `mirror` draft recording their response keys for the representation.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from graphql import (
    ArgumentNode,
    DirectiveNode,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLUnionType,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionNode,
    SelectionSetNode,
    get_operation_ast,
)

from bff.supergraph import FieldInfo, Supergraph

from .abstract_types import AbstractTypeWalk
from .conditions import always_excluded
from .contexts import ContextScopes, ContextualFields, context_arguments
from .cost import CostEstimate, PlanningBudget
from .drafts import SelectionDraft
from .entity_moves import EntityMoves
from .errors import PlanningError
from .fetch_batching import schedule_combined_fetches
from .fetch_groups import FetchGroup, build_plan_node
from .fetch_merging import merge_waiting_fetches
from .nodes import QueryPlan
from .positions import Candidate, InputWalk, Position, Step, object_chain
from .printing import print_arguments
from .query_graph import QueryGraph, Vertex
from .selections import TYPENAME, alias_of, client_children, client_fields, find_provided

INTROSPECTION_ROOT_FIELDS = frozenset({"__schema", "__type"})
PLANNER_ALIAS_PREFIX = "__key_"
# Planning steps one operation may take by default (cost estimates and walk steps); the
# gateway's PLANNING_MAX_STEPS setting overrides it.
DEFAULT_PLANNING_STEPS = 20_000


class QueryPlanner:
    """Plans operations over one supergraph; build once, call `plan` per (cached) operation."""

    def __init__(self, supergraph: Supergraph, *, max_steps: int = DEFAULT_PLANNING_STEPS) -> None:
        self.supergraph = supergraph
        self.max_steps = max_steps
        self.types = supergraph.types
        self.graph_order = {name: index for index, name in enumerate(supergraph.subgraphs)}
        self.graph = QueryGraph(supergraph)
        self.contexts = ContextScopes(supergraph)
        self._interface_leaf_cache: dict[tuple[str, str, str], bool] = {}
        self._supertypes = self._compute_supertypes()

    def plan(self, document: DocumentNode, operation_name: str | None = None) -> QueryPlan:
        """The plan for an operation already validated against the API schema."""
        operation = get_operation_ast(document, operation_name)
        if operation is None:
            raise PlanningError(
                f"no operation named {operation_name!r}" if operation_name else "no operation"
            )
        if operation.operation == OperationType.SUBSCRIPTION:
            raise PlanningError("subscriptions are not supported")
        fragments = {
            definition.name.value: definition
            for definition in document.definitions
            if isinstance(definition, FragmentDefinitionNode)
        }
        budget = PlanningBudget(self.max_steps)
        return _PlanBuilder(self, operation, fragments, budget).build()

    # Model queries, shared by every plan of this supergraph.

    def applies(self, type_condition: str, type_name: str) -> bool:
        """Whether a fragment on `type_condition` applies to objects of `type_name`."""
        return type_condition in self._supertypes.get(type_name, frozenset((type_name,)))

    def _compute_supertypes(self) -> dict[str, frozenset[str]]:
        """Per type: itself, its interfaces and the unions it belongs to (in any subgraph)."""
        found: dict[str, set[str]] = {name: {name} for name in self.types}
        type_map = self.supergraph.schema.type_map
        for name in self.types:
            named = type_map.get(name)
            found[name].update(interface.name for interface in getattr(named, "interfaces", ()))
            if isinstance(named, GraphQLUnionType):
                for member in named.types:
                    found.setdefault(member.name, {member.name}).add(name)
        return {name: frozenset(supertypes) for name, supertypes in found.items()}

    def leaf_local_for_all(self, interface: str, graph: str, field_name: str) -> bool:
        """Whether `graph` declares the interface field and resolves it for every
        implementation it may return (so it can be selected on the interface itself)."""
        cache_key = (interface, graph, field_name)
        cached = self._interface_leaf_cache.get(cache_key)
        if cached is None:
            info = self.types[interface]
            field = info.fields.get(field_name)
            cached = (
                info.kind == "interface"
                and field is not None
                and self.is_local(graph, interface, field)
                and all(
                    (implementation := self.types[name].fields.get(field_name)) is not None
                    and self.is_local(graph, name, implementation)
                    for name in info.possible_types.get(graph, ())
                )
            )
            self._interface_leaf_cache[cache_key] = cached
        return cached

    def key_available(
        self,
        graph: str,
        type_name: str,
        selection: SelectionSetNode,
        provided: SelectionSetNode | None = None,
    ) -> bool:
        """Whether `graph` can return every field of a key (or required set) on `type_name`,
        itself or through the `@provides` set in effect there."""
        if self.graph.local_fields(graph, type_name, selection):
            return True
        here = (Vertex(graph, type_name),)
        return provided is not None and self.graph.collectable(type_name, here, selection, provided)

    def candidates(self, type_name: str, info: FieldInfo) -> list[Candidate]:
        """Subgraphs that can resolve a field of an object of `type_name` via `_entities`."""
        # An interface's own fields in an `@interfaceObject` subgraph: representations are sent
        # with the interface's name, whatever object the answers so far say they are.
        objects_of = self.types[type_name].interface_object_graphs
        found = [
            Candidate(graph, type_name, type_name if graph in objects_of else None)
            for graph in info.graphs
        ]
        if not found:
            # Fields contributed by an @interfaceObject: resolved on the interface.
            named = self.supergraph.schema.type_map.get(type_name)
            for interface in getattr(named, "interfaces", ()):
                interface_info = self.types.get(interface.name)
                if interface_info is None:
                    continue
                interface_field = interface_info.fields.get(info.name)
                if interface_field is None:
                    continue
                found.extend(
                    Candidate(graph, interface.name, interface.name)
                    for graph in interface_field.graphs
                    if graph in interface_info.interface_object_graphs
                )
        return [c for c in found if self.types[c.entity_type].resolvable_keys(c.graph)]

    def is_local(self, graph: str, type_name: str, info: FieldInfo) -> bool:
        return (
            graph in info.graphs
            and info.requires_in(graph) is None
            and not context_arguments(info, graph)
        )


class _PlanBuilder(EntityMoves, AbstractTypeWalk, ContextualFields):
    """The state of one `plan` call: the groups created so far."""

    def __init__(
        self,
        planner: QueryPlanner,
        operation: OperationDefinitionNode,
        fragments: dict[str, FragmentDefinitionNode],
        budget: PlanningBudget,
    ) -> None:
        self.planner = planner
        self.budget = budget
        self.costs = CostEstimate(planner, fragments, budget)
        self.types = planner.types
        self.operation = operation
        self.fragments = fragments
        self.kind = operation.operation.value
        self.groups: list[FetchGroup] = []
        self.roots: list[FetchGroup] = []
        self.entity_groups: dict[tuple[object, ...], FetchGroup] = {}
        self.input_walks: dict[tuple[int, str], list[InputWalk]] = {}
        self.positions_at: dict[tuple[str, ...], list[Position]] = {}
        # Root fields planned so far: (response key, printed arguments) -> subgraph.
        self.root_choices: dict[tuple[str, str], str] = {}

    def build(self) -> QueryPlan:
        supergraph = self.planner.supergraph
        root_type = supergraph.mutation_type if self.kind == "mutation" else supergraph.query_type
        if root_type is None:
            raise PlanningError(f"the supergraph has no {self.kind} type")
        selections = tuple(self.operation.selection_set.selections)
        root = Position(group=None, type_name=root_type, path=(), draft=None, client=selections)
        self.walk(root, selections)
        ordered = _dependencies_first(self.groups)
        if self.kind == "mutation":  # fields run in order: no fetch merged or combined
            node = build_plan_node(self.roots, ordered, self.operation, sequential_roots=True)
        else:
            groups = merge_waiting_fetches(ordered)
            node = schedule_combined_fetches(groups, self.operation) or build_plan_node(
                self.roots, groups, self.operation, sequential_roots=False
            )
        return QueryPlan(node=node, operation_kind=self.kind)  # type: ignore[arg-type]

    # The walk.

    def walk(self, pos: Position, selections: Sequence[SelectionNode]) -> None:
        self.budget.spend()
        self.record_position(pos)
        type_info = self.types[pos.type_name]
        if pos.group is not None and type_info.is_abstract:
            if pos.group.service in type_info.interface_object_graphs:
                self.walk_interface_object(pos, type_info, selections)
            else:
                self.walk_abstract(pos, type_info, selections)
            return
        self.walk_object(pos, selections)

    def walk_object(
        self,
        pos: Position,
        selections: Sequence[SelectionNode],
        deferred: list[FieldNode] | None = None,
    ) -> None:
        """Selections on one object: fields, and fragments that apply to its type.

        Fields several other subgraphs could resolve are planned last, so they can join an
        entity fetch this object needs anyway for fields with a single choice.
        """
        outermost = deferred is None
        if deferred is None:
            deferred = []
        for node in selections:
            if always_excluded(node.directives):
                continue  # never part of the answer: nothing is fetched for it
            if isinstance(node, FieldNode):
                if self.has_remote_choice(pos, node):
                    deferred.append(node)
                else:
                    self.field(pos, node)
                continue
            type_condition, directives, inner = self.fragment_parts(node)
            if type_condition and not self.planner.applies(type_condition, pos.type_name):
                continue
            if not directives:
                self.walk_object(pos, inner, deferred)
                continue
            draft = pos.draft.add_fragment(None, directives) if pos.draft is not None else None
            inner_pos = replace(pos, draft=draft, conditions=(*pos.conditions, directives))
            self.walk(inner_pos, inner)
        if outermost:
            for node in deferred:
                self.field(pos, node)

    def has_remote_choice(self, pos: Position, node: FieldNode) -> bool:
        """Whether the field must leave the current subgraph and may go to several others."""
        if pos.group is None or pos.provided is not None:
            return False
        info = self.types[pos.type_name].fields.get(node.name.value)
        return (
            info is not None
            and len(info.graphs) > 1
            and not self.planner.is_local(pos.group.service, pos.type_name, info)
        )

    def field(self, pos: Position, node: FieldNode) -> None:
        name = node.name.value
        if name == "__typename":
            if pos.draft is not None:
                alias = self.planner_alias(pos, name) if pos.mirror is not None else alias_of(node)
                pos.draft.add_field(name, alias, directives=node.directives)
            return
        if pos.group is None and name in INTROSPECTION_ROOT_FIELDS:
            return  # the edge answers introspection itself
        info = self.planner.supergraph.field(pos.type_name, name)
        if info is None:
            raise PlanningError(f"{pos.type_name}.{name} is not in the supergraph")
        if pos.group is None:
            self.root_field(pos, info, node)
            return
        is_provided, provided_sub = find_provided(
            pos.provided, name, pos.type_name, self.planner.applies
        )
        if is_provided or self.planner.is_local(pos.group.service, pos.type_name, info):
            if node.selection_set is not None and not is_provided and len(info.graphs) > 1:
                better = self.better_subgraph(pos, info, node)
                if better is not None:
                    self.move_field(pos, info, node, better)
                    return
            self.add_field(pos, info, node, provided_sub if is_provided else None, is_provided)
        elif pos.type_name == self.planner.supergraph.query_type:
            self.root_field(pos, info, node)  # any subgraph answers Query fields from its root
        else:
            self.remote_field(pos, info, node)

    def add_field(
        self,
        pos: Position,
        info: FieldInfo,
        node: FieldNode,
        provided_sub: SelectionSetNode | None = None,
        is_provided: bool = False,
    ) -> None:
        """Adds a field the position's subgraph resolves, then walks its selection there."""
        assert pos.group is not None and pos.draft is not None
        planner_added = pos.mirror is not None
        alias = (
            self.planner_alias(pos, info.name, node.arguments) if planner_added else alias_of(node)
        )
        composite = node.selection_set is not None
        entry = pos.draft.add_field(
            info.name,
            alias,
            node.arguments,
            node.directives,
            sub_type=info.type_name if composite else None,
            type_ref=info.type_ref_in(pos.group.service),
            planner_added=planner_added,
        )
        # The field's key in the merged answer: the representations and the paths of fetches
        # below read it there.
        stored_key = entry.stored_key
        mirror_entry = None
        if pos.mirror is not None:
            mirror_entry = pos.mirror.add_field(
                info.name,
                stored_key if stored_key != info.name else None,
                sub_type=info.type_name if composite else None,
            )
        if node.selection_set is None:
            return
        assert entry.sub is not None
        if planner_added:
            # Nested representation objects are matched on `__typename` like the entity itself.
            entry.sub.add_field("__typename")
        response_key = alias or info.name
        # The field's type in this subgraph (`@join__field(type:)`) bounds what it can return
        # there: fragments on other types are not sent to it.
        child_type = info.type_in(pos.group.service)
        if child_type not in self.types:
            child_type = info.type_name
        if child_type != info.type_name and self.types[info.type_name].is_abstract:
            entry.sub.add_field("__typename")  # the client's position is still abstract
        enclosing = pos.all_conditions
        if node.directives:
            enclosing = (*enclosing, tuple(node.directives))
        # Another client field of this response key (under other conditions) shares the path:
        # entity fetches from below must carry this field's conditions themselves.
        shared = not planner_added and self.shares_response_key(pos, response_key)
        child = Position(
            group=pos.group,
            type_name=child_type,
            path=(*pos.path, stored_key, *("@",) * info.list_depth),
            draft=entry.sub,
            client=client_children(pos.client, response_key, self.fragments),
            conditions=enclosing if shared else (),
            outer_conditions=() if shared else enclosing,
            provided=provided_sub if is_provided else info.provides_in(pos.group.service),
            mirror=mirror_entry.sub if mirror_entry is not None else None,
            sink=pos.sink,
            depth=pos.depth,
            trail=self.extended_trail(pos, info, node),
            members=None if planner_added or is_provided else self.union_members(pos, info),
        )
        self.walk(child, node.selection_set.selections)

    def union_members(self, pos: Position, info: FieldInfo) -> frozenset[str] | None:
        """For a union field: the members every subgraph that may answer it on this path has.

        The subgraphs an object on the path may be in are followed down the client fields
        from the start of the position's trail (the root, or the object the chain begins at,
        with the subgraphs its keys enter): a shareable path several subgraphs answer is sure
        of only the members they share, as the reference gateways plan it; a member only some
        of them have is left out (its fields answer null). None when nothing is left out.
        """
        assert pos.group is not None
        union = self.types[info.type_name]
        if union.kind != "union":
            return None
        graph = self.planner.graph
        trail = object_chain(pos.trail, self.types)
        first = trail[0].parent if trail else pos
        if first.group is None:
            at = graph.reachable(first.type_name, ())
        else:
            start = Vertex(pos.group.service, first.type_name)
            at = graph.reachable(first.type_name, (start,), first.provided)
        for step in trail:
            heads = [
                Vertex(vertex.graph, step.info.type_name)
                for vertex in at
                if vertex.graph in step.info.graphs
            ]
            at = graph.reachable(step.info.type_name, heads)
        answering = {vertex.graph for vertex in at if vertex.graph in info.graphs}
        own = set(union.possible_types.get(pos.group.service, ()))
        if pos.group.service not in answering:
            return None
        shared = own.intersection(*(union.possible_types.get(other, ()) for other in answering))
        return frozenset(shared) if shared != own else None

    def shares_response_key(self, pos: Position, response_key: str) -> bool:
        """Whether the client selects several fields under `response_key` on this object."""
        found = 0
        for client_field in client_fields(pos.client, self.fragments):
            if (client_field.alias or client_field.name).value == response_key:
                found += 1
                if found > 1:
                    return True
        return False

    def extended_trail(self, pos: Position, info: FieldInfo, node: FieldNode) -> tuple[Step, ...]:
        """`pos.trail` plus this client field (through abstract types too: see
        `Position.trail`)."""
        if pos.mirror is not None:
            return ()
        return (*pos.trail, Step(pos, node, info))

    def root_field(self, pos: Position, info: FieldInfo, node: FieldNode) -> None:
        """A root field goes to the subgraph needing the fewest extra fetches for it (a
        subgraph already queried wins a tie, then one whose `@provides` on the field answers
        more of it in the first fetch, then supergraph order)."""
        if not info.graphs:
            raise PlanningError(f"no subgraph resolves {pos.type_name}.{info.name}")
        used = {group.service for group in self.roots}
        sub = node.selection_set.selections if node.selection_set else ()
        # The same root field met again (e.g. under other directives or in a fragment) goes
        # where it went first: one subgraph answers the object, so nothing below it is asked
        # of two subgraphs or twice of one.
        repeat = (alias_of(node) or info.name, print_arguments(node.arguments or ()))
        earlier = self.root_choices.get(repeat) if pos.group is None else None
        graph = (
            earlier
            if earlier is not None
            else info.graphs[0]
            if len(info.graphs) == 1
            else min(
                info.graphs,
                key=lambda g: (
                    self.costs.estimate(g, info.type_name, sub, info.provides_in(g)),
                    g not in used,
                    info.provides_in(g) is None,
                    self.planner.graph_order[g],
                ),
            )
        )
        if pos.group is None and self.kind == "query":
            self.root_choices.setdefault(repeat, graph)
        group = self.root_group(graph) if pos.group is None else self.nested_root_group(graph, pos)
        draft = group.selection
        for directives in pos.conditions:
            draft = draft.add_fragment(None, directives)
        self.add_field(replace(pos, group=group, draft=draft), info, node)

    def nested_root_group(self, graph: str, pos: Position) -> FetchGroup:
        """A root query to `graph` for a `Query`-typed object met below the root (e.g. a field
        returning `Query`): its answer is merged into the objects at the position's path."""
        assert pos.group is not None
        group_key = ("root", graph, pos.path, pos.group.id)
        group = self.entity_groups.get(group_key)
        if group is None:
            group = self.new_group(graph, pos.path, pos.type_name, is_entity=False)
            group.depends_on = [pos.group]
            self.entity_groups[group_key] = group
        return group

    def root_group(self, graph: str) -> FetchGroup:
        if self.kind == "mutation":
            # Mutation fields run in client order: only consecutive fields share a fetch.
            if self.roots and self.roots[-1].service == graph:
                return self.roots[-1]
        else:
            for group in self.roots:
                if group.service == graph:
                    return group
        group = self.new_group(graph, (), self.types_root_name(), is_entity=False)
        group.operation_kind = "mutation" if self.kind == "mutation" else "query"
        self.roots.append(group)
        return group

    def types_root_name(self) -> str:
        supergraph = self.planner.supergraph
        name = supergraph.mutation_type if self.kind == "mutation" else supergraph.query_type
        assert name is not None
        return name

    def new_group(
        self, service: str, path: tuple[str, ...], type_name: str, *, is_entity: bool
    ) -> FetchGroup:
        group = FetchGroup(
            id=len(self.groups),
            service=service,
            path=path,
            selection=SelectionDraft(type_name),
            is_entity=is_entity,
        )
        self.groups.append(group)
        return group

    # Operation helpers.

    def fragment_parts(
        self, node: SelectionNode
    ) -> tuple[str | None, tuple[DirectiveNode, ...], Sequence[SelectionNode]]:
        """(type condition, directives, selections) of an inline fragment or a spread."""
        if isinstance(node, InlineFragmentNode):
            condition = node.type_condition.name.value if node.type_condition else None
            return condition, tuple(node.directives or ()), node.selection_set.selections
        if isinstance(node, FragmentSpreadNode):
            definition = self.fragments.get(node.name.value)
            if definition is None:
                raise PlanningError(f"unknown fragment {node.name.value!r}")
            return (
                definition.type_condition.name.value,
                tuple(node.directives or ()),
                definition.selection_set.selections,
            )
        raise PlanningError(f"unexpected selection {node.kind}")

    def planner_alias(
        self, pos: Position, name: str, arguments: Sequence[ArgumentNode] = ()
    ) -> str | None:
        """The response key of a planner-added field (a key or `@requires` input): the client's
        when the client selects this very field here (same name and arguments under a response
        key no other field uses), so the subgraph resolves it once, both selections merging
        under one key whatever their `@skip`/`@include`; else `None` (plain name) unless the
        client uses `name` as a response key for another field or with arguments, then a
        `__key_` alias so the merged data stays unambiguous."""
        fields = tuple(client_fields(pos.client, self.fragments))
        wanted = (name, _arguments_text(arguments))
        keys: dict[str, set[tuple[str, str]]] = {}
        for client_field in fields:
            response_key = (client_field.alias or client_field.name).value
            selected = (client_field.name.value, _arguments_text(client_field.arguments))
            keys.setdefault(response_key, set()).add(selected)
        for response_key, selected in keys.items():
            if selected == {wanted} and response_key != TYPENAME:
                return None if response_key == name else response_key
        if any(key == name and selected != {(name, "")} for key, selected in keys.items()):
            return PLANNER_ALIAS_PREFIX + name
        return None


def _arguments_text(arguments: Sequence[ArgumentNode] | None) -> str:
    """A field's arguments, printed in name order (the order a client writes them in does not
    make another field)."""
    return print_arguments(sorted(arguments or (), key=lambda argument: argument.name.value))


def _dependencies_first(groups: list[FetchGroup]) -> list[FetchGroup]:
    """The groups in creation order, but each after the groups it depends on (an entity fetch
    can gain an input fetched by a group created after it, `EntityMoves.share_inputs`)."""
    ordered: list[FetchGroup] = []
    placed: set[int] = set()

    def place(group: FetchGroup) -> None:
        if group.id in placed:
            return
        placed.add(group.id)
        for dependency in group.depends_on:
            place(dependency)
        ordered.append(group)

    for group in groups:
        place(group)
    return ordered
