"""execute_plan with hand-written plans against real subgraphs over loopback HTTP."""

from __future__ import annotations

import asyncio

from bff.planning.nodes import (
    Fetch,
    Flatten,
    Parallel,
    RequiredField,
    RequiredSelection,
    Sequence,
)
from tests.bff.execution.subgraphs.host import LoopbackSubgraphs
from tests.bff.execution.support import PlanRunner

PRODUCT_KEY = (RequiredSelection("Product", (RequiredField("id"),)),)
USER_KEY = (RequiredSelection("User", (RequiredField("id"),)),)
MEDIA_KEY = (RequiredSelection("Media", (RequiredField("id"),)),)

REVIEWS_OF_PRODUCTS = Fetch(
    "reviews",
    "query($representations: [_Any!]!) { _entities(representations: $representations) "
    "{ ... on Product { reviews { body author { __typename id } } } } }",
    requires=PRODUCT_KEY,
)
USER_NAMES = Fetch(
    "accounts",
    "query($representations: [_Any!]!) { _entities(representations: $representations) "
    "{ ... on User { name } } }",
    requires=USER_KEY,
)


async def test_nested_entities_through_three_subgraphs_batched_and_deduplicated(
    gateway: PlanRunner, subgraphs: LoopbackSubgraphs
) -> None:
    plan = Sequence(
        (
            Fetch("catalog", "{ products { __typename id name } }"),
            Flatten(("products", "@"), REVIEWS_OF_PRODUCTS),
            Flatten(("products", "@", "reviews", "@", "author"), USER_NAMES),
        )
    )
    result = await gateway.run(
        plan,
        "{ products { name reviews { body author { name } } } }",
    )

    assert result.errors == []
    assert result.data == {
        "products": [
            {
                "name": "Keyboard",
                "reviews": [
                    {"body": "Clicky", "author": {"name": "Ada"}},
                    {"body": "Loud", "author": {"name": "Grace"}},
                ],
            },
            {"name": "Mouse", "reviews": [{"body": "Smooth", "author": {"name": "Ada"}}]},
            {"name": "Screen", "reviews": []},
        ]
    }
    # Three reviews by two authors: one call, each author sent once.
    [accounts_call] = subgraphs["accounts"].entity_calls()
    assert accounts_call.payload["variables"] == {
        "representations": [{"__typename": "User", "id": "u1"}, {"__typename": "User", "id": "u2"}]
    }
    [reviews_call] = subgraphs["reviews"].entity_calls()
    assert [rep["id"] for rep in reviews_call.payload["variables"]["representations"]] == [
        "p1",
        "p2",
        "p3",
    ]


async def test_parallel_root_fetches_are_in_flight_together(
    gateway: PlanRunner, subgraphs: LoopbackSubgraphs
) -> None:
    # Neither subgraph answers before both have a request: run one after the other, this
    # would time out and come back as SUBGRAPH_UNAVAILABLE errors.
    gate = asyncio.Barrier(2)
    subgraphs["catalog"].gate = gate
    subgraphs["ratings"].gate = gate
    plan = Parallel(
        (
            Fetch("catalog", '{ product(id: "p2") { name } }'),
            Fetch("ratings", "{ topMedia { __typename rating } }"),
        )
    )
    result = await gateway.run(
        plan,
        '{ product(id: "p2") { name } topMedia { rating } }',
    )

    assert result.errors == []
    assert result.data == {"product": {"name": "Mouse"}, "topMedia": {"rating": 5}}


async def test_parallel_entity_fetches_on_the_same_objects_merge_both_answers(
    gateway: PlanRunner, subgraphs: LoopbackSubgraphs
) -> None:
    gate = asyncio.Barrier(2)
    subgraphs["reviews"].gate = gate
    subgraphs["shipping"].gate = gate
    shipping = Fetch(
        "shipping",
        "query($representations: [_Any!]!) { _entities(representations: $representations) "
        "{ ... on Product { shippingEstimate } } }",
        requires=(
            RequiredSelection(
                "Product", (RequiredField("id"), RequiredField("price"), RequiredField("weight"))
            ),
        ),
    )
    plan = Sequence(
        (
            Fetch("catalog", "{ products { __typename id price weight } }"),
            Parallel(
                (
                    Flatten(("products", "@"), REVIEWS_OF_PRODUCTS),
                    Flatten(("products", "@"), shipping),
                )
            ),
        )
    )
    result = await gateway.run(
        plan,
        "{ products { id shippingEstimate reviews { body } } }",
    )

    assert result.errors == []
    assert result.data == {
        "products": [
            {"id": "p1", "shippingEstimate": 10, "reviews": [{"body": "Clicky"}, {"body": "Loud"}]},
            {"id": "p2", "shippingEstimate": 2, "reviews": [{"body": "Smooth"}]},
            {"id": "p3", "shippingEstimate": 0, "reviews": []},
        ]
    }


async def test_requires_sends_the_required_fields_and_hides_them_from_the_client(
    gateway: PlanRunner, subgraphs: LoopbackSubgraphs
) -> None:
    plan = Sequence(
        (
            Fetch("catalog", '{ product(id: "p3") { __typename id name price weight } }'),
            Flatten(
                ("product",),
                Fetch(
                    "shipping",
                    "query($representations: [_Any!]!) { _entities(representations: "
                    "$representations) { ... on Product { shippingEstimate } } }",
                    requires=(
                        RequiredSelection(
                            "Product",
                            (RequiredField("id"), RequiredField("price"), RequiredField("weight")),
                        ),
                    ),
                ),
            ),
        )
    )
    result = await gateway.run(
        plan,
        '{ product(id: "p3") { name shippingEstimate } }',
    )

    assert result.data == {"product": {"name": "Screen", "shippingEstimate": 0}}
    [call] = subgraphs["shipping"].entity_calls()
    assert call.payload["variables"]["representations"] == [
        {"__typename": "Product", "id": "p3", "price": 300, "weight": 50}
    ]


async def test_interface_object_representations_carry_the_interface_name(
    gateway: PlanRunner, subgraphs: LoopbackSubgraphs
) -> None:
    plan = Sequence(
        (
            Fetch("catalog", "{ media { __typename id title ... on Book { pages } } }"),
            Flatten(
                ("media", "@"),
                Fetch(
                    "ratings",
                    "query($representations: [_Any!]!) { _entities(representations: "
                    "$representations) { ... on Media { __typename rating } } }",
                    requires=MEDIA_KEY,
                    representation_typename="Media",
                ),
            ),
        )
    )
    result = await gateway.run(
        plan,
        "{ media { __typename title rating ... on Book { pages } } }",
    )

    assert result.errors == []
    assert result.data == {
        "media": [
            {"__typename": "Book", "title": "Dune", "rating": 5, "pages": 412},
            {"__typename": "Movie", "title": "Alien", "rating": 4},
        ]
    }
    [call] = subgraphs["ratings"].entity_calls()
    assert call.payload["variables"]["representations"] == [
        {"__typename": "Media", "id": "b1"},
        {"__typename": "Media", "id": "m1"},
    ]


async def test_interface_object_answer_first_is_refined_by_the_owning_subgraph(
    gateway: PlanRunner, subgraphs: LoopbackSubgraphs
) -> None:
    plan = Sequence(
        (
            Fetch("ratings", "{ topMedia { __typename id rating } }"),
            Flatten(
                ("topMedia",),
                Fetch(
                    "catalog",
                    "query($representations: [_Any!]!) { _entities(representations: "
                    "$representations) { ... on Media { __typename title ... on Book { pages } } "
                    "} }",
                    requires=MEDIA_KEY,
                ),
            ),
        )
    )
    result = await gateway.run(
        plan,
        "{ topMedia { __typename title rating ... on Book { pages } ... on Movie { minutes } } }",
    )

    assert result.errors == []
    assert result.data == {
        "topMedia": {"__typename": "Book", "title": "Dune", "rating": 5, "pages": 412}
    }


async def test_union_fragments_and_aliases_on_a_root_fetch(
    gateway: PlanRunner, subgraphs: LoopbackSubgraphs
) -> None:
    plan = Fetch(
        "catalog",
        'query { found: search(text: "o") { __typename ... on Product { label: name } '
        "... on Article { title } } }",
    )
    result = await gateway.run(
        plan,
        'query { found: search(text: "o") { __typename ... on Product { label: name } '
        "...ArticleTitle } } fragment ArticleTitle on Article { title }",
    )

    assert result.data == {
        "found": [
            {"__typename": "Product", "label": "Keyboard"},
            {"__typename": "Product", "label": "Mouse"},
            {"__typename": "Article", "title": "All about o"},
        ]
    }


async def test_only_the_variables_a_fetch_declares_are_sent(
    gateway: PlanRunner, subgraphs: LoopbackSubgraphs
) -> None:
    plan = Fetch(
        "catalog",
        "query($id: ID!) { product(id: $id) { name } }",
        variable_usages=("id",),
    )
    result = await gateway.run(
        plan,
        "query($id: ID!, $withRating: Boolean = false) { product(id: $id) { name } }",
        variables={"id": "p1", "withRating": False},
    )

    assert result.data == {"product": {"name": "Keyboard"}}
    [call] = subgraphs["catalog"].received
    assert call.payload["variables"] == {"id": "p1"}


async def test_mutation_fetches_run_strictly_in_plan_order(
    gateway: PlanRunner, subgraphs: LoopbackSubgraphs
) -> None:
    plan = Sequence(
        (
            Fetch(
                "reviews",
                'mutation { first: addReview(productId: "p9", body: "one") { body } }',
                operation_kind="mutation",
            ),
            Fetch(
                "catalog",
                'mutation { second: renameProduct(id: "p3", name: "Screen") { name } }',
                operation_kind="mutation",
            ),
            Fetch(
                "reviews",
                'mutation { third: addReview(productId: "p9", body: "two") { body } }',
                operation_kind="mutation",
            ),
        )
    )
    result = await gateway.run(
        plan,
        'mutation { first: addReview(productId: "p9", body: "one") { body } '
        'second: renameProduct(id: "p3", name: "Screen") { name } '
        'third: addReview(productId: "p9", body: "two") { body } }',
    )

    assert result.data == {
        "first": {"body": "one"},
        "second": {"name": "Screen"},
        "third": {"body": "two"},
    }
    received = sorted(
        subgraphs["reviews"].received + subgraphs["catalog"].received,
        key=lambda request: request.arrival,
    )
    assert [
        request.payload["query"].split("{")[1].split(":")[0].strip() for request in received
    ] == [
        "first",
        "second",
        "third",
    ]


async def test_each_subgraph_gets_its_own_api_key_and_the_forwarded_claims(
    gateway: PlanRunner, subgraphs: LoopbackSubgraphs
) -> None:
    plan = Sequence(
        (
            Fetch("catalog", '{ product(id: "p1") { __typename id } }'),
            Flatten(("product",), REVIEWS_OF_PRODUCTS),
        )
    )
    await gateway.run(
        plan,
        '{ product(id: "p1") { reviews { body } } }',
        forwarded_headers={"X-BFF-Claims": "eyJzdWIiOiJ1MSJ9", "X-API-Key": "forged"},
    )

    [catalog_call] = subgraphs["catalog"].received
    [reviews_call] = subgraphs["reviews"].received
    assert catalog_call.headers["X-API-Key"] == "catalog-key"
    assert reviews_call.headers["X-API-Key"] == "reviews-key"
    assert catalog_call.headers["X-BFF-Claims"] == "eyJzdWIiOiJ1MSJ9"
    assert reviews_call.headers["X-BFF-Claims"] == "eyJzdWIiOiJ1MSJ9"
    assert catalog_call.headers["Content-Type"] == "application/json"


async def test_root_values_and_root_typename_need_no_fetch(
    gateway: PlanRunner, subgraphs: LoopbackSubgraphs
) -> None:
    schema_answer = {"queryType": {"name": "Query"}}
    result = await gateway.run(
        None,
        "{ __typename kind: __typename __schema { queryType { name } } }",
        root_values={"__schema": schema_answer},
    )

    assert result.data == {"__typename": "Query", "kind": "Query", "__schema": schema_answer}
    assert all(not server.received for server in subgraphs.servers.values())
