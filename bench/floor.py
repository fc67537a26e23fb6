"""The floor: the subgraph requests our planner and executor send for a query, to replay without
any gateway.

`record_floor` runs the query once through our planner and executor (in process, over loopback
HTTP to the real subgraphs) with a transport that records every request body and a hash of its
answer, then lays the recorded requests out along the plan: `Sequence` stages run one after the
other, `Parallel` children at once. A `Schedule` is laid out by levels (each step one stage
after the latest step it comes after): the same round trips, though a stage waits for all of
the previous one where the schedule would start a step earlier (so the floor can be a little
higher than our schedule's when one subgraph is slower). The load generator replays that tree
per logical request.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson
from graphql import parse

from bench.answers import canonical_hash
from bff.execution import SubgraphEndpoint, SubgraphTransport, execute_plan, prepare_operation
from bff.planning import QueryPlanner
from bff.planning.nodes import CombinedFetch, Fetch, Flatten, Parallel, PlanNode, Schedule, Sequence
from bff.supergraph import load_supergraph


@dataclass(frozen=True, slots=True)
class RecordedRequest:
    service: str
    url: str
    query: str
    body: str
    answer_hash: str
    answer_bytes: bytes = field(repr=False, default=b"")


@dataclass(slots=True)
class FloorRecording:
    """The replay tree (JSON-ready, see node/load.mjs) and the client answer our executor built."""

    tree: dict[str, Any]
    requests: list[RecordedRequest] = field(default_factory=list)
    answer: dict[str, Any] = field(default_factory=dict)


class RecordingTransport(SubgraphTransport):
    """A real transport that also keeps every request it sent, in sending order."""

    def __init__(self) -> None:
        super().__init__()
        self.recorded: list[RecordedRequest] = []

    async def fetch(
        self, endpoint: SubgraphEndpoint, payload: dict[str, Any], headers: Mapping[str, str]
    ) -> dict[str, Any]:
        answer = await super().fetch(endpoint, payload, headers)
        self.recorded.append(
            RecordedRequest(
                service=endpoint.name,
                url=endpoint.url,
                query=payload["query"],
                # The exact bytes the executor sent, so the subgraphs' answer cache is hit.
                body=orjson.dumps(payload).decode(),
                answer_hash=canonical_hash(answer),
                answer_bytes=orjson.dumps(answer),
            )
        )
        return answer


async def record_floor(supergraph_sdl: str, query: str) -> FloorRecording:
    supergraph = load_supergraph(supergraph_sdl)
    document = parse(query)
    plan = QueryPlanner(supergraph).plan(document, None)
    endpoints = {
        name: SubgraphEndpoint(name=name, url=info.url)
        for name, info in supergraph.subgraphs.items()
    }
    transport = RecordingTransport()
    try:
        result = await execute_plan(
            plan,
            operation=prepare_operation(document, None),
            variables={},
            schema=supergraph.api_schema,
            endpoints=endpoints,
            transport=transport,
        )
    finally:
        await transport.close()
    if result.errors:
        raise RuntimeError(f"recording the floor failed: {result.errors}")
    pending: dict[tuple[str, str], deque[RecordedRequest]] = defaultdict(deque)
    for request in transport.recorded:
        pending[(request.service, request.query)].append(request)
    tree = replay_tree(plan.node, pending) if plan.node else None
    if tree is None:
        raise RuntimeError("the query sends no subgraph request: nothing to replay")
    return FloorRecording(tree, list(transport.recorded), {"data": result.data})


def replay_tree(
    node: PlanNode, pending: Mapping[tuple[str, str], deque[RecordedRequest]]
) -> dict[str, Any] | None:
    """The plan with each fetch replaced by the request recorded for it (None: nothing sent).

    Fetches sending the same document to the same service are told apart by order: a later
    stage's request was recorded after an earlier stage's.
    """
    if isinstance(node, Flatten):
        return replay_tree(node.node, pending)
    if isinstance(node, Fetch | CombinedFetch):
        # A combined fetch sends the parts a request needs: any document it built.
        texts = node.documents_built() if isinstance(node, CombinedFetch) else (node.operation,)
        queue = next(
            (found for text in texts if (found := pending.get((node.service, text)))), None
        )
        if not queue:
            return None  # no objects to resolve: the executor sent nothing
        request = queue.popleft()
        return {
            "kind": "fetch",
            "service": request.service,
            "url": request.url,
            "body": request.body,
            "expectedHash": request.answer_hash,
        }
    if isinstance(node, Schedule):
        levels: list[int] = []
        stages: list[list[PlanNode]] = []
        for step in node.steps:
            level = 1 + max((levels[before] for before in step.after), default=-1)
            levels.append(level)
            if level == len(stages):
                stages.append([])
            stages[level].append(step.node)
        return replay_tree(Sequence(tuple(Parallel(tuple(stage)) for stage in stages)), pending)
    children = [replay_tree(child, pending) for child in node.nodes]
    kept = [child for child in children if child is not None]
    if not kept:
        return None
    if len(kept) == 1:
        return kept[0]
    return {"kind": "seq" if isinstance(node, Sequence) else "par", "nodes": kept}


def tree_stages(tree: Mapping[str, Any]) -> str:
    """A one-line picture of the tree, e.g. `seq(accounts, par(reviews, products))`."""
    if tree["kind"] == "fetch":
        return str(tree["service"])
    return f"{tree['kind']}({', '.join(tree_stages(child) for child in tree['nodes'])})"


__all__ = ["FloorRecording", "RecordedRequest", "record_floor", "replay_tree"]
