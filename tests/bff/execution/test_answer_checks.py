"""Subgraph answers are checked against the API schema, never passed on as if fine (issue 12):
wrong-typed leaves from a root or an entity fetch become null with an error at the client's path,
over loopback HTTP with canned answers."""

from __future__ import annotations

from typing import Any

import pytest

from bff.planning.nodes import Fetch
from tests.bff.execution.subgraphs.host import LoopbackSubgraphs
from tests.bff.execution.support import PlanRunner
from tests.bff.execution.test_partial_results import PRODUCT_WITH_SHIPPING

PRODUCT = '{ product(id: "p1") { name price } }'


def invalid(message: str, path: list[str | int]) -> dict[str, Any]:
    return {"message": message, "path": path, "extensions": {"code": "INTERNAL_SERVER_ERROR"}}


@pytest.mark.parametrize(
    ("product", "data", "errors"),
    [
        # graphql-js coerces what it can: a number to a String, a numeric string to an Int.
        ({"name": 42, "price": "12"}, {"product": {"name": "42", "price": 12}}, []),
        (
            {"name": "Keyboard", "price": "12.5"},
            {"product": None},
            [
                invalid(
                    "Int cannot represent the value returned for field Product.price.",
                    ["product", "price"],
                )
            ],
        ),
        (
            {"name": ["Keyboard"], "price": 1},
            {"product": None},
            [
                invalid(
                    "String cannot represent the value returned for field Product.name.",
                    ["product", "name"],
                )
            ],
        ),
        (
            {"name": "Keyboard", "price": 2**31},
            {"product": None},
            [
                invalid(
                    "Int cannot represent the value returned for field Product.price.",
                    ["product", "price"],
                )
            ],
        ),
    ],
    ids=["coerced", "not-an-int", "a-list-for-a-string", "beyond-32-bits"],
)
async def test_root_fetch_leaves_are_checked(
    gateway: PlanRunner,
    subgraphs: LoopbackSubgraphs,
    product: dict[str, Any],
    data: dict[str, Any],
    errors: list[dict[str, Any]],
) -> None:
    subgraphs["catalog"].answer_with(200, {"data": {"product": product}})
    result = await gateway.run(Fetch("catalog", PRODUCT), PRODUCT)

    assert (result.data, result.errors) == (data, errors)


async def test_entity_fetch_leaves_are_checked_at_the_client_path(
    gateway: PlanRunner, subgraphs: LoopbackSubgraphs
) -> None:
    subgraphs["shipping"].answer_with(200, {"data": {"_entities": [{"shippingEstimate": 1.5}]}})
    result = await gateway.run(
        PRODUCT_WITH_SHIPPING, '{ product(id: "p1") { name shippingEstimate } }'
    )

    # shippingEstimate is Int!: the product (nullable) becomes null, with the one error.
    assert result.data == {"product": None}
    assert result.errors == [
        invalid(
            "Int cannot represent the value returned for field Product.shippingEstimate.",
            ["product", "shippingEstimate"],
        )
    ]
