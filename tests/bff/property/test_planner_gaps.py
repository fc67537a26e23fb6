"""Minimal reproductions of planner bugs the generated operations found, each checked end to end
like a generated case (plan, subgraph validity, answer equal to the monolith's). Strict xfail:
a fix makes the case pass and the marker must then go, so the planner's owner sees it.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.bff.features.test_features import FeatureStacks
from tests.bff.property.agreement import assert_agrees_with_monolith
from tests.bff.property.operation_generator import GeneratedOperation

# A `@requires` input fetched only under the condition of the client field that needs it, while
# the entity fetch built from it is sent whatever the condition: every representation then
# lacks the input, none is sent, and the other fields of that fetch come back null.
CONDITIONAL_REQUIRES_INPUT = (
    "the planner fetches a @requires input under a client field's @skip/@include but the entity "
    "fetch needing it (for other fields too) is unconditional: the representations lack the "
    "input and the fetch's other fields are null"
)

GAPS: list[Any] = [
    pytest.param(
        "requires",
        GeneratedOperation("{ products { deliveryNote packaging @include(if: false) } }", {}),
        id="requires-input-of-an-excluded-field-literal",
        marks=pytest.mark.xfail(reason=CONDITIONAL_REQUIRES_INPUT, strict=True),
    ),
    pytest.param(
        "requires",
        GeneratedOperation(
            "query($on: Boolean!) { products { shippingCost @include(if: $on) packaging } }",
            {"on": False},
        ),
        id="requires-input-of-an-excluded-field-variable",
        marks=pytest.mark.xfail(reason=CONDITIONAL_REQUIRES_INPUT, strict=True),
    ),
    pytest.param(
        "requires",
        GeneratedOperation(
            "{ products { dimensions { a1: width } packaging @include(if: false) shippingCost } }",
            {},
        ),
        id="requires-input-aliased-by-the-client-and-excluded",
        marks=pytest.mark.xfail(reason=CONDITIONAL_REQUIRES_INPUT, strict=True),
    ),
    # The same operations with the condition letting the field in are answered right.
    pytest.param(
        "requires",
        GeneratedOperation("{ products { deliveryNote packaging @include(if: true) } }", {}),
        id="requires-input-of-an-included-field",
    ),
]


@pytest.mark.parametrize(("feature", "operation"), GAPS)
def test_planner_gap(feature: str, operation: GeneratedOperation, stacks: FeatureStacks) -> None:
    assert_agrees_with_monolith(feature, operation, stacks)
