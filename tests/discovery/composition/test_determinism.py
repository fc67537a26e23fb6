"""The same subgraphs always give the same supergraph text, whatever order they come in."""

from __future__ import annotations

from itertools import permutations

import pytest

from discovery.composition import CompositionSuccess, compose
from tests.discovery.composition.fixture_cases import APOLLO_SUPERGRAPH, cases_with, subgraphs_of


@pytest.mark.parametrize("case", cases_with(APOLLO_SUPERGRAPH))
def test_composing_twice_gives_identical_text(case: str) -> None:
    first, second = compose(subgraphs_of(case)), compose(subgraphs_of(case))

    assert isinstance(first, CompositionSuccess)
    assert first == second


@pytest.mark.parametrize("case", ["ours", "fed1_extends", "interfaces_unions"])
def test_input_order_does_not_matter(case: str) -> None:
    subgraphs = subgraphs_of(case)

    texts = {compose(list(order)).supergraph_sdl for order in permutations(subgraphs)}  # type: ignore[union-attr]

    assert len(texts) == 1
