"""Moving an object to another subgraph: which subgraph takes a field over, and where the entity
fetch starts.

A field the current subgraph cannot resolve goes to a subgraph that can enter the object by a
key the current one gives (checked on the query graph first: when none can, the operation is
refused with the reason); among several, the cheapest by the memoized cost estimate. The fetch
starts at the highest ancestor on the chain of client fields that subgraph also resolves, so
fields at many paths below join one fetch. A value type (no key) is re-entered through its
nearest enterable ancestor, the query root included; so is a keyless copy of an entity, also for
the fields of a key into a third subgraph (`@external` key fields are read from the
representation the object was entered with). An entity fetch's inputs (keys, `@requires`)
are fetched whenever one of its fields is asked: under the union of its fields' `@skip`/`@include`
conditions. Fields whose inputs would give one representation field two values (`@requires`
selecting `price(currency: "USD")` for one, `price(currency: "EUR")` for another, both sent as
`price`) get entity fetches of their own, each representation built from its own inputs.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from graphql import DirectiveNode, FieldNode, SelectionSetNode

from bff.supergraph import FieldInfo

from .conditions import guard_of
from .contexts import context_arguments
from .drafts import FieldEntry, SelectionDraft
from .errors import PlanningError
from .fetch_groups import FetchGroup, direct_dependencies
from .fetch_merging import covers
from .nodes import RequiredField
from .positions import Candidate, InputWalk, Position, object_chain
from .query_graph import Vertex
from .selections import alias_of

if TYPE_CHECKING:
    from .cost import CostEstimate
    from .planner import QueryPlanner

# Guards against cyclic chains of keys and requires fetched to build one representation.
MAX_JUMP_DEPTH = 32


class EntityMoves:
    """The walk's steps that leave the current subgraph (a part of the plan builder)."""

    planner: QueryPlanner
    costs: CostEstimate
    entity_groups: dict[tuple[object, ...], FetchGroup]
    # Per (entity group id, representation type): the inputs its fields had walked.
    input_walks: dict[tuple[int, str], list[InputWalk]]
    kind: str

    def remote_field(self, pos: Position, info: FieldInfo, node: FieldNode) -> None:
        """A field the current subgraph cannot resolve here: fetch it through `_entities`."""
        assert pos.group is not None
        candidates = self.planner.candidates(pos.type_name, info)
        if candidates and self.planner.contexts.used:
            candidates = self.with_contexts(pos, info, candidates)
        if not candidates:
            self.reenter(pos, info, node)
            return
        here = Vertex(pos.group.service, pos.type_name)
        reachable = self.planner.graph.reachable(pos.type_name, (here,), pos.provided)
        entered = [c for c in candidates if Vertex(c.graph, c.entity_type) in reachable]
        if not entered:
            if self.reentry(pos, info) is not None:
                # E.g. a key field only a keyless copy of this object elsewhere returns.
                self.reenter(pos, info, node)
                return
            # The key fields may come from copies of this object its parent entity reaches.
            reachable = self.planner.graph.reachable(
                pos.type_name, self.reentered(pos), pos.provided
            )
            entered = [c for c in candidates if Vertex(c.graph, c.entity_type) in reachable]
        if not entered:
            keys = "; ".join(
                f"{c.graph!r} by @key(fields: {key.fields!r})"
                for c in candidates
                for key in self.types[c.entity_type].resolvable_keys(c.graph)
            )
            raise PlanningError(
                f"no plan reaches {pos.type_name}.{info.name} at {'.'.join(pos.path)}: from "
                f"subgraph {pos.group.service!r} no subgraph resolving it can be entered "
                f"(the key fields cannot be resolved from there: {keys})"
            )
        candidates = entered
        if len(candidates) == 1:
            self.move_field(pos, info, node, candidates[0])
            return
        self.move_field(
            pos, info, node, min(candidates, key=lambda c: self.cost(pos, info, node, c))
        )

    def better_subgraph(self, pos: Position, info: FieldInfo, node: FieldNode) -> Candidate | None:
        """For a shareable field the current subgraph resolves: another subgraph whose answer
        needs fewer fetches below it (e.g. a shared value type missing fields here), if any."""
        assert pos.group is not None and node.selection_set is not None
        service = pos.group.service
        needed = self.costs.needs(
            service, info.type_name, node.selection_set.selections, info.provides_in(service)
        )
        stay = self.costs.weight(needed - self.joined(pos, needed))
        if stay == 0:
            return None
        others = [c for c in self.planner.candidates(pos.type_name, info) if c.graph != service]
        if not others:
            return None
        best = min(others, key=lambda c: self.cost(pos, info, node, c))
        return best if self.cost(pos, info, node, best)[0] < stay else None

    def joined(self, pos: Position, graphs: frozenset[str]) -> frozenset[str]:
        """The subgraphs among `graphs` this object is already fetched from (at its own path
        or at the ancestor an entity fetch from here would start at)."""
        assert pos.group is not None
        found = set()
        for graph in graphs:
            anchor = self.hoist_anchor(pos, Candidate(graph, pos.type_name, None))
            if (graph, (anchor or pos).path, (pos.group.id,), None) in self.entity_groups:
                found.add(graph)
        return frozenset(found)

    def cost(
        self, pos: Position, info: FieldInfo, node: FieldNode, candidate: Candidate
    ) -> tuple[int, int]:
        """Extra fetches for resolving `node` through `candidate`, then supergraph order."""
        assert pos.group is not None
        service = pos.group.service
        entity_info = self.types[candidate.entity_type]
        direct = any(
            self.planner.key_available(service, pos.type_name, key.selection, pos.provided)
            for key in entity_info.resolvable_keys(candidate.graph)
        )
        target_field = entity_info.fields[info.name]
        needed = self.costs.needs(
            candidate.graph,
            target_field.type_name,
            node.selection_set.selections if node.selection_set else (),
            target_field.provides_in(candidate.graph),
        )
        estimate = self.costs.weight(needed - self.joined(pos, needed))
        requires = target_field.requires_in(candidate.graph)
        extra = 0 if direct else 1
        if requires is not None and not self.planner.key_available(
            service, pos.type_name, requires, pos.provided
        ):
            extra += 1
        # Joining a fetch this object (or an ancestor it can be reached from) already makes to
        # that subgraph costs nothing extra.
        anchor = self.hoist_anchor(pos, candidate) if requires is None else None
        existing = (
            candidate.graph,
            (anchor or pos).path,
            (pos.group.id,),
            candidate.representation_typename,
        ) in self.entity_groups
        if not existing:
            extra += 1
        return (estimate + extra, self.planner.graph_order[candidate.graph])

    def move_field(
        self, pos: Position, info: FieldInfo, node: FieldNode, candidate: Candidate
    ) -> None:
        target_info = self.types[candidate.entity_type].fields[info.name]
        requires = target_info.requires_in(candidate.graph)
        # Inputs fetched only for this field are needed only when the field is.
        conditions = tuple(d for d in node.directives or () if d.name.value in ("skip", "include"))
        contextual = bool(context_arguments(target_info, candidate.graph))
        hoisted = requires is None and not contextual
        anchor = self.hoist_anchor(pos, candidate) if hoisted else None
        if anchor is None:
            target = self.jump(pos, candidate, requires, conditions)
        else:
            target = self.descend(self.jump(anchor, candidate, None), pos, anchor)
        if contextual:
            node = self.bind_contexts(pos, target, target_info, candidate.graph, node)
        self.add_field(target, target_info, node)

    def reenter(self, pos: Position, info: FieldInfo, node: FieldNode) -> None:
        """A field of an object no other subgraph can take over by key (a value type) that
        only other subgraphs resolve: fetched from one of them by re-entering the nearest
        ancestor it can enter (an entity by its key, or the root query when the fields down
        from there are shared) and walking the client's fields down to this object there."""
        assert pos.group is not None
        found = self.reentry(pos, info)
        if found is None:
            raise PlanningError(
                f"no subgraph can resolve {pos.type_name}.{info.name} for objects from "
                f"{pos.group.service!r} (no usable entity key, and no ancestor the subgraphs "
                f"resolving it can enter)"
            )
        graph, anchor = found
        if anchor.type_name == self.types_root_name() and not anchor.path:
            group = self.root_group(graph)
            draft = group.selection
            for directives in anchor.conditions:
                draft = draft.add_fragment(None, directives)
            target = replace(anchor, group=group, draft=draft, trail=())
        else:
            target = self.jump(anchor, Candidate(graph, anchor.type_name, None), None)
        at = self.descend(target, pos, anchor)
        if pos.mirror is not None:
            # A planner-added field (a key or `@requires` input): its fetch feeds the
            # representation being built.
            at = replace(at, mirror=pos.mirror, sink=pos.sink)
            if pos.sink is not None and target.group not in pos.sink:
                assert target.group is not None
                pos.sink.append(target.group)
        self.add_field(at, info, node)

    def reentered(self, pos: Position) -> tuple[Vertex, ...]:
        """Where this object is, or can be fetched by re-entering an ancestor: in the
        position's subgraph and in each subgraph an ancestor's key leads to that returns the
        fields down to it."""
        assert pos.group is not None
        found = [Vertex(pos.group.service, pos.type_name)]
        for graph in self.types[pos.type_name].graphs:
            if graph != pos.group.service and self.hoist_anchor(
                pos, Candidate(graph, pos.type_name, None), from_root=True, inputs=True
            ):
                found.append(Vertex(graph, pos.type_name))
        return tuple(found)

    def reentry(self, pos: Position, info: FieldInfo) -> tuple[str, Position] | None:
        """The first subgraph resolving the field that the nearest ancestor on the client's
        path can re-enter (with that ancestor), if any."""
        for graph in info.graphs:
            anchor = self.hoist_anchor(
                pos, Candidate(graph, pos.type_name, None), from_root=True, inputs=True
            )
            if anchor is not None:
                return graph, anchor
        return None

    def hoist_anchor(
        self,
        pos: Position,
        candidate: Candidate,
        *,
        from_root: bool = False,
        inputs: bool = False,
    ) -> Position | None:
        """The highest ancestor on `pos.trail` from which `candidate.graph` can be entered and
        then resolve every field down to this object itself: one entity fetch there serves
        every object below it (e.g. all the nodes of a tree every subgraph shares). With
        `from_root`, a query's root counts as an ancestor every subgraph can be entered at;
        with `inputs`, a planner-added field may re-enter one too."""
        if candidate.representation_typename is not None:
            return None
        if pos.mirror is not None and not inputs:
            return None
        assert pos.group is not None
        graph, service = candidate.graph, pos.group.service
        trail = pos.trail
        start = len(trail)
        # Above a field of an abstract type only to re-enter an entity by its key: joining an
        # entity fetch, and re-entering the query root, start on the chain of object fields
        # below it (another subgraph's root field is not asked for an interface's objects).
        chain = start - len(object_chain(trail, self.types))
        while start > (0 if from_root else chain) and self.resolves_step(graph, pos, start - 1):
            start -= 1
        for index in range(start, len(trail)):
            anchor = trail[index].parent
            at_root = not anchor.path and anchor.type_name == self.types_root_name()
            if from_root and at_root and self.kind == "query" and index >= chain:
                return anchor
            keys = self.types[anchor.type_name].resolvable_keys(graph)
            if any(
                self.planner.key_available(service, anchor.type_name, k.selection, anchor.provided)
                or self.represented_key(anchor, k.selection) is not None
                for k in keys
            ):
                return anchor
        return None

    def resolves_step(self, graph: str, pos: Position, index: int) -> bool:
        """Whether `graph` resolves the trail's field at `index` itself and may return the
        runtime type the walk went on with below it (for a field of an abstract type)."""
        step = pos.trail[index]
        if not self.planner.is_local(graph, step.parent.type_name, step.info):
            return False
        below = pos.trail[index + 1].parent if index + 1 < len(pos.trail) else pos
        if below.type_name == step.info.type_name:
            return True
        possible = self.types[step.info.type_name].possible_types.get(graph, ())
        return below.type_name in possible

    def represented_key(
        self, pos: Position, key: SelectionSetNode
    ) -> tuple[SelectionDraft, list[FetchGroup]] | None:
        """For an object an entity fetch entered with a key whose fields its subgraph does not
        return itself (`@external` key fields): that representation's fields of `key` and the
        fetches they came from, which serve another entity fetch from here as well."""
        group = pos.group
        assert group is not None
        if not group.is_entity or pos.path != group.path or pos.mirror is not None:
            return None
        owner = self.types[pos.type_name]
        names = {
            node.name.value
            for node in key.selections
            if isinstance(node, FieldNode) and node.name.value in owner.fields
        }
        if all(
            self.planner.is_local(group.service, pos.type_name, owner.fields[name])
            for name in names
        ):
            return None
        entered = group.requires.get(pos.type_name)
        if entered is None:
            return None
        fields = {
            draft_key: entry
            for draft_key, entry in entered.entries.items()
            if isinstance(entry, FieldEntry) and entry.name in names
        }
        if {entry.name for entry in fields.values()} != names:
            return None
        required = SelectionDraft(pos.type_name)
        required.merge(SelectionDraft(pos.type_name, fields))
        return required, list(group.depends_on)

    def walk_inputs(
        self, position: Position, type_condition: str, selections: tuple[SelectionSetNode, ...]
    ) -> tuple[SelectionDraft, list[FetchGroup]]:
        """Walks representation inputs at `position`: (their response keys, as the fields of the
        representations of `type_condition`; the groups that fetch them)."""
        required = SelectionDraft(type_condition)
        sink: list[FetchGroup] = []
        at = replace(position, mirror=required, sink=sink)
        for selection in selections:
            self.walk(at, selection.selections)
        return required, sink

    def share_inputs(self, group: FetchGroup, type_condition: str, new: InputWalk) -> None:
        """Every input of an entity fetch is fetched whenever one of its fields is asked: each
        representation needs them all. A field joining the fetch under other `@skip`/`@include`
        conditions than the fields before it gets their inputs walked under its conditions, and
        its own walked under theirs (unless a weaker condition already covers them)."""
        walks = self.input_walks.setdefault((group.id, type_condition), [])
        guard = new.guard  # None: the field is never asked, its guard holds nowhere
        if guard is not None and not any(
            old.guard is not None and old.guard <= guard for old in walks
        ):
            earlier = tuple(selection for old in walks for selection in old.selections)
            if earlier:
                self.add_inputs(group, type_condition, new.position, earlier)
        for old in walks:
            if old.guard is not None and (guard is None or not guard <= old.guard):
                self.add_inputs(group, type_condition, old.position, new.selections)
        walks.append(new)

    def add_inputs(
        self,
        group: FetchGroup,
        type_condition: str,
        position: Position,
        selections: tuple[SelectionSetNode, ...],
    ) -> None:
        required, sink = self.walk_inputs(position, type_condition, selections)
        group.required_draft(type_condition).merge(required)
        for dependency in sink:
            if dependency not in group.depends_on:
                group.depends_on.append(dependency)

    def descend(self, target: Position, pos: Position, anchor: Position) -> Position:
        """From `anchor`'s position in another group, the client fields down to `pos`'s object."""
        draft = target.draft
        assert draft is not None
        steps = pos.trail[next(i for i, step in enumerate(pos.trail) if step.parent is anchor) :]
        field_type = anchor.type_name
        for step in steps:
            if step.parent.type_name != field_type:
                # The runtime type walked on with below a field of an abstract type.
                draft = draft.add_fragment(step.parent.type_name)
            if step.parent is not anchor:
                for directives in step.parent.conditions:
                    draft = draft.add_fragment(None, directives)
            field_type = step.info.type_name
            node = step.node
            entry = draft.add_field(
                step.info.name,
                alias_of(node),
                node.arguments,
                node.directives,
                sub_type=step.info.type_name,
            )
            assert entry.sub is not None
            draft = entry.sub
        if pos.type_name != field_type:
            draft = draft.add_fragment(pos.type_name)
        for directives in pos.conditions:
            draft = draft.add_fragment(None, directives)
        if pos.draft is not None and not pos.draft:
            # The object stays selected here, where nothing else may be left of it.
            pos.draft.add_field("__typename")
        return replace(
            target,
            type_name=pos.type_name,
            path=pos.path,
            draft=draft,
            client=pos.client,
            outer_conditions=pos.all_conditions,
        )

    def jump(
        self,
        pos: Position,
        candidate: Candidate,
        requires: SelectionSetNode | None,
        input_conditions: tuple[DirectiveNode, ...] = (),
    ) -> Position:
        """The position of this object in an entity fetch to `candidate.graph`;
        `input_conditions` also guard the fetches of its key and required fields."""
        assert pos.group is not None and pos.draft is not None
        if pos.depth > MAX_JUMP_DEPTH:
            raise PlanningError(
                f"cannot plan {pos.type_name} at {'.'.join(pos.path)}: cyclic key or requires"
            )
        service = pos.group.service
        entity_info = self.types[candidate.entity_type]
        keys = entity_info.resolvable_keys(candidate.graph)
        key = next(
            (
                k
                for k in keys
                if self.planner.key_available(service, pos.type_name, k.selection, pos.provided)
            ),
            keys[0],
        )
        type_condition = candidate.representation_typename or pos.type_name
        # Inputs a field requires on one type of an `@interfaceObject`'s interface are fetched
        # for that type only: only its objects' representations are built from them.
        input_condition = (
            pos.type_name
            if candidate.representation_typename is not None and requires is not None
            else type_condition
        )
        # What `@provides` gives this object here, its key and required fields may come from.
        inputs = replace(pos, depth=pos.depth + 1)
        if input_conditions:
            inputs = replace(
                inputs,
                draft=pos.draft.add_fragment(None, input_conditions),
                conditions=(*pos.conditions, input_conditions),
            )
        # Key and required fields come from this object, by whichever subgraphs resolve them.
        selections = (key.selection,) if requires is None else (key.selection, requires)
        represented = self.represented_key(pos, key.selection) if requires is None else None
        if represented is not None:
            required, dependencies = represented
        else:
            required, sink = self.walk_inputs(inputs, input_condition, selections)
            pos.draft.add_field("__typename")
            dependencies = [pos.group]
            for group in sink:
                if group not in dependencies:
                    dependencies.append(group)
        # Keyed by the dependencies no other one already waits for: an object fetched from a
        # subgraph reached through another fetch (the concrete types of an interface object)
        # joins the fetch that waits for both.
        group_key: tuple[object, ...] = (
            candidate.graph,
            pos.path,
            tuple(dep.id for dep in direct_dependencies(dependencies)),
            candidate.representation_typename,
        )
        if input_condition != type_condition:
            # Unless the interface's own fetch here already sends these inputs for every object.
            shared = self.entity_groups.get(group_key)
            if shared is not None and covers(shared.requires, {type_condition: required}):
                input_condition = type_condition
            else:
                group_key = (*group_key, input_condition)
        group = self.entity_groups.get(group_key)
        # Inputs sending a field name with another value than the group's representations
        # (`price` read from `price(currency: "EUR")` where the group's is the USD price) make
        # representations of their own: the next group of this key without the conflict.
        variant = 0
        while group is not None and _inputs_conflict(group.requires.get(input_condition), required):
            variant += 1
            group = self.entity_groups.get((*group_key, variant))
        if group is None:
            group = self.new_group(candidate.graph, pos.path, "_Entity", is_entity=True)
            group.representation_typename = candidate.representation_typename
            group.depends_on = dependencies
            self.entity_groups[(*group_key, variant) if variant else group_key] = group
        group.required_draft(input_condition).merge(required)
        if represented is None:
            walk = InputWalk(inputs, selections, guard_of(inputs.all_conditions))
            self.share_inputs(group, input_condition, walk)
        draft = group.selection.add_fragment(type_condition)
        for directives in pos.conditions:
            draft = draft.add_fragment(None, directives)
        if pos.sink is not None:
            pos.sink.append(group)
        return Position(
            group=group,
            type_name=candidate.entity_type if candidate.representation_typename else pos.type_name,
            path=pos.path,
            draft=draft,
            client=pos.client,
            mirror=pos.mirror,
            sink=pos.sink,
            depth=pos.depth,
            outer_conditions=pos.all_conditions,
        )


def _inputs_conflict(draft: SelectionDraft | None, inputs: SelectionDraft) -> bool:
    """Whether representations of `draft`'s fields could not also carry `inputs`: both send
    one field name (at the same place) read from different fields of the merged answer."""
    return draft is not None and _fields_conflict(draft.to_required(), inputs.to_required())


def _fields_conflict(mine: tuple[RequiredField, ...], theirs: tuple[RequiredField, ...]) -> bool:
    sent = {field.output_name: field for field in mine}
    for field in theirs:
        other = sent.get(field.output_name)
        if other is None:
            continue
        if other.name != field.name:
            return True
        if any(
            _fields_conflict(own.fields, their.fields)
            for own in other.selections
            for their in field.selections
        ):
            return True
    return False
