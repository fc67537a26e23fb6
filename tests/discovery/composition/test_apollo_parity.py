"""Our supergraphs mean what Apollo's `@apollo/composition` produces for the same fixtures."""

from __future__ import annotations

import json

import pytest

from discovery.composition import compose
from tests.discovery.composition.fixture_cases import (
    APOLLO_ERRORS,
    APOLLO_SUPERGRAPH,
    FIXTURES,
    cases_with,
    subgraphs_of,
)
from tests.discovery.composition.supergraph_meaning import supergraph_meaning


@pytest.mark.parametrize("case", cases_with(APOLLO_SUPERGRAPH))
def test_supergraph_matches_apollo_in_meaning(case: str) -> None:
    result = compose(subgraphs_of(case))

    assert result.ok, result
    expected = (FIXTURES / case / APOLLO_SUPERGRAPH).read_text()
    assert supergraph_meaning(result.supergraph_sdl) == supergraph_meaning(expected)


@pytest.mark.parametrize("case", cases_with(APOLLO_ERRORS))
def test_failing_cases_fail_with_apollos_error_codes(case: str) -> None:
    result = compose(subgraphs_of(case))

    assert not result.ok
    apollo = json.loads((FIXTURES / case / APOLLO_ERRORS).read_text())
    assert {e.code for e in result.errors} == {e["code"] or "INVALID_GRAPHQL" for e in apollo}


def test_every_fixture_has_apollos_result() -> None:
    folders = sorted(path.name for path in FIXTURES.iterdir() if path.is_dir())

    assert folders == sorted(cases_with(APOLLO_SUPERGRAPH) + cases_with(APOLLO_ERRORS))
