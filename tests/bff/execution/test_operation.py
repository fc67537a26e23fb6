"""prepare_operation: choosing the operation to run and indexing fragments."""

from __future__ import annotations

import pytest
from graphql import parse

from bff.execution import OperationNotFoundError, prepare_operation

TWO_OPERATIONS = """
query First { userCount }
mutation Second { renameProduct(id: "p1", name: "K") { ...Name } }
fragment Name on Product { name }
"""


def test_the_named_operation_is_chosen_and_fragments_indexed() -> None:
    operation = prepare_operation(parse(TWO_OPERATIONS), "Second")

    assert operation.kind == "mutation"
    assert list(operation.fragments) == ["Name"]
    assert operation.variable_conditions is False
    assert operation.condition_variables == ()


def test_condition_variables_are_named_once_in_order() -> None:
    operation = prepare_operation(
        parse(
            "query($b: Boolean!, $a: Boolean!) { userCount @include(if: $b) "
            "...F @skip(if: $a) reviewCount @skip(if: true) } "
            "fragment F on Query { shippingZones @include(if: $b) }"
        ),
        None,
    )

    assert operation.condition_variables == ("a", "b")
    assert operation.variable_conditions is True


def test_a_single_anonymous_operation_needs_no_name() -> None:
    assert prepare_operation(parse("{ userCount }"), None).kind == "query"


@pytest.mark.parametrize(
    ("document", "name", "message"),
    [
        (TWO_OPERATIONS, None, "several operations; provide an operationName"),
        (TWO_OPERATIONS, "Third", "Unknown operation named 'Third'"),
        ("fragment Name on Product { name }", None, "no operation"),
    ],
)
def test_unresolvable_operation_choice_is_a_clear_error(
    document: str, name: str | None, message: str
) -> None:
    with pytest.raises(OperationNotFoundError, match=message):
        prepare_operation(parse(document), name)
