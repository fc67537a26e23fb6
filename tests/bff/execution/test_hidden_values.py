"""Values the API schema hides never reach clients (issue 10 behaviour 5), over HTTP: fixture
subgraphs (hidden_values/: catalog with an @inaccessible enum value and an @inaccessible object
type, ratings an @interfaceObject) composed into a supergraph, served with fixed data behind the
gateway. What a subgraph may hold, a client must not see: the hidden value becomes null with an
error at its path, and the hidden name appears nowhere in the response."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import pytest

from bff.supergraph import Supergraph, load_supergraph
from discovery.composition import CompositionSuccess, SubgraphInput, compose
from tests.bff.features.feature_stack import FeatureStack
from tests.bff.features.fixture_subgraph import FixtureSubgraph, build_fixture_subgraph
from tests.bff.property.agreement import argument_values, assert_agrees
from tests.bff.property.fixture_monolith import FixtureMonolith
from tests.bff.property.operation_generator import OperationGenerator

FIXTURE = Path(__file__).parent / "hidden_values"
HIDDEN_NAMES = ("ARCHIVED", "Secret")


@dataclass(frozen=True)
class HiddenValues:
    """The composed supergraph, its fixture subgraphs and the stack serving them."""

    supergraph: Supergraph
    subgraphs: dict[str, FixtureSubgraph]
    stack: FeatureStack


@pytest.fixture(scope="module")
def hidden(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HiddenValues]:
    sdls = {path.stem: path.read_text() for path in sorted((FIXTURE / "subgraphs").glob("*"))}
    composed = compose([SubgraphInput(name, f"http://{name}", sdl) for name, sdl in sdls.items()])
    assert isinstance(composed, CompositionSuccess), composed
    supergraph_file = tmp_path_factory.mktemp("hidden_values") / "supergraph.graphql"
    supergraph_file.write_text(composed.supergraph_sdl)
    subgraphs = {
        name: build_fixture_subgraph(
            name, sdl, json.loads((FIXTURE / "data" / f"{name}.json").read_text())
        )
        for name, sdl in sdls.items()
    }
    stack = FeatureStack("hidden-values", list(subgraphs.values()), supergraph_file=supergraph_file)
    stack.start()
    try:
        yield HiddenValues(load_supergraph(composed.supergraph_sdl), subgraphs, stack)
    finally:
        stack.stop()


@pytest.fixture(scope="module")
def stack(hidden: HiddenValues) -> FeatureStack:
    return hidden.stack


def ask(stack: FeatureStack, query: str) -> dict[str, Any]:
    status, body = stack.post(query)
    assert status == 200
    text = orjson.dumps(body).decode()
    for hidden in HIDDEN_NAMES:
        assert hidden not in text, f"{hidden} reached the client: {text}"
    return body


def invalid(message: str, path: list[str | int]) -> dict[str, Any]:
    return {"message": message, "path": path, "extensions": {"code": "INTERNAL_SERVER_ERROR"}}


def test_an_inaccessible_enum_value_becomes_null_with_an_error(stack: FeatureStack) -> None:
    body = ask(stack, '{ b1: book(id: "b1") { status } b2: book(id: "b2") { name status } }')

    assert body == {
        "errors": [
            invalid(
                "Status cannot represent the value returned for field Book.status.",
                ["b2", "status"],
            )
        ],
        "data": {"b1": {"status": "OPEN"}, "b2": {"name": "Emma", "status": None}},
    }


def test_an_inaccessible_enum_value_in_a_non_null_item_nulls_the_list(
    stack: FeatureStack,
) -> None:
    body = ask(stack, '{ book(id: "b2") { statuses } }')

    assert body == {
        "errors": [
            invalid(
                "Status cannot represent the value returned for field Book.statuses.",
                ["book", "statuses", 1],
            )
        ],
        "data": {"book": {"statuses": None}},
    }


UNRESOLVED = "Abstract type {} must resolve to an object type of the API schema for field {}."


@pytest.mark.parametrize(
    ("query", "data", "error"),
    [
        (
            "{ items { id name } }",
            {"items": [{"id": "b1", "name": "Dune"}, None, {"id": "b2", "name": "Emma"}]},
            invalid(UNRESOLVED.format("Item", "Query.items"), ["items", 1]),
        ),
        (
            "{ results { __typename ... on Book { name } } }",
            {"results": [{"__typename": "Book", "name": "Dune"}, None]},
            invalid(UNRESOLVED.format("Result", "Query.results"), ["results", 1]),
        ),
    ],
    ids=["interface", "union"],
)
def test_an_inaccessible_object_type_becomes_a_null_item(
    stack: FeatureStack, query: str, data: dict[str, Any], error: dict[str, Any]
) -> None:
    assert ask(stack, query) == {"errors": [error], "data": data}


@pytest.mark.parametrize(
    ("query", "data"),
    [
        ("{ topItem { stars } }", {"topItem": {"stars": 5}}),
        ("{ topItem { __typename stars } }", {"topItem": {"__typename": "Book", "stars": 5}}),
        ("{ topItem { stars ... on Book { name } } }", {"topItem": {"stars": 5, "name": "Dune"}}),
        # Interface fields in a fragment on one implementation are answered by the
        # @interfaceObject subgraph, but only a subgraph with the real type says it applies.
        ("{ topItem { ... on Book { stars } } }", {"topItem": {"stars": 5}}),
    ],
    ids=["no-typename-needed", "typename", "concrete-fragment", "interface-fields-on-one-type"],
)
def test_an_interface_object_answer_never_shows_the_interface_name(
    stack: FeatureStack, query: str, data: dict[str, Any]
) -> None:
    assert ask(stack, query) == {"data": data}


GENERATED = 40


def test_generated_operations_agree_with_the_monolith(hidden: HiddenValues) -> None:
    """Random operations over the hidden values: the gateway answers what a monolith over the
    same data answers (graphql-core rejects the hidden enum value and type alike)."""
    monolith = FixtureMonolith(hidden.supergraph.api_schema, list(hidden.subgraphs.values()))
    generator = OperationGenerator(
        hidden.supergraph.api_schema, 20261202, argument_values(hidden.subgraphs.values())
    )
    for _ in range(GENERATED):
        operation = generator.operation()
        assert_agrees(hidden.supergraph, hidden.subgraphs, monolith, hidden.stack, operation)
