"""The supergraph model: what each join directive means for the planner, and load errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from graphql import print_ast

from bff.supergraph import Supergraph, SupergraphError, load_supergraph, load_supergraph_file

FIXTURES = Path(__file__).parent / "fixtures"
PLANNING_FIXTURES = Path(__file__).parents[1] / "planning" / "fixtures"


def _load(case: str) -> Supergraph:
    return load_supergraph_file(PLANNING_FIXTURES / case / "supergraph.graphql")


@pytest.mark.parametrize(
    "path",
    sorted(PLANNING_FIXTURES.glob("*/supergraph.graphql")),
    ids=lambda path: path.parent.name,
)
def test_apollo_composed_supergraphs_load(path: Path) -> None:
    supergraph = load_supergraph_file(path, version=7)

    assert supergraph.version == 7
    assert supergraph.sdl == path.read_text(encoding="utf-8")
    assert supergraph.subgraphs
    for name, info in supergraph.subgraphs.items():
        assert info.name == name
        assert info.url == f"http://{name}.local/graphql"


def test_subgraphs_are_keyed_by_join_graph_name() -> None:
    supergraph = _load("our-services")

    assert list(supergraph.subgraphs) == ["analytics", "lessons", "students"]
    assert supergraph.subgraphs["lessons"].url == "http://lessons.local/graphql"


def test_field_without_join_field_resolves_in_every_graph_of_its_type() -> None:
    student = _load("our-services").types["Student"]

    assert student.graphs == ("analytics", "lessons", "students")
    assert student.fields["id"].graphs == ("analytics", "lessons", "students")
    assert student.fields["name"].graphs == ("students",)
    assert student.fields["xp"].graphs == ("analytics",)
    assert student.fields["rank"].list_depth == 0
    assert student.fields["completions"].list_depth == 1
    assert student.fields["completions"].type_name == "Completion"


def test_several_composite_nested_and_unresolvable_keys() -> None:
    supergraph = _load("keys")
    product = supergraph.types["Product"]

    assert [key.fields for key in product.keys["inventory"]] == ["upc", "sku variant { id }"]
    assert [key.fields for key in product.keys["reviews"]] == ["sku variant { id }"]
    nested = product.keys["reviews"][0].selection
    assert print_ast(nested).split() == ["{", "sku", "variant", "{", "id", "}", "}"]
    assert [key.fields for key in supergraph.types["Warehouse"].keys["accounts"]] == ["region code"]
    user = supergraph.types["User"]
    assert [(key.fields, key.resolvable) for key in user.keys["reviews"]] == [("id", False)]
    assert user.resolvable_keys("reviews") == ()
    assert [key.fields for key in user.resolvable_keys("accounts")] == ["id", "email"]


def test_requires_and_external() -> None:
    product = _load("requires").types["Product"]

    weight = product.fields["weight"]
    assert weight.graphs == ("products",)
    assert weight.joins["shipping"].external
    assert not weight.available_in("shipping")
    shipping_cost = product.fields["shippingCost"]
    assert shipping_cost.graphs == ("shipping",)
    requires = shipping_cost.requires_in("shipping")
    assert requires is not None
    assert print_ast(requires).split() == ["{", "weight", "size", "}"]
    assert product.fields["deliveryNote"].requires_in("delivery") is not None


def test_provides() -> None:
    supergraph = _load("provides")

    provides = supergraph.types["Review"].fields["author"].provides_in("reviews")
    assert provides is not None
    assert print_ast(provides).split() == ["{", "name", "}"]
    assert supergraph.types["User"].fields["name"].graphs == ("accounts",)


def test_override_moves_the_field() -> None:
    price = _load("override").types["Item"].fields["price"]

    assert price.graphs == ("b",)
    assert price.joins["b"].override == "a"


def test_interface_object() -> None:
    supergraph = _load("interface-object")
    media = supergraph.types["Media"]

    assert media.kind == "interface"
    assert media.interface_object_graphs == frozenset({"reviews"})
    assert media.fields["reviews"].graphs == ("reviews",)
    assert media.possible_types == {"media": ("Book", "Movie")}
    # The implementations get the field with a graph-less @join__field: resolved via Media.
    assert supergraph.types["Book"].fields["reviews"].graphs == ()
    assert supergraph.types["Book"].implements == {"media": frozenset({"Media"})}


def test_union_members_and_implementations_per_graph() -> None:
    supergraph = _load("abstract-types")

    assert supergraph.types["SearchResult"].possible_types == {"search": ("Book", "Movie")}
    assert supergraph.types["Node"].possible_types == {"search": ("Book", "Movie")}
    assert supergraph.types["Book"].implements == {"search": frozenset({"Node"})}


def test_inaccessible_elements_are_modelled_but_flagged() -> None:
    supergraph = _load("inaccessible")

    user = supergraph.types["User"]
    assert user.fields["internalId"].inaccessible
    assert not user.fields["name"].inaccessible
    assert supergraph.types["Debug"].inaccessible
    assert [key.fields for key in user.keys["billing"]] == ["internalId"]


def test_renamed_specs_are_followed() -> None:
    supergraph = load_supergraph_file(FIXTURES / "renamed-specs.graphql")

    assert list(supergraph.subgraphs) == ["a", "b"]
    assert supergraph.types["Item"].fields["price"].graphs == ("b",)
    assert "internal" not in supergraph.api_schema.query_type.fields  # type: ignore[union-attr]


def test_legacy_join_v02_with_core() -> None:
    supergraph = load_supergraph_file(FIXTURES / "join-v0.2.graphql")

    user = supergraph.types["User"]
    assert user.graphs == ("accounts", "reviews")
    assert user.fields["reviews"].graphs == ("reviews",)
    assert user.implements["accounts"] == frozenset({"Node"})
    assert set(supergraph.api_schema.type_map) >= {"User", "Review", "Node"}
    assert not any(name.startswith(("join__", "core__")) for name in supergraph.api_schema.type_map)


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("syntax-error", "the supergraph SDL does not parse: Syntax Error"),
        ("no-join", "not a supergraph: no @link to the join spec"),
        ("unsupported-join", "join spec v9.9 is not supported"),
        ("no-graph-enum", "the supergraph has no join__Graph enum"),
        ("missing-graph-url", "graph B has no @join__graph(name:, url:) declaration"),
        ("unknown-graph", "type Item names an unknown graph 'NOPE'"),
        ("bad-key", "invalid field set 'id {' on type Item in b"),
        ("invalid-schema", "the supergraph schema is invalid: Unknown type 'Missing'"),
    ],
)
def test_malformed_supergraph_is_a_clear_error(case: str, message: str) -> None:
    with pytest.raises(SupergraphError) as raised:
        load_supergraph_file(FIXTURES / "invalid" / f"{case}.graphql")
    assert message in str(raised.value)


def test_empty_text_is_a_clear_error() -> None:
    with pytest.raises(SupergraphError, match="does not parse"):
        load_supergraph("")


def test_enum_values_per_graph() -> None:
    supergraph = _load("our-services")

    assert supergraph.types["Language"].enum_values["RUST"] == ("analytics", "lessons")
    assert supergraph.types["Period"].enum_values["ALL_TIME"] == ("analytics",)


def test_inaccessible_imported_under_another_name() -> None:
    sdl = (FIXTURES / "renamed-specs.graphql").read_text(encoding="utf-8")
    sdl = sdl.replace(
        'as: "hidden", for: SECURITY',
        'import: [{name: "@inaccessible", as: "@private"}], for: SECURITY',
    ).replace("@hidden", "@private")

    supergraph = load_supergraph(sdl)

    assert supergraph.types["Query"].fields["internal"].inaccessible
    assert "internal" not in supergraph.api_schema.query_type.fields  # type: ignore[union-attr]
    assert "private" not in {directive.name for directive in supergraph.api_schema.directives}
