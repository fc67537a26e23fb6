"""A field of type `Query` below the root: its fetch is sent once and merged at its path."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from graphql import FieldNode, OperationDefinitionNode, parse

from bff.execution import SubgraphTransport, execute_plan, prepare_operation
from bff.planning import QueryPlanner
from bff.supergraph import load_supergraph
from tests.bff.execution.subgraphs.host import LoopbackSubgraphs, SubgraphServer

FIXTURE = Path(__file__).parents[1] / "planning" / "fixtures" / "nested-query-type"


class CannedAnswers:
    """Fixed answers for the fixture's subgraphs: strawberry cannot serve a field of type `Query`
    (its federation schema defines `Query` a second time)."""

    def __init__(self, root: dict[str, Any], entities: list[Any] | None = None) -> None:
        self._root = root
        self._entities = entities

    async def execute(self, query: str, variable_values: dict[str, Any] | None = None) -> Any:
        """Each top-level field answered under its response key (a combined request may
        select `_entities` under an alias beside root fields)."""
        operation = parse(query).definitions[0]
        assert isinstance(operation, OperationDefinitionNode)
        data = {}
        for node in operation.selection_set.selections:
            assert isinstance(node, FieldNode)
            name = node.name.value
            data[(node.alias or node.name).value] = (
                self._entities if name == "_entities" else self._root[name]
            )
        return SimpleNamespace(data=data, errors=None)


@pytest.fixture
def nested_subgraphs() -> Iterator[LoopbackSubgraphs]:
    a_root = {"item": {"id": "1", "__typename": "Item", "parent": {"item": {"id": "2"}}}}
    b_root = {"items": [{"label": "one"}, {"label": "two"}]}
    host = LoopbackSubgraphs(
        [
            SubgraphServer("a", CannedAnswers(a_root), "a-key"),
            SubgraphServer("b", CannedAnswers(b_root, [{"label": "one"}]), "b-key"),
        ]
    ).start()
    try:
        yield host
    finally:
        host.stop()


async def test_nested_query_field_is_fetched_once_and_merged(
    nested_subgraphs: LoopbackSubgraphs,
) -> None:
    supergraph = load_supergraph((FIXTURE / "supergraph.graphql").read_text())
    document = parse((FIXTURE / "operation.graphql").read_text())
    plan = QueryPlanner(supergraph).plan(document, None)
    transport = SubgraphTransport()
    try:
        result = await execute_plan(
            plan,
            operation=prepare_operation(document, None),
            variables={},
            schema=supergraph.api_schema,
            endpoints=nested_subgraphs.endpoints(5.0),
            transport=transport,
        )
    finally:
        await transport.close()
    assert result.errors == []
    assert result.data == {
        "item": {
            "label": "one",
            "parent": {"items": [{"label": "one"}, {"label": "two"}], "item": {"id": "2"}},
        }
    }
    # The nested root fetch is sent once, in the same request as b's entity fetch (both wait
    # for a's answer only); the request sends the representations of the entity part alone.
    received_b = [request.payload for request in nested_subgraphs["b"].received]
    assert len(received_b) == 1
    assert " items { label }" in received_b[0]["query"]
    assert list(received_b[0]["variables"]) == ["representations0"]
