"""Minimal reproductions of planner bugs the generated operations found, each checked end to end
like a generated case (plan, subgraph validity, answer equal to the monolith's). A bug not yet
fixed is marked strict xfail: a fix makes the case pass and the marker must then go.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.bff.features.test_features import FeatureStacks
from tests.bff.property.agreement import assert_agrees_with_monolith
from tests.bff.property.operation_generator import GeneratedOperation

# Each representation of an entity fetch needs every input of the fetch, so the inputs are
# fetched whenever one of its fields is asked (the union of their @skip/@include conditions):
# an input fetched only under the condition of the client field needing it, beside other
# fields of the same fetch asked unconditionally, used to leave every representation without
# it, none sent, and the other fields null.
GAPS: list[Any] = [
    pytest.param(
        "requires",
        GeneratedOperation("{ products { deliveryNote packaging @include(if: false) } }", {}),
        id="requires-input-of-an-excluded-field-literal",
    ),
    pytest.param(
        "requires",
        GeneratedOperation(
            "query($on: Boolean!) { products { deliveryNote packaging @include(if: $on) } }",
            {"on": False},
        ),
        id="requires-input-of-an-excluded-field-beside-a-chain",
    ),
    pytest.param(
        "requires",
        GeneratedOperation(
            "query($on: Boolean!) { products { shippingCost @include(if: $on) packaging } }",
            {"on": False},
        ),
        id="requires-input-of-an-excluded-field-variable",
    ),
    pytest.param(
        "requires",
        GeneratedOperation(
            "query($on: Boolean!, $off: Boolean!) "
            "{ products { ... @include(if: $on) { shippingCost } packaging @skip(if: $off) } }",
            {"on": True, "off": True},
        ),
        id="requires-inputs-under-two-conditions",
    ),
    pytest.param(
        "requires",
        GeneratedOperation(
            "{ products { dimensions { a1: width } packaging @include(if: false) shippingCost } }",
            {},
        ),
        id="requires-input-aliased-by-the-client-and-excluded",
    ),
    # The same operations with the condition letting the field in.
    pytest.param(
        "requires",
        GeneratedOperation("{ products { deliveryNote packaging @include(if: true) } }", {}),
        id="requires-input-of-an-included-field",
    ),
    pytest.param(
        "requires",
        GeneratedOperation(
            "query($on: Boolean!) { products { shippingCost @include(if: $on) packaging } }",
            {"on": True},
        ),
        id="requires-input-of-an-included-field-variable",
    ),
]


@pytest.mark.parametrize(("feature", "operation"), GAPS)
def test_planner_gap(feature: str, operation: GeneratedOperation, stacks: FeatureStacks) -> None:
    assert_agrees_with_monolith(feature, operation, stacks)
