"""Authorization (`@authenticated`, `@requiresScopes`, `@policy`) and demand control (`@cost`,
`@listSize`) reach the supergraph as Apollo's composition puts them there: with their spec
`@link`s and definitions, on the elements that carry them; when two subgraphs protect the same
field, both requirements hold (AND), so no subgraph's protection is lost. The gateway reads them
back (bff/authorization, bff/validation/cost_limit.py)."""

from __future__ import annotations

from pathlib import Path

from graphql import parse

from bff.authorization import AccessRules
from bff.supergraph import load_supergraph
from discovery.composition import CompositionSuccess, SubgraphInput, compose
from tests.discovery.composition.fixture_cases import subgraphs_of

CARRIED = Path(__file__).parent / "carried"


def supergraph_sdl() -> str:
    subgraphs = [
        SubgraphInput(path.stem, f"http://{path.stem}.local/graphql", path.read_text())
        for path in sorted(CARRIED.glob("*.graphql"))
    ]
    result = compose(subgraphs)
    assert isinstance(result, CompositionSuccess), result
    return result.supergraph_sdl


def field_line(sdl: str, name: str) -> str:
    return next(line.strip() for line in sdl.splitlines() if line.strip().startswith(f"{name}"))


def test_the_directives_are_linked_defined_and_applied() -> None:
    sdl = supergraph_sdl()
    parse(sdl)  # and it is a valid document
    for link in (
        '@link(url: "https://specs.apollo.dev/authenticated/v0.1", for: SECURITY)',
        '@link(url: "https://specs.apollo.dev/requiresScopes/v0.1", for: SECURITY)',
        '@link(url: "https://specs.apollo.dev/policy/v0.1", for: SECURITY)',
        '@link(url: "https://specs.apollo.dev/cost/v0.1", import: ["@cost", "@listSize"])',
    ):
        assert link in sdl
    assert "scalar requiresScopes__Scope" in sdl and "scalar policy__Policy" in sdl
    assert field_line(sdl, "students(").endswith(
        '@policy(policies: [["staff"]]) @listSize(slicingArguments: ["first"])'
    )
    assert field_line(sdl, "report:").endswith("@authenticated @cost(weight: 10)")
    assert field_line(sdl, "email:").endswith(
        '@requiresScopes(scopes: [["admin"], ["read:email"]])'
    )


def test_a_field_protected_in_two_subgraphs_needs_both_requirements() -> None:
    # accounts: name is free; profiles: name needs "profile"; with email-like alternatives in
    # one subgraph and a required scope in another, every alternative gains the required scope.
    sdl = supergraph_sdl()
    assert field_line(sdl, "name:").endswith('@requiresScopes(scopes: [["profile"]])')
    rules = AccessRules(load_supergraph(sdl))
    name = rules.requirement("Student", "name")
    assert name is not None and name.scopes == ((frozenset({"profile"}),),)


def test_without_any_of_them_the_supergraph_links_none() -> None:
    plain = "type Query { a: Int }"
    result = compose([SubgraphInput("plain", "http://plain.local/graphql", plain)])
    assert isinstance(result, CompositionSuccess)
    for spec in ("authenticated", "requiresScopes", "policy", "cost"):
        assert f"specs.apollo.dev/{spec}/" not in result.supergraph_sdl


def test_an_interface_objects_protected_field_stays_protected_on_every_implementation() -> None:
    # Selected through `... on Book { rating }`, the field must ask what the @interfaceObject
    # subgraph asks of `Media.rating` (fixture authorization_interface_object, as Apollo).
    result = compose(subgraphs_of("authorization_interface_object"))
    assert isinstance(result, CompositionSuccess), result
    rules = AccessRules(load_supergraph(result.supergraph_sdl))
    for implementation in ("Book", "Film"):
        rating = rules.requirement(implementation, "rating")
        assert rating is not None and rating.scopes == ((frozenset({"read:ratings"}),),)
        reviews = rules.requirement(implementation, "reviews")
        assert reviews is not None and reviews.authenticated
