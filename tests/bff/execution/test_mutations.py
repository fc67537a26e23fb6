"""Mutations run their top-level fields in order, and a failed non-null one stops the rest, as
graphql-js does: the fields after it are not sent to any subgraph. Planned by the real planner
over the composed test graph and answered by the loopback subgraphs."""

from __future__ import annotations

from graphql import parse

from tests.bff.execution.subgraphs.host import LoopbackSubgraphs
from tests.bff.execution.support import Runner


def error(message: str, path: list[str], code: str, service: str) -> dict[str, object]:
    return {"message": message, "path": path, "extensions": {"code": code, "service": service}}


def sent_fields(subgraphs: LoopbackSubgraphs) -> list[str]:
    """The mutation documents the subgraphs received, in arrival order."""
    received = [
        request
        for server in subgraphs.servers.values()
        for request in server.received
        if request.payload["query"].startswith("mutation")
    ]
    return [request.payload["query"] for request in sorted(received, key=lambda r: r.arrival)]


async def test_a_failed_non_null_mutation_field_stops_the_fields_after_it(
    subgraphs: LoopbackSubgraphs, run_planned: Runner
) -> None:
    result = await run_planned(
        parse(
            'mutation { bad: addReview(productId: "p8", body: "") { body } '
            'renamed: renameProduct(id: "p3", name: "Screen") { name } '
            'later: addReview(productId: "p8", body: "never") { body } }'
        ),
        {},
    )

    assert result.data is None
    assert result.errors == [error("A review needs a body.", ["bad"], "BAD_USER_INPUT", "reviews")]
    [sent] = sent_fields(subgraphs)
    assert "bad: addReview" in sent
    assert "renameProduct" not in sent and subgraphs["catalog"].received == []


async def test_a_failure_below_a_non_null_mutation_field_stops_the_rest_too(
    subgraphs: LoopbackSubgraphs, run_planned: Runner
) -> None:
    # The review is stored, but its author (User!) cannot be fetched: the null reaches the
    # root through Review!, so the mutation after it must not run.
    subgraphs["accounts"].behaviour = "http_500"
    result = await run_planned(
        parse(
            'mutation { first: addReview(productId: "p8", body: "one") { body author { name } } '
            'renamed: renameProduct(id: "p3", name: "Screen") { name } }'
        ),
        {},
    )

    assert result.data is None
    assert result.errors == [
        error(
            "Service 'accounts' is unavailable.",
            ["first", "author"],
            "SUBGRAPH_UNAVAILABLE",
            "accounts",
        )
    ]
    assert subgraphs["catalog"].received == []
    assert len(subgraphs["accounts"].received) == 1


async def test_a_failed_nullable_mutation_field_lets_the_next_ones_run(
    subgraphs: LoopbackSubgraphs, run_planned: Runner
) -> None:
    result = await run_planned(
        parse(
            'mutation { renamed: renameProduct(id: "p3", name: "") { name } '
            'review: addReview(productId: "p8", body: "after") { body } '
            'again: renameProduct(id: "p3", name: "Screen") { name } }'
        ),
        {},
    )

    assert result.data == {
        "renamed": None,
        "review": {"body": "after"},
        "again": {"name": "Screen"},
    }
    assert result.errors == [
        error("A product needs a name.", ["renamed"], "BAD_USER_INPUT", "catalog")
    ]
    assert [query.split("{")[1].split(":")[0].strip() for query in sent_fields(subgraphs)] == [
        "renamed",
        "review",
        "again",
    ]


async def test_an_unavailable_mutation_subgraph_stops_the_fields_after_it(
    subgraphs: LoopbackSubgraphs, run_planned: Runner
) -> None:
    subgraphs["reviews"].behaviour = "http_500"
    result = await run_planned(
        parse(
            'mutation { review: addReview(productId: "p8", body: "x") { body } '
            'renamed: renameProduct(id: "p3", name: "Screen") { name } }'
        ),
        {},
    )

    assert result.data is None
    assert result.errors == [
        error("Service 'reviews' is unavailable.", ["review"], "SUBGRAPH_UNAVAILABLE", "reviews")
    ]
    assert subgraphs["catalog"].received == []
