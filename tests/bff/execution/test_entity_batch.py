"""Collecting objects at a Flatten path and building de-duplicated representations."""

from __future__ import annotations

import random
from typing import Any

import pytest
from graphql import GraphQLSchema

from bff.execution import entity_batch
from bff.execution.entity_batch import LIST_MARKER, EntityBatch, _walk, objects_at
from bff.execution.schema_index import index_for
from bff.planning.nodes import RequiredField, RequiredSelection

PRODUCT_KEY = (RequiredSelection("Product", (RequiredField("id"),)),)


def test_objects_at_walks_lists_and_skips_nulls() -> None:
    data = {
        "products": [
            {"id": "p1", "reviews": [{"author": {"id": "u1"}}, {"author": None}]},
            None,
            {"id": "p2", "reviews": [{"author": {"id": "u2"}}]},
        ]
    }

    found = objects_at(data, ("products", "@", "reviews", "@", "author"))

    assert [(obj["id"], path) for obj, path in found] == [
        ("u1", ("products", 0, "reviews", 0, "author")),
        ("u2", ("products", 2, "reviews", 0, "author")),
    ]


def test_objects_at_enters_nested_lists_and_tolerates_a_missing_list_marker() -> None:
    data = {"grid": [[{"id": "a"}, None], [{"id": "b"}]], "flat": [{"id": "c"}]}

    assert [path for _, path in objects_at(data, ("grid", "@", "@"))] == [
        ("grid", 0, 0),
        ("grid", 1, 0),
    ]
    assert [path for _, path in objects_at(data, ("flat",))] == [("flat", 0)]
    assert objects_at(data, ("missing", "@")) == []


def test_objects_at_is_lenient_past_the_shapes_answers_usually_have() -> None:
    # Each of these leaves the compiled nested loops for the general walk, whole.
    data = {
        "a": [{"b": {"id": "1"}}, {"b": [{"id": "2"}, None, [{"id": "3"}]]}],
        "c": {"id": "4"},
        "d": [{"e": "not an object"}, {"e": {"id": "5"}}],
    }

    assert [(obj["id"], path) for obj, path in objects_at(data, ("a", "@", "b"))] == [
        ("1", ("a", 0, "b")),
        ("2", ("a", 1, "b", 0)),
        ("3", ("a", 1, "b", 2, 0)),
    ]
    assert [path for _, path in objects_at(data, ("c", "@"))] == [("c",)]
    assert [path for _, path in objects_at(data, ("d", "@", "e"))] == [("d", 1, "e")]
    assert objects_at(data, ()) == [(data, ())]


def test_objects_at_deeper_than_nested_loops_compile() -> None:
    data: Any = {"id": "x"}
    for _ in range(25):
        data = {"k": [data]}
    path = ("k", LIST_MARKER) * 25

    assert objects_at(data, path) == [({"id": "x"}, ("k", 0) * 25)]
    assert objects_at({"k": None}, ("k",) * 120) == []


def _random_value(rng: random.Random, depth: int) -> Any:
    roll = rng.random()
    if depth == 0 or roll < 0.15:
        return rng.choice([None, None, "s", 1, {"id": rng.randrange(99)}])
    if roll < 0.55:
        return [_random_value(rng, depth - 1) for _ in range(rng.randrange(4))]
    return {key: _random_value(rng, depth - 1) for key in rng.sample("abc", rng.randrange(1, 4))}


@pytest.mark.parametrize("seed", range(40))
def test_objects_at_finds_what_the_general_walk_finds(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(25):
        data = {"a": _random_value(rng, 5), "b": _random_value(rng, 5)}
        path = tuple(rng.choice(["a", "b", "c", LIST_MARKER]) for _ in range(rng.randrange(6)))
        expected: list[Any] = []
        _walk(data, path, 0, [], expected)

        found = objects_at(data, path)

        assert [(id(obj), at) for obj, at in found] == [(id(obj), at) for obj, at in expected]


def test_equal_representations_are_sent_once_and_answer_every_object(
    api_schema: GraphQLSchema,
) -> None:
    objects = [
        ({"__typename": "Product", "id": "p1", "name": "a"}, ("x", 0)),
        ({"__typename": "Product", "id": "p2"}, ("x", 1)),
        ({"__typename": "Product", "id": "p1"}, ("y",)),
    ]

    batch = EntityBatch.collect(objects, PRODUCT_KEY, None, index_for(api_schema))

    assert batch.representations == [
        {"__typename": "Product", "id": "p1"},
        {"__typename": "Product", "id": "p2"},
    ]
    assert batch.target_paths == [[("x", 0), ("y",)], [("x", 1)]]
    assert batch.client_paths(["_entities", 0, "reviews", 1]) == [
        ("x", 0, "reviews", 1),
        ("y", "reviews", 1),
    ]
    assert batch.client_paths(["_entities"]) == [None]
    assert batch.client_paths(None) == [None]


def test_objects_of_other_types_or_missing_required_fields_are_not_sent(
    api_schema: GraphQLSchema,
) -> None:
    needs = (RequiredSelection("Product", (RequiredField("id"), RequiredField("price"))),)
    objects = [
        ({"__typename": "Article", "title": "t"}, ("s", 0)),
        ({"__typename": "Product", "id": "p1"}, ("s", 1)),
        ({"__typename": "Product", "id": "p2", "price": None}, ("s", 2)),
    ]

    batch = EntityBatch.collect(objects, needs, None, index_for(api_schema))

    # A null @requires input is still a value; only an absent one means "not fetched".
    assert batch.representations == [{"__typename": "Product", "id": "p2", "price": None}]


def test_abstract_type_conditions_and_interface_object_typename(
    api_schema: GraphQLSchema,
) -> None:
    media_key = (RequiredSelection("Media", (RequiredField("id"),)),)
    objects = [
        ({"__typename": "Book", "id": "b1"}, ("m", 0)),
        ({"__typename": "Movie", "id": "m1"}, ("m", 1)),
    ]
    index = index_for(api_schema)

    own = EntityBatch.collect(objects, media_key, None, index)
    as_interface = EntityBatch.collect(objects, media_key, "Media", index)

    assert own.representations == [
        {"__typename": "Book", "id": "b1"},
        {"__typename": "Movie", "id": "m1"},
    ]
    assert as_interface.representations == [
        {"__typename": "Media", "id": "b1"},
        {"__typename": "Media", "id": "m1"},
    ]


def test_objects_reaching_one_representation_by_different_types_share_it(
    api_schema: GraphQLSchema,
) -> None:
    # An @interfaceObject's answer (the interface's name), a concrete type matching the
    # interface, and an object without __typename all send {Media, b1}: once, for all three.
    media_key = (RequiredSelection("Media", (RequiredField("id"),)),)
    objects = [
        ({"__typename": "Book", "id": "b1"}, ("m", 0)),
        ({"__typename": "Media", "id": "b1"}, ("m", 1)),
        ({"id": "b1"}, ("m", 2)),
        ({"__typename": "Media"}, ("m", 3)),
        ({"__typename": "Media", "id": "m1"}, ("m", 4)),
    ]

    batch = EntityBatch.collect(objects, media_key, "Media", index_for(api_schema))

    assert batch.representations == [
        {"__typename": "Media", "id": "b1"},
        {"__typename": "Media", "id": "m1"},
    ]
    assert batch.target_paths == [[("m", 0), ("m", 1), ("m", 2)], [("m", 4)]]


def test_a_representation_name_given_twice_keeps_its_place_and_the_last_value(
    api_schema: GraphQLSchema,
) -> None:
    needs = (
        RequiredSelection(
            "Product",
            (
                RequiredField("id"),
                RequiredField("__key_a", representation_name="sku"),
                RequiredField("__key_b", representation_name="sku"),
            ),
        ),
    )
    objects = [({"__typename": "Product", "id": "p1", "__key_a": "a", "__key_b": "b"}, ())]

    batch = EntityBatch.collect(objects, needs, None, index_for(api_schema))

    assert list(batch.representations[0].items()) == [
        ("__typename", "Product"),
        ("id", "p1"),
        ("sku", "b"),
    ]


def test_nested_and_aliased_required_fields(api_schema: GraphQLSchema) -> None:
    needs = (
        RequiredSelection(
            "Review",
            (
                RequiredField("__key_body", representation_name="body"),
                RequiredField("author", (RequiredSelection("User", (RequiredField("id"),)),)),
            ),
        ),
    )
    objects = [
        ({"__typename": "Review", "__key_body": "Nice", "author": {"id": "u1", "name": "A"}}, ()),
        ({"__typename": "Review", "__key_body": "Meh", "author": {"name": "B"}}, ()),
    ]

    batch = EntityBatch.collect(objects, needs, None, index_for(api_schema))

    assert batch.representations == [
        {"__typename": "Review", "body": "Nice", "author": {"id": "u1"}}
    ]


REQUIRES_VARIANTS = [
    (PRODUCT_KEY, None),
    (PRODUCT_KEY, "Product"),
    ((RequiredSelection("Product", (RequiredField("id"), RequiredField("price"))),), None),
    ((RequiredSelection("Media", (RequiredField("id"),)),), "Media"),
    (
        (
            RequiredSelection("Article", (RequiredField("title"),)),
            RequiredSelection("Product", (RequiredField("id"),)),
        ),
        None,
    ),
]


def _random_object(rng: random.Random) -> dict[str, Any]:
    obj: dict[str, Any] = {}
    typename = rng.choice(["Product", "Product", "Article", "Book", "Media", None, 5, "absent"])
    if typename != "absent":
        obj["__typename"] = typename
    for name in ("id", "price", "title"):
        if rng.random() < 0.8:
            obj[name] = rng.choice(["p1", "p2", 1, 1.0, True, None, {"x": 1}, ["p1"]])
    return obj


@pytest.mark.parametrize("seed", range(20))
def test_the_compiled_collector_batches_as_the_general_one(
    seed: int, api_schema: GraphQLSchema, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = random.Random(seed)
    index = index_for(api_schema)
    objects = [(_random_object(rng), ("o", number)) for number in range(30)]
    for requires, representation_typename in REQUIRES_VARIANTS:
        compiled = EntityBatch.collect(objects, requires, representation_typename, index)
        with monkeypatch.context() as patched:
            patched.setattr(entity_batch, "_flat_collector", lambda *_: None)
            general = EntityBatch.collect(objects, requires, representation_typename, index)

        assert [list(rep.items()) for rep in compiled.representations] == [
            list(rep.items()) for rep in general.representations
        ]
        assert compiled.target_paths == general.target_paths
        assert [[id(obj) for obj in found] for found in compiled.targets] == [
            [id(obj) for obj in found] for found in general.targets
        ]
