"""Running hand-written plans against the loopback subgraphs in one call."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from graphql import DocumentNode, GraphQLSchema, parse

from bff.execution import (
    GatewayResult,
    SubgraphEndpoint,
    SubgraphTransport,
    execute_plan,
    prepare_operation,
)
from bff.planning.nodes import PlanNode, QueryPlan
from tests.bff.execution.subgraphs.host import LoopbackSubgraphs

# Plans and executes an operation over the composed test graph (the `run_planned` fixture).
Runner = Callable[[DocumentNode, dict[str, Any]], Awaitable[GatewayResult]]


@dataclass
class PlanRunner:
    """The test graph's subgraphs, API schema and a transport, ready to run plans."""

    subgraphs: LoopbackSubgraphs
    transport: SubgraphTransport
    schema: GraphQLSchema

    async def run(
        self,
        node: PlanNode | None,
        query: str,
        *,
        variables: Mapping[str, Any] | None = None,
        endpoints: Mapping[str, SubgraphEndpoint] | None = None,
        subgraph_timeout: float = 10.0,
        forwarded_headers: Mapping[str, str] | None = None,
        root_values: Mapping[str, Any] | None = None,
    ) -> GatewayResult:
        operation = prepare_operation(parse(query), None)
        if endpoints is None:
            endpoints = self.subgraphs.endpoints(subgraph_timeout)
        return await execute_plan(
            QueryPlan(node, operation_kind=operation.kind),  # type: ignore[arg-type]
            operation=operation,
            variables=variables or {},
            schema=self.schema,
            endpoints=endpoints,
            transport=self.transport,
            forwarded_headers=forwarded_headers or {},
            root_values=root_values or {},
        )
