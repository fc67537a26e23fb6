"""Runs a QueryPlan: fetches from subgraphs, merges their answers into one tree, then shapes it.

- `Parallel` children run concurrently (`asyncio.gather`), `Sequence` children in order; a
  `Schedule`'s steps each start once the steps they come after have finished.
- A mutation plan runs its steps in order, and once the mutation fields answered so far null
  `data` (a non-null field failed), the steps sending later mutation fields are not run.
- A root `Fetch` sends its operation with the client variables it declares and deep-merges the
  answer's `data` at the root.
- A `Flatten` collects the objects at its path (response keys, `@` = every list element, nulls
  skipped), turns them into one de-duplicated batch of representations (`EntityBatch`), makes one
  `_entities` call and merges answer `i` into every object that produced representation `i`.
- A failed, slow or malformed answer leaves the fields it would have provided null and adds one
  `SUBGRAPH_UNAVAILABLE` error (per root field for a root fetch; at the first affected object for an
  entity fetch). Fetches that depend on the missing data find nothing to send and are skipped.
- An entity fetch whose selections the request's `@skip`/`@include` variables all exclude is not
  sent (`conditions`).
- A `CombinedFetch` sends one request with the parts this request needs (each part's guards
  checked as a fetch's are, and parts with no objects to resolve left out; none left: nothing
  sent); each part's answer is merged at its own paths, and errors are re-pathed per part.
- Subgraph GraphQL errors are passed on with their paths rewritten to client paths: `_entities`
  positions to the objects' paths, and keys the plan sent under aliases to the client's.

The merged tree is then shaped by `shaping.shape_data` into the client's `data`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from collections.abc import Sequence as Sequence_
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger
from graphql import GraphQLSchema

from bff.execution.conditions import excludes_every_selection
from bff.execution.context_values import split_by_context
from bff.execution.entity_batch import (
    ENTITIES_FIELD,
    EntityBatch,
    objects_at,
    representation_index,
)
from bff.execution.error_masking import (
    forbidden_error,
    forbidden_paths,
    subgraph_error,
    unavailable_error,
)
from bff.execution.header_propagation import PerSubgraphHeaders
from bff.execution.merging import merge_into
from bff.execution.operation import PreparedOperation
from bff.execution.response_keys import client_error_path, client_path, restore_client_keys
from bff.execution.schema_index import SchemaIndex, index_for
from bff.execution.shaping import shape_data
from bff.execution.transport import SubgraphEndpoint, SubgraphFetchError, SubgraphTransport
from bff.observability.tracing import stage_span

if TYPE_CHECKING:
    from bff.authorization import RemovedField
from bff.planning.nodes import (
    CombinedFetch,
    Fetch,
    FetchPart,
    Flatten,
    Parallel,
    PlanNode,
    QueryPlan,
    Schedule,
    Sequence,
    Step,
)

logger = Logger(service="bff", child=True)

_EMPTY: Mapping[str, Any] = MappingProxyType({})

Path = tuple[str | int, ...]


@dataclass(slots=True)
class GatewayResult:
    """The client's response body: `data` (None when null propagated to the root) and errors."""

    data: dict[str, Any] | None
    errors: list[dict[str, Any]] = field(default_factory=list)


async def execute_plan(
    plan: QueryPlan,
    *,
    operation: PreparedOperation,
    variables: Mapping[str, Any],
    schema: GraphQLSchema,
    endpoints: Mapping[str, SubgraphEndpoint],
    transport: SubgraphTransport,
    forwarded_headers: Mapping[str, str] | PerSubgraphHeaders = _EMPTY,
    root_values: Mapping[str, Any] = _EMPTY,
    forbidden: Sequence_[RemovedField] = (),
) -> GatewayResult:
    """Run `plan` for the client `operation` and return the shaped response.

    `variables` are the client's, already coerced with defaults applied; `schema` is the API
    schema; `root_values` are root fields the edge already resolved (introspection), by response
    key, copied into `data` as they are. `forbidden` are fields authorization removed from the
    plan (`bff.authorization`): each is answered null with a FORBIDDEN error where it appears.
    """
    run = _PlanRun(variables, index_for(schema), endpoints, transport, forwarded_headers)
    # Root fields first: a refused mutation field must count before later fields are sent.
    run.refuse([removed for removed in forbidden if not removed.parent_path])
    if plan.node is not None:
        if plan.operation_kind == "mutation":
            await run.execute_mutation(plan.node, operation, schema)
        else:
            await run.execute(plan.node, run.errors)
    run.refuse([removed for removed in forbidden if removed.parent_path])
    with stage_span("graphql.shape"):
        data = shape_data(
            run.data,
            operation=operation,
            variables=variables,
            schema=schema,
            errors=run.errors,
            failed_paths=run.failed_paths,
            root_values=root_values,
        )
    return GatewayResult(data, run.errors)


class _PlanRun:
    """The mutable state of one plan execution: merged data, errors, paths whose fetch failed."""

    __slots__ = (
        "data",
        "endpoints",
        "errors",
        "failed_paths",
        "forwarded_headers",
        "index",
        "transport",
        "variables",
    )

    def __init__(
        self,
        variables: Mapping[str, Any],
        index: SchemaIndex,
        endpoints: Mapping[str, SubgraphEndpoint],
        transport: SubgraphTransport,
        forwarded_headers: Mapping[str, str] | PerSubgraphHeaders,
    ) -> None:
        self.variables = variables
        self.index = index
        self.endpoints = endpoints
        self.transport = transport
        self.forwarded_headers = forwarded_headers
        self.data: dict[str, Any] = {}
        self.errors: list[dict[str, Any]] = []
        self.failed_paths: set[Path] = set()

    def refuse(self, removed: Sequence_[RemovedField]) -> None:
        """A FORBIDDEN error at every place a refused field appears in the data so far."""
        for path in forbidden_paths(self.data, removed, self.index.type_matches):
            self.errors.append(forbidden_error(path))
            self.failed_paths.add(path)

    async def execute(self, node: PlanNode, errors: list[dict[str, Any]]) -> None:
        """Run `node`, appending its errors to `errors` in plan order (whatever finished first)."""
        if isinstance(node, Fetch):
            if node.is_entity_fetch:
                await self._entity_fetch((), node, errors)
            else:
                await self._root_fetch(node, errors)
        elif isinstance(node, Flatten):
            if node.node.is_entity_fetch:
                await self._entity_fetch(node.path, node.node, errors)
            else:
                await self._nested_root_fetch(node.path, node.node, errors)
        elif isinstance(node, Sequence):
            for child in node.nodes:
                await self.execute(child, errors)
        elif isinstance(node, Schedule):
            await self._schedule(node, errors)
        elif isinstance(node, CombinedFetch):
            await self._combined_fetch(node, errors)
        elif isinstance(node, Parallel):
            # One error list per child keeps the response's error order deterministic.
            child_errors: list[list[dict[str, Any]]] = [[] for _ in node.nodes]
            pairs = zip(node.nodes, child_errors, strict=True)
            await asyncio.gather(*(self.execute(child, into) for child, into in pairs))
            for into in child_errors:
                errors.extend(into)
        else:  # pragma: no cover - the plan node union is closed
            raise TypeError(f"unknown plan node {node!r}")

    async def _schedule(self, schedule: Schedule, errors: list[dict[str, Any]]) -> None:
        """Each step starts when the steps it comes after have finished; errors are kept in
        step order."""
        step_errors: list[list[dict[str, Any]]] = [[] for _ in schedule.steps]
        tasks: list[asyncio.Future[None]] = []
        for step in schedule.steps:
            before = [tasks[number] for number in step.after]
            tasks.append(asyncio.ensure_future(self._step(step, before, step_errors[step.id])))
        try:
            await asyncio.gather(*tasks)
        except BaseException:
            for task in tasks:  # none keeps merging into a response that is given up
                task.cancel()
            raise
        for into in step_errors:
            errors.extend(into)

    async def _step(
        self, step: Step, before: list[asyncio.Future[None]], errors: list[dict[str, Any]]
    ) -> None:
        for earlier in before:  # awaited in turn: one wake-up each, no gathering future
            await earlier
        await self.execute(step.node, errors)

    async def execute_mutation(
        self, node: PlanNode, operation: PreparedOperation, schema: GraphQLSchema
    ) -> None:
        """The plan's steps in order; before a step that sends mutation fields, stop if the
        fields run so far null `data` (a failed non-null field): graphql-js executes mutation
        fields serially and runs none after that, so nothing after it is sent."""
        steps = node.nodes if isinstance(node, Sequence) else (node,)
        done: list[str] = []
        for step in steps:
            keys = _mutation_root_keys(step)
            if keys and done and self._nulls_data(done, operation, schema):
                return
            await self.execute(step, self.errors)
            done.extend(keys)

    def _nulls_data(
        self, keys: list[str], operation: PreparedOperation, schema: GraphQLSchema
    ) -> bool:
        shaped = shape_data(
            self.data,
            operation=operation,
            variables=self.variables,
            schema=schema,
            errors=[],
            failed_paths=self.failed_paths,
            only_keys=keys,
        )
        return shaped is None

    async def _root_fetch(self, fetch: Fetch, errors: list[dict[str, Any]]) -> None:
        if excludes_every_selection(fetch, self.variables):
            return  # every field it selects is skipped: the subgraph is not asked
        response = await self._call(fetch.service, self._root_payload(fetch))
        if response is None:
            for key in fetch.response_keys:
                errors.append(unavailable_error(fetch.service, (key,)))
                self.failed_paths.add((key,))
            return
        data = response.get("data")
        if data:
            restore_client_keys(data, fetch.renames)
            merge_into(data, self.data, self.index)
        elif data is None:
            self.failed_paths.update((key,) for key in fetch.response_keys)
        for raw in response.get("errors") or ():
            path = raw.get("path") if isinstance(raw, dict) else None
            client = client_error_path((), path, fetch.renames) if _is_path(path) else None
            errors.append(subgraph_error(raw, fetch.service, client))

    async def _nested_root_fetch(
        self, path: tuple[str, ...], fetch: Fetch, errors: list[dict[str, Any]]
    ) -> None:
        """A root fetch below the root (a nested field of type `Query`): sent once, its data
        merged into every object at `path`."""
        targets = objects_at(self.data, path)
        if not targets:
            return
        response = await self._call(fetch.service, self._root_payload(fetch))
        first_path = targets[0][1]
        if response is None:
            errors.append(unavailable_error(fetch.service, client_path(first_path)))
            self.failed_paths.update(client_path(at) for _, at in targets)
            return
        data = response.get("data")
        if isinstance(data, dict):
            restore_client_keys(data, fetch.renames)
            for target, _ in targets:
                merge_into(data, target, self.index)
        for raw in response.get("errors") or ():
            sent = raw.get("path") if isinstance(raw, dict) else None
            client = client_error_path(first_path, sent, fetch.renames) if _is_path(sent) else None
            errors.append(subgraph_error(raw, fetch.service, client))

    async def _entity_fetch(
        self, path: tuple[str, ...], fetch: Fetch, errors: list[dict[str, Any]]
    ) -> None:
        if excludes_every_selection(fetch, self.variables):
            return
        objects = objects_at(self.data, path)
        if fetch.contexts:
            # One request per distinct set of contextual values (context_values.py).
            parts = split_by_context(objects, fetch.contexts, self.data, self.index)
            into: list[list[dict[str, Any]]] = [[] for _ in parts]
            await asyncio.gather(
                *(
                    self._entity_request(fetch, found, values, part_errors)
                    for (values, found), part_errors in zip(parts, into, strict=True)
                )
            )
            errors.extend(error for part_errors in into for error in part_errors)
            return
        await self._entity_request(fetch, objects, {}, errors)

    async def _entity_request(
        self,
        fetch: Fetch,
        objects: list[tuple[dict[str, Any], Path]],
        context_values: dict[str, Any],
        errors: list[dict[str, Any]],
    ) -> None:
        batch = EntityBatch.collect(
            objects, fetch.requires, fetch.representation_typename, self.index
        )
        if not batch.representations:
            return
        variables = self._used_variables(fetch)
        variables.update(context_values)
        variables["representations"] = batch.representations
        response = await self._call(
            fetch.service, {"query": fetch.operation, "variables": variables}
        )
        if response is None:
            self._entity_fetch_failed(fetch.service, batch, errors)
            return
        data = response.get("data")
        entities = data.get(ENTITIES_FIELD) if isinstance(data, dict) else None
        raw_errors = response.get("errors") or ()
        self._merge_entities(fetch, batch, entities, raw_errors, errors)
        for raw in raw_errors:
            path = raw.get("path") if isinstance(raw, dict) else None
            for client in batch.client_paths(path, ENTITIES_FIELD, fetch.renames):
                errors.append(subgraph_error(raw, fetch.service, client))

    def _merge_entities(
        self,
        fetch: Fetch,
        batch: EntityBatch,
        entities: Any,
        raw_errors: Sequence_[Any],
        errors: list[dict[str, Any]],
        field: str = ENTITIES_FIELD,
    ) -> None:
        """Merges answer `i` of an `_entities` field (`field`: its key in the answer) into
        every object behind representation `i`; `raw_errors` are the subgraph's errors that
        may concern it."""
        if not isinstance(entities, list) or len(entities) != len(batch.representations):
            if raw_errors:
                self.failed_paths.update(batch.all_paths())
            else:
                logger.warning(
                    "subgraph answered _entities with the wrong shape",
                    extra={"subgraph": fetch.service},
                )
                self._entity_fetch_failed(fetch.service, batch, errors)
            return
        restore_client_keys(entities, fetch.renames)
        index = self.index
        nulled_by_errors = {
            representation_index(raw.get("path") if isinstance(raw, dict) else None, field)
            for raw in raw_errors
        }
        for position, answer in enumerate(entities):
            if isinstance(answer, dict):
                for target in batch.targets[position]:
                    merge_into(answer, target, index)
            elif position in nulled_by_errors:
                # The subgraph nulled the entity for an error inside it (maybe in another
                # field): that error explains every field of it that is now missing.
                self.failed_paths.update(batch.paths_of(position))

    async def _combined_fetch(self, fetch: CombinedFetch, errors: list[dict[str, Any]]) -> None:
        """One request for the parts this request needs, each answer merged at its part's
        paths and each error re-pathed by the part its path starts in."""
        needed = self._needed_parts(fetch)
        if not needed:
            return  # nothing to ask: the subgraph is not called
        await self._send_parts(fetch, needed, errors)

    async def _send_parts(
        self, fetch: CombinedFetch, needed: list[_NeededPart], errors: list[dict[str, Any]]
    ) -> None:
        """One request for `needed`. An answer of `data: null` with errors to several entity
        parts (an `_entities` list is non-null: one part's failure nulls every part) is asked
        again part by part, so each part answers or fails alone, as separate fetches would."""
        document = fetch.document(tuple(part.number for part in needed))
        variables = {
            name: self.variables[name]
            for name in document.variable_usages
            if name in self.variables
        }
        for part in needed:
            if part.batch is not None:
                variables[part.part.representations_variable] = part.batch.representations
        payload: dict[str, Any] = {"query": document.text}
        if variables:
            payload["variables"] = variables
        response = await self._call(fetch.service, payload)
        if response is None:
            for part in needed:
                if part.batch is not None:
                    self._entity_fetch_failed(fetch.service, part.batch, errors)
                else:
                    errors.append(unavailable_error(fetch.service, client_path(part.targets[0][1])))
                    self.failed_paths.update(client_path(at) for _, at in part.targets)
            return
        data = response.get("data")
        raw_errors = response.get("errors") or ()
        split = len(needed) > 1 and all(part.batch is not None for part in needed)
        if data is None and raw_errors and split:
            for part in needed:
                await self._send_parts(fetch, [part], errors)
            return
        answer = data if isinstance(data, dict) else {}
        by_number = {part.number: part for part in needed}
        owners = [_owner(fetch, raw, by_number) for raw in raw_errors]
        for part in needed:
            # Errors on this part's fields, and those on no part's (they may explain it).
            concerning = [
                raw
                for raw, owner in zip(raw_errors, owners, strict=True)
                if owner is None or owner is part
            ]
            self._merge_part(part, answer, concerning, errors)
        for raw, owner in zip(raw_errors, owners, strict=True):
            for client in _client_paths(fetch, raw, owner):
                errors.append(subgraph_error(raw, fetch.service, client))

    def _needed_parts(self, fetch: CombinedFetch) -> list[_NeededPart]:
        """The parts not excluded by the request's `@skip`/`@include` variables that have
        objects to resolve, with their representations or target objects."""
        needed: list[_NeededPart] = []
        for number, part in enumerate(fetch.parts):
            if excludes_every_selection(part.fetch, self.variables):
                continue
            objects = [found for path in part.paths for found in objects_at(self.data, path)]
            if not part.fetch.is_entity_fetch:
                if objects:
                    needed.append(_NeededPart(number, part, None, objects))
                continue
            batch = EntityBatch.collect(
                objects, part.fetch.requires, part.fetch.representation_typename, self.index
            )
            if batch.representations:
                needed.append(_NeededPart(number, part, batch, objects))
        return needed

    def _merge_part(
        self,
        needed: _NeededPart,
        answer: dict[str, Any],
        concerning: list[Any],
        errors: list[dict[str, Any]],
    ) -> None:
        part = needed.part
        if needed.batch is not None:
            entities = answer.get(part.alias)
            self._merge_entities(part.fetch, needed.batch, entities, concerning, errors, part.alias)
            return
        found = {own: answer[sent] for sent, own in part.keys if sent in answer}
        if found:
            restore_client_keys(found, part.fetch.renames)
            for target, _ in needed.targets:
                merge_into(found, target, self.index)

    def _entity_fetch_failed(
        self, service: str, batch: EntityBatch, errors: list[dict[str, Any]]
    ) -> None:
        paths = batch.all_paths()
        errors.append(unavailable_error(service, paths[0]))
        self.failed_paths.update(paths)

    async def _call(self, service: str, payload: dict[str, Any]) -> dict[str, Any] | None:
        """The subgraph's response, or None (logged) when it gave no usable answer."""
        endpoint = self.endpoints.get(service)
        if endpoint is None:
            logger.error("no endpoint configured for subgraph", extra={"subgraph": service})
            return None
        try:
            return await self.transport.fetch(endpoint, payload, self.forwarded_headers)
        except SubgraphFetchError as error:
            logger.warning(
                "subgraph unavailable", extra={"subgraph": error.service, "reason": error.reason}
            )
            return None

    def _root_payload(self, fetch: Fetch) -> dict[str, Any]:
        """A root fetch's request body: `variables` only when it uses some."""
        payload: dict[str, Any] = {"query": fetch.operation}
        used = self._used_variables(fetch)
        if used:
            payload["variables"] = used
        return payload

    def _used_variables(self, fetch: Fetch) -> dict[str, Any]:
        variables = self.variables
        return {name: variables[name] for name in fetch.variable_usages if name in variables}


@dataclass(slots=True)
class _NeededPart:
    """A combined fetch's part one request sends: its representations (entity part) and the
    objects its answer is merged into."""

    number: int
    part: FetchPart
    batch: EntityBatch | None
    targets: list[tuple[dict[str, Any], Path]]


def _owner(fetch: CombinedFetch, raw: Any, needed: dict[int, _NeededPart]) -> _NeededPart | None:
    """The sent part a subgraph error is about (by its path's first key), if any."""
    path = raw.get("path") if isinstance(raw, dict) else None
    if not _is_path(path) or type(path[0]) is not str:
        return None
    owner = fetch.owners.get(path[0])
    return needed.get(owner[0]) if owner is not None else None


def _client_paths(fetch: CombinedFetch, raw: Any, owner: _NeededPart | None) -> list[Path | None]:
    """Where a subgraph error of a combined request belongs in the client's response."""
    if owner is None:
        return [None]
    path = raw["path"]
    renames = owner.part.fetch.renames
    if owner.batch is not None:
        return owner.batch.client_paths(path, owner.part.alias, renames)
    own = fetch.owners[path[0]][1]
    return [client_error_path(owner.targets[0][1], (own, *path[1:]), renames)]


def _mutation_root_keys(node: PlanNode) -> tuple[str, ...]:
    """The root response keys the mutation fetches in `node` answer."""
    match node:
        case Fetch(operation_kind="mutation"):
            return node.response_keys
        case Sequence() | Parallel():
            return tuple(key for child in node.nodes for key in _mutation_root_keys(child))
        case _:
            return ()


def _is_path(path: Any) -> bool:
    return isinstance(path, list) and bool(path)
