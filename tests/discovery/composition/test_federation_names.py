"""How a subgraph's `@link` decides the names of the federation directives it uses."""

from __future__ import annotations

import pytest
from graphql import parse

from discovery.composition.federation import FederationNames

LINK = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.5"'


@pytest.mark.parametrize(
    ("schema_extension", "local", "canonical"),
    [
        (f'{LINK}, import: ["@key"])', "key", "key"),
        (f'{LINK}, import: ["@key"])', "federation__shareable", "shareable"),
        (f'{LINK}, import: [{{name: "@key", as: "@primaryKey"}}])', "primaryKey", "key"),
        (f'{LINK}, as: "fed", import: ["@shareable"])', "fed__key", "key"),
        (f'{LINK}, as: "fed", import: ["@shareable"])', "shareable", "shareable"),
    ],
)
def test_federation_2_names(schema_extension: str, local: str, canonical: str) -> None:
    names = FederationNames.of(parse(schema_extension))

    assert names.is_federation2
    assert names.canonical(local) == canonical


def test_directives_not_imported_keep_only_their_namespaced_name() -> None:
    names = FederationNames.of(parse(f'{LINK}, import: ["@key"])'))

    assert names.canonical("shareable") is None
    assert names.canonical("federation__key") == "key"


def test_a_renamed_import_frees_the_original_name() -> None:
    names = FederationNames.of(parse(f'{LINK}, import: [{{name: "@key", as: "@primaryKey"}}])'))

    assert names.canonical("key") is None


def test_without_the_federation_link_a_subgraph_is_federation_1() -> None:
    names = FederationNames.of(parse("type Query { a: Int }"))

    assert not names.is_federation2
    assert names.canonical("key") == "key"
    assert names.canonical("extends") == "extends"
    assert names.canonical("shareable") is None
