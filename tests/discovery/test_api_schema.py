"""api_schema: the client-facing schema of a supergraph, without join machinery or @inaccessible."""

from __future__ import annotations

from pathlib import Path

from graphql import print_schema

from discovery.api_schema import api_schema

FIXTURES = Path(__file__).parent / "fixtures" / "api_schema"


def test_api_schema_hides_machinery_and_inaccessible_elements() -> None:
    supergraph = (FIXTURES / "supergraph.graphql").read_text()

    printed = print_schema(api_schema(supergraph))

    assert printed + "\n" == (FIXTURES / "api.graphql").read_text()
    for hidden in ("join__", "link__", "secret", "debug", "Hidden", "GREEN", "gloss", "@"):
        assert hidden not in printed
