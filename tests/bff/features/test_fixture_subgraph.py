"""The fixture subgraphs the feature cases run against answer as a federation subgraph must:
entities by every key (whole composite keys, interface keys), `@requires` inputs only from the
gateway, `_service { sdl }`, Federation-1 `extend type` SDL."""

from __future__ import annotations

from typing import Any

from tests.bff.features.feature_stack import load_feature_subgraphs
from tests.bff.features.fixture_subgraph import FixtureSubgraph

ENTITIES = "query($r: [_Any!]!) { _entities(representations: $r) { __typename %s } }"


def subgraph(feature: str, name: str) -> FixtureSubgraph:
    return next(found for found in load_feature_subgraphs(feature) if found.name == name)


def entities(found: FixtureSubgraph, selection: str, *representations: Any) -> dict[str, Any]:
    return found.execute(ENTITIES % selection, {"r": list(representations)}, None)


def test_a_composite_key_matches_only_the_object_with_all_its_values() -> None:
    inventory = subgraph("keys", "inventory")
    answer = entities(
        inventory,
        "... on Product { stock }",
        {"__typename": "Product", "sku": "TBL", "variant": {"__typename": "Variant", "id": "pine"}},
        {"__typename": "Product", "sku": "TBL", "variant": {"id": "walnut"}},
        {"__typename": "Product", "upc": "u1"},
    )
    assert answer == {
        "data": {
            "_entities": [
                {"__typename": "Product", "stock": 12},
                None,
                {"__typename": "Product", "stock": 5},
            ]
        }
    }


def test_an_interface_key_finds_the_implementing_object() -> None:
    media = subgraph("interface-object", "media")
    answer = entities(media, "... on Movie { director }", {"__typename": "Media", "id": "m1"})
    assert answer == {"data": {"_entities": [{"__typename": "Movie", "director": "Scott"}]}}


def test_required_fields_come_only_from_the_representation() -> None:
    shipping = subgraph("requires", "shipping")
    sent = entities(
        shipping,
        "... on Product { shippingCost }",
        {"__typename": "Product", "id": "1", "weight": 3, "size": 4},
    )
    assert sent == {"data": {"_entities": [{"__typename": "Product", "shippingCost": 10}]}}

    missing = entities(
        shipping, "... on Product { shippingCost }", {"__typename": "Product", "id": "1"}
    )
    assert missing["data"] == {"_entities": [{"__typename": "Product", "shippingCost": None}]}
    assert missing["errors"][0]["path"] == ["_entities", 0, "shippingCost"]


def test_service_sdl_is_the_fixture_sdl() -> None:
    a = subgraph("override", "a")
    assert a.execute("{ _service { sdl } }", None, None) == {"data": {"_service": {"sdl": a.sdl}}}


def test_federation_one_extend_type_is_an_entity() -> None:
    reviews = subgraph("legacy-join-v0.2", "reviews")
    answer = entities(
        reviews, "... on User { reviews { body } }", {"__typename": "User", "id": "1"}
    )
    assert answer["data"]["_entities"][0]["reviews"] == [
        {"body": "Loved it"},
        {"body": "Would buy again"},
    ]


def test_an_invalid_operation_is_refused() -> None:
    a = subgraph("override", "a")
    answer = a.execute("{ items { currency } }", None, None)
    assert "data" not in answer
    assert answer["errors"][0]["message"] == "Cannot query field 'currency' on type 'Item'."
