"""Demand control: an operation's cost is estimated from `@cost`/`@listSize` (fixture:
`students(first:)` sliced by `first`, `lessons` assumed 50 long, `Student.completions` weighing
5 per item, `lessonPage(first:, last:)` a connection whose slicing arguments size its `items`
(`sizedFields`) and require exactly one of them, `recentLessons` not requiring one, and lists
without `@listSize` counted as `default_list_size`), and one above the limit, or not giving
exactly one required slicing argument, is refused with the reason in the error, before any
subgraph is called."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bff.config import GatewaySettings
from bff.gateway import FileSupergraphProvider, Gateway, GraphQLRequest, GraphQLRequestError
from tests.support.loopback_subgraphs import LoopbackSubgraphs

SUPERGRAPH = Path(__file__).parent / "fixtures" / "cost-supergraph.graphql"
LIMIT = 1000


@pytest.fixture
async def gateway(subgraphs: LoopbackSubgraphs) -> AsyncIterator[Gateway]:
    config = GatewaySettings(
        subgraph_url_overrides=subgraphs.urls, max_cost=LIMIT, default_list_size=10
    )
    gateway = Gateway(FileSupergraphProvider(SUPERGRAPH), config, api_keys={})
    yield gateway
    await gateway.close()


@pytest.mark.parametrize(
    ("query", "cost"),
    [
        # 2 students x (Student 1 + completions: a list of the default size 10, each item
        # weighing 5, as @cost replaces the object's 1).
        ("{ students(first: 2) { name completions { title } } }", 2 * (1 + 10 * 5)),
        # `first` not given: the argument's default (20) sizes the list.
        ("{ students { name } }", 20 * 1),
        ("{ lessons { title } }", 50 * 1),
        ('{ a: student(id: "1") { name } b: student(id: "2") { name } }', 2),
        # A variable's size is unknown at validation: the larger of its default and 10.
        ("query($n: Int! = 3) { students(first: $n) { name } }", 10),
        # Mutations cost 10 more per root field.
        ('mutation { registerStudent(input: {name: "a", email: "a@b.c"}) { name } }', 11),
        # sizedFields: the page is one object; `first` sizes its `items`, not the page.
        ("{ lessonPage(first: 5) { items { title } nextCursor } }", 1 + 5 * 1),
        # ...through fragments on the page too, and with another slicing argument.
        ("{ lessonPage(last: 3) { ...Page } } fragment Page on LessonPage { items { id } }", 4),
        ("{ lessonPage(first: 2) { ... on LessonPage { items { id } } } }", 1 + 2),
        ("query($n: Int) { lessonPage(first: $n) { items { id } } }", 1 + 10),
        # requireOneSlicingArgument: false: none given is the assumed size, several the largest.
        ("{ recentLessons { title } }", 7),
        ("{ recentLessons(first: 2, last: 4) { title } }", 4),
    ],
)
async def test_the_estimate_follows_cost_and_list_size(
    gateway: Gateway, subgraphs: LoopbackSubgraphs, query: str, cost: int
) -> None:
    over = GatewaySettings(max_cost=cost - 1)
    refused = Gateway(FileSupergraphProvider(SUPERGRAPH), over, api_keys={})
    with pytest.raises(GraphQLRequestError) as error:
        await refused.execute(GraphQLRequest(query))
    assert error.value.errors[0]["extensions"]["cost"] == {"estimated": cost, "limit": cost - 1}
    # At the limit it is allowed (validation only: this gateway is not called).
    allowed = Gateway(FileSupergraphProvider(SUPERGRAPH), GatewaySettings(max_cost=cost))
    served = await allowed.current()
    served.operation(query, None)  # does not raise


async def test_an_over_cost_query_is_refused_before_any_subgraph_call(
    gateway: Gateway, subgraphs: LoopbackSubgraphs
) -> None:
    before = len(subgraphs.requests)
    query = "{ students(first: 100) { name completions { title } } }"

    with pytest.raises(GraphQLRequestError) as error:
        await gateway.execute(GraphQLRequest(query))

    [only] = error.value.errors
    assert only["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert only["extensions"]["cost"] == {"estimated": 100 * 51, "limit": LIMIT}
    assert only["message"] == "Operation has an estimated cost of 5100, above the limit of 1000."
    assert len(subgraphs.requests) == before


async def test_a_query_within_the_limit_is_answered(
    gateway: Gateway, subgraphs: LoopbackSubgraphs
) -> None:
    response = await gateway.execute(GraphQLRequest("{ students(first: 2) { name } }"))
    assert response == {"data": {"students": [{"name": "Ada"}, {"name": "Grace"}]}}


@pytest.mark.parametrize(
    ("query", "given"),
    [
        ("{ lessonPage(first: 2, last: 3) { items { id } } }", ["first", "last"]),
        ("{ lessonPage { items { id } } }", []),
        ('{ lessonPage(after: "c1") { items { id } } }', []),
        ("{ lessonPage(first: null) { items { id } } }", []),
    ],
)
async def test_a_field_requiring_one_slicing_argument_refuses_none_or_several(
    gateway: Gateway, subgraphs: LoopbackSubgraphs, query: str, given: list[str]
) -> None:
    before = len(subgraphs.requests)
    with pytest.raises(GraphQLRequestError) as error:
        await gateway.execute(GraphQLRequest(query))
    [only] = error.value.errors
    assert only["message"] == (
        "Query.lessonPage must be given exactly one of its slicing arguments (first, last); "
        f"the request gives {len(given)}."
    )
    assert only["extensions"] == {
        "code": "GRAPHQL_VALIDATION_FAILED",
        "listSize": {
            "field": "Query.lessonPage",
            "slicingArguments": ["first", "last"],
            "given": given,
        },
    }
    assert len(subgraphs.requests) == before


async def test_a_fragment_used_twice_reports_its_slicing_error_once(gateway: Gateway) -> None:
    query = (
        "{ ...Pages ... on Query { ...Pages } } "
        "fragment Pages on Query { lessonPage { items { id } } }"
    )
    with pytest.raises(GraphQLRequestError) as error:
        await gateway.execute(GraphQLRequest(query))
    assert [e["extensions"]["listSize"]["given"] for e in error.value.errors] == [[]]


async def test_a_schema_default_counts_as_the_one_slicing_argument(gateway: Gateway) -> None:
    # `students(first: Int! = 20)` requires one slicing argument (the default): given by its
    # default, it is not refused, and giving it replaces the default.
    served = await gateway.current()
    served.operation("{ students { name } }", None)
    served.operation("{ students(first: 3) { name } }", None)
