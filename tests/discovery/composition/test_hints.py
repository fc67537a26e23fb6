"""Compositions that succeed still say what they changed: dropped input fields and enum values,
types merged to a compatible one. Hints are values next to the supergraph, never errors."""

from __future__ import annotations

import json

import pytest

from discovery.composition import CompositionSuccess, SubgraphInput, compose
from tests.discovery.composition.fixture_cases import (
    APOLLO_SUPERGRAPH,
    EXPECTED_HINTS,
    FIXTURES,
    cases_with,
    subgraphs_of,
)


@pytest.mark.parametrize("case", cases_with(APOLLO_SUPERGRAPH))
def test_successful_compositions_carry_their_hints(case: str) -> None:
    result = compose(subgraphs_of(case))

    assert isinstance(result, CompositionSuccess)
    hints_file = FIXTURES / case / EXPECTED_HINTS
    expected = json.loads(hints_file.read_text()) if hints_file.exists() else []
    assert [{"code": h.code, "message": h.message} for h in result.hints] == expected


def test_the_three_services_compose_without_hints() -> None:
    result = compose(subgraphs_of("ours"))

    assert result.hints == ()


def test_progressive_override_labels_are_carried_in_join_v0_4() -> None:
    (accounts, billing) = subgraphs_of("override")
    billing = SubgraphInput(
        billing.name,
        billing.url,
        billing.sdl.replace("v2.3", "v2.7").replace(
            'plan: String! @override(from: "accounts")',
            'plan: String! @override(from: "accounts", label: "percent(5)")',
        ),
    )

    result = compose([accounts, billing])

    assert isinstance(result, CompositionSuccess)
    assert result.hints == ()
    assert '@link(url: "https://specs.apollo.dev/join/v0.4", for: EXECUTION)' in (
        result.supergraph_sdl
    )
    # Both keep the field: accounts for requests without the label, billing for those with it.
    assert (
        'plan: String! @join__field(graph: ACCOUNTS, overrideLabel: "percent(5)") '
        '@join__field(graph: BILLING, override: "accounts", overrideLabel: "percent(5)")'
    ) in result.supergraph_sdl
