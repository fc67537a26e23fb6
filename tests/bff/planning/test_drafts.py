"""Selection drafts never print an empty selection, whatever the walk left in them."""

from __future__ import annotations

from graphql import parse
from graphql.language import OperationDefinitionNode

from bff.planning.drafts import SelectionDraft


def _directives(text: str):  # type: ignore[no-untyped-def]
    operation = parse(f"query($a: Boolean!) {{ x {text} }}").definitions[0]
    assert isinstance(operation, OperationDefinitionNode)
    return operation.selection_set.selections[0].directives


def test_a_fragment_left_empty_is_not_printed_nor_its_variables_declared() -> None:
    draft = SelectionDraft("Product")
    draft.add_field("id")
    draft.add_fragment("Book").add_fragment(None, _directives("@include(if: $a)"))

    assert draft.print() == "{ id }"
    assert list(draft.variables()) == []


def test_an_object_field_left_empty_selects_its_typename() -> None:
    draft = SelectionDraft("Query")
    draft.add_field("product", sub_type="Product").sub.add_fragment("Book")  # type: ignore[union-attr]

    assert draft.print() == "{ product { __typename } }"


def test_a_fragment_with_fields_is_printed_with_its_condition() -> None:
    draft = SelectionDraft("Product")
    draft.add_fragment(None, _directives("@include(if: $a)")).add_field("title")

    assert draft.print() == "{ ... @include(if: $a) { title } }"
    assert list(draft.variables()) == ["a"]
