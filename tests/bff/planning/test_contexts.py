"""Contextual arguments the planner cannot fill: a supergraph not made by a composition that
checks satisfiability may reach such a field with no ancestor setting its context."""

from __future__ import annotations

from pathlib import Path

import pytest
from graphql import parse

from bff.planning import PlanningError, QueryPlanner
from bff.supergraph import load_supergraph

SUPERGRAPH = Path(__file__).parent / "fixtures" / "contexts" / "supergraph.graphql"


def test_a_contextual_field_without_an_ancestor_setting_its_context_is_refused() -> None:
    sdl = SUPERGRAPH.read_text(encoding="utf-8").replace(
        "  users: [User!]! @join__field(graph: ACCOUNTS)\n",
        "  users: [User!]! @join__field(graph: ACCOUNTS)\n"
        "  price: Price @join__field(graph: ACCOUNTS)\n",
    )
    planner = QueryPlanner(load_supergraph(sdl))

    with pytest.raises(PlanningError, match="no ancestor there sets the context"):
        planner.plan(parse("{ price { amount } }"))
