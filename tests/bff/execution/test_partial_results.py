"""A subgraph that is down, slow, broken or refusing some entities: partial data, clear errors."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bff.devstack.moto_server import free_port
from bff.execution import SubgraphEndpoint
from bff.planning.nodes import (
    Fetch,
    Flatten,
    Parallel,
    RequiredField,
    RequiredSelection,
    Sequence,
)
from tests.bff.execution.subgraphs.host import Behaviour, LoopbackSubgraphs
from tests.bff.execution.support import PlanRunner

PRODUCT_KEY = (RequiredSelection("Product", (RequiredField("id"),)),)
SHIPPING_NEEDS = (
    RequiredSelection(
        "Product", (RequiredField("id"), RequiredField("price"), RequiredField("weight"))
    ),
)


def entities(selection: str) -> str:
    return (
        "query($representations: [_Any!]!) { _entities(representations: $representations) "
        f"{{ {selection} }} }}"
    )


SHIPPING = Fetch(
    "shipping", entities("... on Product { shippingEstimate }"), requires=SHIPPING_NEEDS
)
RATINGS = Fetch(
    "ratings",
    entities("... on Media { rating }"),
    requires=(RequiredSelection("Media", (RequiredField("id"),)),),
    representation_typename="Media",
)
REVIEWS = Fetch(
    "reviews",
    entities("... on Product { reviews { body author { __typename id } } }"),
    requires=PRODUCT_KEY,
)

PRODUCT_WITH_SHIPPING = Sequence(
    (
        Fetch("catalog", '{ product(id: "p1") { __typename id name price weight } }'),
        Flatten(("product",), SHIPPING),
    )
)
MEDIA_WITH_RATINGS = Sequence(
    (
        Fetch("catalog", "{ media { __typename id title } }"),
        Flatten(("media", "@"), RATINGS),
    )
)


def unavailable(service: str, path: list[str | int]) -> dict[str, object]:
    return {
        "message": f"Service '{service}' is unavailable.",
        "path": path,
        "extensions": {"code": "SUBGRAPH_UNAVAILABLE", "service": service},
    }


BROKEN_BEHAVIOURS: list[Behaviour] = [
    "http_500",
    "not_json",
    "not_graphql",
    "null_data",
    "wrong_entities",
    "hang",
]


def with_short_timeout(
    subgraphs: LoopbackSubgraphs, broken: str, seconds: float = 0.3
) -> dict[str, SubgraphEndpoint]:
    """Endpoints where only the broken subgraph times out fast (a hang ends the test quickly);
    the healthy ones keep the usual timeout, so a busy CI machine cannot make them fail too."""
    endpoints = subgraphs.endpoints()
    endpoints[broken] = replace(endpoints[broken], timeout=seconds)
    return endpoints


@pytest.mark.parametrize("behaviour", BROKEN_BEHAVIOURS)
async def test_broken_entity_subgraph_nulls_only_its_fields(
    gateway: PlanRunner, subgraphs: LoopbackSubgraphs, behaviour: Behaviour
) -> None:
    subgraphs["ratings"].behaviour = behaviour
    result = await gateway.run(
        MEDIA_WITH_RATINGS,
        "{ media { title rating } }",
        endpoints=with_short_timeout(subgraphs, "ratings"),
    )

    assert result.data == {
        "media": [{"title": "Dune", "rating": None}, {"title": "Alien", "rating": None}]
    }
    assert result.errors == [unavailable("ratings", ["media", 0])]


@pytest.mark.parametrize("behaviour", BROKEN_BEHAVIOURS)
async def test_broken_subgraph_behind_a_non_null_field_nulls_the_nearest_nullable_parent(
    gateway: PlanRunner, subgraphs: LoopbackSubgraphs, behaviour: Behaviour
) -> None:
    subgraphs["shipping"].behaviour = behaviour
    result = await gateway.run(
        PRODUCT_WITH_SHIPPING,
        '{ product(id: "p1") { name shippingEstimate } }',
        endpoints=with_short_timeout(subgraphs, "shipping"),
    )

    # shippingEstimate is Int!, so the product itself becomes null; the unavailable error
    # explains that null, no second "Cannot return null" error is added.
    assert result.data == {"product": None}
    assert result.errors == [unavailable("shipping", ["product"])]


async def test_root_subgraph_down_gives_errors_per_root_field_and_keeps_other_data(
    gateway: PlanRunner, subgraphs: LoopbackSubgraphs
) -> None:
    endpoints = subgraphs.endpoints()
    # Nothing listens on a fresh free port: the connection is refused.
    endpoints["catalog"] = SubgraphEndpoint(
        "catalog", f"http://127.0.0.1:{free_port()}/graphql", "catalog-key", 2.0
    )
    plan = Sequence(
        (
            Fetch("catalog", '{ product(id: "p1") { name } first: product(id: "p2") { name } }'),
            Fetch("accounts", "{ userCount }"),
        )
    )
    result = await gateway.run(
        plan,
        '{ product(id: "p1") { name } first: product(id: "p2") { name } userCount }',
        endpoints=endpoints,
    )

    assert result.data == {"product": None, "first": None, "userCount": 2}
    assert result.errors == [
        unavailable("catalog", ["product"]),
        unavailable("catalog", ["first"]),
    ]


@pytest.mark.parametrize("behaviour", ["http_500", "null_data"])
async def test_failure_of_a_non_null_root_field_nulls_data(
    gateway: PlanRunner, subgraphs: LoopbackSubgraphs, behaviour: Behaviour
) -> None:
    subgraphs["accounts"].behaviour = behaviour
    result = await gateway.run(Fetch("accounts", "{ userCount }"), "{ userCount }")

    assert result.data is None
    assert result.errors == [unavailable("accounts", ["userCount"])]


async def test_client_errors_never_show_urls_keys_or_bodies(
    gateway: PlanRunner, subgraphs: LoopbackSubgraphs
) -> None:
    subgraphs["catalog"].behaviour = "http_500"
    result = await gateway.run(
        Fetch("catalog", '{ product(id: "p1") { name } }'), '{ product(id: "p1") { name } }'
    )

    text = repr(result.errors)
    assert "127.0.0.1" not in text
    assert "10.0.0.7" not in text
    assert "catalog-key" not in text
    assert "Internal Server Error" not in text


async def test_wrong_api_key_is_reported_as_unavailable(
    gateway: PlanRunner, subgraphs: LoopbackSubgraphs
) -> None:
    endpoints = subgraphs.endpoints()
    endpoints["catalog"] = SubgraphEndpoint("catalog", subgraphs["catalog"].url, "stale", 5.0)
    result = await gateway.run(
        Fetch("catalog", '{ product(id: "p1") { name } }'),
        '{ product(id: "p1") { name } }',
        endpoints=endpoints,
    )

    assert result.data == {"product": None}
    assert result.errors == [unavailable("catalog", ["product"])]


async def test_a_plan_naming_an_unconfigured_subgraph_is_reported_as_unavailable(
    gateway: PlanRunner,
) -> None:
    result = await gateway.run(Fetch("legacy", "{ userCount }"), "{ userCount }")

    assert result.data is None
    assert result.errors == [unavailable("legacy", ["userCount"])]


async def test_fetches_depending_on_a_failed_one_are_skipped(
    gateway: PlanRunner, subgraphs: LoopbackSubgraphs
) -> None:
    subgraphs["reviews"].behaviour = "http_500"
    plan = Sequence(
        (
            Fetch("catalog", '{ product(id: "p1") { __typename id name } }'),
            Flatten(("product",), REVIEWS),
            Flatten(
                ("product", "reviews", "@", "author"),
                Fetch(
                    "accounts",
                    entities("... on User { name }"),
                    requires=(RequiredSelection("User", (RequiredField("id"),)),),
                ),
            ),
        )
    )
    result = await gateway.run(plan, '{ product(id: "p1") { name reviews { author { name } } } }')

    assert result.data == {"product": None}
    assert result.errors == [unavailable("reviews", ["product"])]
    assert subgraphs["accounts"].received == []


async def test_errors_for_some_entities_only_are_repathed_and_keep_their_code(
    gateway: PlanRunner, subgraphs: LoopbackSubgraphs
) -> None:
    plan = Sequence(
        (
            Fetch(
                "catalog",
                '{ search(text: "") { __typename ... on Product { id name } '
                "... on Article { title } } }",
            ),
            Flatten(("search", "@"), REVIEWS),
        )
    )
    result = await gateway.run(
        plan,
        '{ search(text: "") { ... on Product { name reviews { body } } '
        "... on Article { title } } }",
    )

    assert result.data == {
        "search": [
            {"name": "Keyboard", "reviews": [{"body": "Clicky"}, {"body": "Loud"}]},
            {"name": "Mouse", "reviews": [{"body": "Smooth"}]},
            {"name": "Screen", "reviews": []},
            None,
            {"title": "All about "},
        ]
    }
    # reviews refuses p4 (the 4th representation): its error lands on the client's object,
    # keeps its code and loses the subgraph's stack trace and locations.
    assert result.errors == [
        {
            "message": "Reviews for p4 are locked.",
            "path": ["search", 3],
            "extensions": {"code": "FORBIDDEN", "service": "reviews"},
        }
    ]
    [call] = subgraphs["reviews"].entity_calls()
    assert len(call.payload["variables"]["representations"]) == 4  # the Article is not sent


async def test_one_entity_error_is_reported_at_every_object_sharing_its_representation(
    gateway: PlanRunner, subgraphs: LoopbackSubgraphs
) -> None:
    plan = Sequence(
        (
            Fetch(
                "catalog",
                '{ productsByIds(ids: ["p4", "p1", "p4"]) { __typename id } }',
            ),
            Flatten(("productsByIds", "@"), REVIEWS),
        )
    )
    result = await gateway.run(
        plan, '{ productsByIds(ids: ["p4", "p1", "p4"]) { id reviews { body } } }'
    )

    assert result.data == {
        "productsByIds": [
            None,
            {"id": "p1", "reviews": [{"body": "Clicky"}, {"body": "Loud"}]},
            None,
        ]
    }
    assert [error["path"] for error in result.errors] == [
        ["productsByIds", 0],
        ["productsByIds", 2],
    ]
    [call] = subgraphs["reviews"].entity_calls()
    assert call.payload["variables"]["representations"] == [
        {"__typename": "Product", "id": "p4"},
        {"__typename": "Product", "id": "p1"},
    ]


async def test_subgraph_validation_errors_are_masked_as_internal(
    gateway: PlanRunner,
) -> None:
    """A subgraph refusing a query the planner wrote is the gateway's fault, and its message
    describes the subgraph's schema: the client gets the generic internal error only."""
    result = await gateway.run(
        Fetch("catalog", '{ product(id: "p1") { colour } }'), '{ product(id: "p1") { name } }'
    )

    assert result.data == {"product": None}
    [error] = result.errors
    assert error["extensions"] == {"code": "INTERNAL_SERVER_ERROR", "service": "catalog"}
    assert "locations" not in error
    assert error["message"] == "Internal server error."


async def test_errors_follow_plan_order_not_completion_order(
    gateway: PlanRunner, subgraphs: LoopbackSubgraphs
) -> None:
    subgraphs["catalog"].behaviour = "hang"  # fails last, by timeout
    subgraphs["accounts"].behaviour = "http_500"  # fails at once
    plan = Parallel(
        (
            Fetch("catalog", '{ product(id: "p1") { name } }'),
            Fetch("accounts", "{ userCount }"),
        )
    )
    result = await gateway.run(
        plan, '{ product(id: "p1") { name } userCount }', subgraph_timeout=0.3
    )

    assert result.data is None
    assert result.errors == [
        unavailable("catalog", ["product"]),
        unavailable("accounts", ["userCount"]),
    ]


async def test_a_4xx_with_graphql_errors_passes_them_to_the_client(
    gateway: PlanRunner, subgraphs: LoopbackSubgraphs
) -> None:
    refused = {
        "message": 'Variable "$id" got invalid value.',
        "extensions": {"code": "BAD_USER_INPUT"},
    }
    subgraphs["catalog"].answer_with(400, {"errors": [refused]})
    result = await gateway.run(
        Sequence(
            (Fetch("catalog", '{ product(id: "p1") { name } }'), Fetch("accounts", "{ userCount }"))
        ),
        '{ product(id: "p1") { name } userCount }',
    )

    # The subgraph refused the request itself: its error, not "unavailable", and no second
    # error for the null it leaves.
    assert result.data == {"product": None, "userCount": 2}
    assert result.errors == [
        {
            "message": 'Variable "$id" got invalid value.',
            "extensions": {"code": "BAD_USER_INPUT", "service": "catalog"},
        }
    ]


async def test_a_4xx_entity_error_is_repathed_to_the_client_objects(
    gateway: PlanRunner, subgraphs: LoopbackSubgraphs
) -> None:
    locked = {
        "message": "Rating locked.",
        "path": ["_entities", 1, "rating"],
        "extensions": {"code": "FORBIDDEN"},
    }
    subgraphs["ratings"].answer_with(422, {"errors": [locked]})
    result = await gateway.run(MEDIA_WITH_RATINGS, "{ media { title rating } }")

    assert result.data == {
        "media": [{"title": "Dune", "rating": None}, {"title": "Alien", "rating": None}]
    }
    assert result.errors == [
        {
            "message": "Rating locked.",
            "path": ["media", 1, "rating"],
            "extensions": {"code": "FORBIDDEN", "service": "ratings"},
        }
    ]


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (401, {"errors": [{"message": "invalid API key"}]}),  # the gateway's key, not the client's
        (403, {"message": "Forbidden"}),  # an API Gateway refusal: no GraphQL body
        (404, {"errors": []}),
        (400, {"data": None, "errors": "no"}),
        (200, {"data": None}),  # null data must come with the errors that explain it
        (200, {"data": [1]}),
        (200, {"data": "yes"}),
    ],
)
async def test_answers_without_usable_graphql_are_unavailable(
    gateway: PlanRunner, subgraphs: LoopbackSubgraphs, status: int, body: object
) -> None:
    subgraphs["catalog"].answer_with(status, body)
    result = await gateway.run(
        Fetch("catalog", '{ product(id: "p1") { name } }'), '{ product(id: "p1") { name } }'
    )

    assert result.data == {"product": None}
    assert result.errors == [unavailable("catalog", ["product"])]
