"""Subgraph errors on fields a fetch sent under planner aliases, reported at the client's paths.

The planned entity and combined fetches are covered over HTTP by the features harness
(`cases/combined-fetches/error-*`); here a root fetch, whose error paths start at the answer's
root, runs a hand-written plan against the combined-fetches fixture's reviews subgraph.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from graphql import parse

from bff.execution import SubgraphEndpoint, SubgraphTransport, execute_plan, prepare_operation
from bff.execution.response_keys import client_error_path
from bff.planning.nodes import Fetch, QueryPlan
from bff.planning.selections import CLIENT_TYPENAME_KEY
from bff.supergraph import load_supergraph_file
from tests.bff.features.feature_stack import FeatureStack

FIXTURE = Path(__file__).parents[1] / "planning" / "fixtures" / "combined-fetches"


@pytest.fixture(scope="module")
def stack() -> Iterator[FeatureStack]:
    yield from FeatureStack.serving("combined-fetches")


async def test_a_root_fetch_error_under_a_planner_alias_has_the_client_path(
    stack: FeatureStack,
) -> None:
    # The client names `rating` `__typename`: it is sent under an alias and stored apart from
    # the review's type. Review r2's rating fails.
    query = "{ users { reviews { __typename: rating } } }"
    sent = (
        '{ users: _entities(representations: [{__typename: "User", id: "u1"}]) '
        "{ ... on User { reviews { rating__sent: rating } } } }"
    )
    fetch = Fetch(
        "reviews", sent, renames=((("users", "reviews"), "rating__sent", CLIENT_TYPENAME_KEY),)
    )
    supergraph = load_supergraph_file(FIXTURE / "supergraph.graphql")
    endpoint = SubgraphEndpoint(
        "reviews",
        stack.urls["reviews"],
        stack.api_key("reviews"),
        10.0,
    )
    transport = SubgraphTransport()
    try:
        result = await execute_plan(
            QueryPlan(fetch),
            operation=prepare_operation(parse(query), None),
            variables={},
            schema=supergraph.api_schema,
            endpoints={"reviews": endpoint},
            transport=transport,
        )
    finally:
        await transport.close()

    assert result.data == {"users": [{"reviews": [{"__typename": 5}, {"__typename": None}]}]}
    assert [error["path"] for error in result.errors] == [["users", 0, "reviews", 1, "__typename"]]


def test_only_aliases_of_the_object_at_their_path_are_renamed() -> None:
    renames = ((("a",), "x__1", "x"), (("a", "x__1"), "y__2", CLIENT_TYPENAME_KEY))

    # Below an entity at `top.3`: `x__1` under `a` and `y__2` under it are renamed; a key
    # spelled like an alias elsewhere is not.
    assert client_error_path(("top", 3), ["a", 0, "x__1", "y__2"], renames) == (
        "top",
        3,
        "a",
        0,
        "x",
        "__typename",
    )
    assert client_error_path((), ["x__1", "y__2"], renames) == ("x__1", "y__2")
    # The object's own path in the merged answer gives client keys too.
    assert client_error_path((CLIENT_TYPENAME_KEY, 1), ["b"], ()) == ("__typename", 1, "b")
