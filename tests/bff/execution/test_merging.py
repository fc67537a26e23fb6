"""Deep merge of entity answers into the response tree, and the @interfaceObject typename rule."""

from __future__ import annotations

from graphql import GraphQLSchema

from bff.execution.merging import merge_into
from bff.execution.schema_index import index_for


def test_merge_is_deep_and_keeps_concrete_typenames(api_schema: GraphQLSchema) -> None:
    index = index_for(api_schema)
    target = {
        "__typename": "Book",
        "id": "b1",
        "reviews": [{"body": "x"}, {"body": "y"}],
        "meta": {"a": 1},
        "grid": [[{"x": 1}], [None]],
    }

    merge_into(
        {
            "__typename": "Media",
            "rating": 5,
            "reviews": [{"stars": 1}, {"stars": 2}],
            "meta": {"b": 2},
            "id": None,
            "grid": [[{"y": 2}], [{"y": 3}]],
        },
        target,
        index,
    )

    assert target == {
        "__typename": "Book",
        "id": "b1",
        "reviews": [{"body": "x", "stars": 1}, {"body": "y", "stars": 2}],
        "meta": {"a": 1, "b": 2},
        "grid": [[{"x": 1, "y": 2}], [{"y": 3}]],
        "rating": 5,
    }


def test_merge_refines_an_interface_typename(api_schema: GraphQLSchema) -> None:
    target = {"__typename": "Media", "id": "b1"}

    merge_into({"__typename": "Book", "pages": 412}, target, index_for(api_schema))

    assert target == {"__typename": "Book", "id": "b1", "pages": 412}
