"""The compact printer writes the client's values, directives and variables back faithfully."""

from __future__ import annotations

import pytest
from graphql import (
    FieldNode,
    OperationDefinitionNode,
    parse,
    parse_value,
    value_from_ast_untyped,
)

from bff.planning.printing import (
    print_arguments,
    print_directives,
    print_value,
    print_variable_definition,
)

OPERATION = parse(
    """
    query Values($id: ID! = "x", $list: [Int!] = [1, 2], $flag: Boolean @deprecated) {
      field(
        string: "quote \\" backslash \\\\ newline \\n unicode é \\u00e9"
        block: \"\"\"multi
        line\"\"\"
        int: -12
        float: 1.5e3
        boolean: false
        null: null
        enum: PYTHON
        list: [1, [2, $id], {a: "b"}]
        object: {nested: {deep: [true, null]}, variable: $list}
      ) @skip(if: $flag) @include(if: true)
    }
    """
)
DEFINITION = OPERATION.definitions[0]
assert isinstance(DEFINITION, OperationDefinitionNode)
FIELD = DEFINITION.selection_set.selections[0]
assert isinstance(FIELD, FieldNode)


@pytest.mark.parametrize("argument", FIELD.arguments, ids=lambda argument: argument.name.value)
def test_values_round_trip(argument) -> None:  # type: ignore[no-untyped-def]
    printed = print_value(argument.value)

    assert "\n" not in printed
    # Same value (a block string comes back as an ordinary string).
    variables = {"id": "an id", "list": [7], "flag": True}
    reparsed = value_from_ast_untyped(parse_value(printed), variables)
    assert reparsed == value_from_ast_untyped(argument.value, variables)


def test_arguments_and_directives() -> None:
    assert print_arguments(()) == ""
    assert print_directives(FIELD.directives) == " @skip(if: $flag) @include(if: true)"


def test_variable_definitions_keep_types_defaults_and_directives() -> None:
    printed = [print_variable_definition(d) for d in DEFINITION.variable_definitions]

    assert printed == [
        '$id: ID! = "x"',
        "$list: [Int!] = [1, 2]",
        "$flag: Boolean @deprecated",
    ]
