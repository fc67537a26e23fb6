"""Satisfiability: the composed supergraph's every field can be planned from a root.

The check is the gateway's own (`bff.planning.satisfiability` over `bff.planning.query_graph`),
run on the supergraph composition is about to publish, so the registry refuses exactly what the
gateway could not plan. Both import only graphql-core and the supergraph model.
"""

from __future__ import annotations

from bff.planning.query_graph import QueryGraph
from bff.planning.satisfiability import check_satisfiability as walk_query_graph
from bff.supergraph import SupergraphError, load_supergraph
from discovery.composition.result import CompositionError


def check_satisfiability(supergraph_sdl: str) -> list[CompositionError]:
    """One `SATISFIABILITY_ERROR` per unsatisfiable field, with an example query (Apollo's form)."""
    try:
        supergraph = load_supergraph(supergraph_sdl)
    except SupergraphError as error:
        return [CompositionError("INVALID_GRAPHQL", f"The composed supergraph is invalid: {error}")]
    report = walk_query_graph(QueryGraph(supergraph))
    return [
        CompositionError("SATISFIABILITY_ERROR", unsatisfiable.message, unsatisfiable.subgraphs[0])
        for unsatisfiable in report.unsatisfiable
    ]
