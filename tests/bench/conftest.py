"""A small live stack for the benchmark's tests: the four federation subgraphs and our BFF.

Skipped with its reason when the benchmark's Node packages are not installed (`make bench` or
`make test` install them).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bench.processes import ProcessPool
from bench.servers import (
    Gateway,
    RunningSubgraph,
    ServedGraph,
    compose_supergraph,
    start_bff,
    start_subgraphs,
)
from bench.workload import BENCH_DIR, federation_subgraphs


@dataclass(frozen=True)
class BenchStack:
    subgraphs: list[RunningSubgraph]
    supergraph_sdl: str
    bff: Gateway
    work_dir: Path
    pool: ProcessPool  # more gateways can be started in it; all stop with the session
    graph: ServedGraph


def require_bench_node_packages() -> None:
    if not (BENCH_DIR / "node_modules" / "@apollo" / "subgraph").is_dir():
        pytest.skip("bench/node_modules is missing: run `cd bench && npm ci`")


@pytest.fixture(scope="session")
def bench_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BenchStack]:
    require_bench_node_packages()
    work_dir = tmp_path_factory.mktemp("bench")
    with ProcessPool(work_dir / "logs") as pool:
        subgraphs = start_subgraphs(pool, federation_subgraphs(), work_dir)
        supergraph_sdl = compose_supergraph(subgraphs)
        supergraph_path = work_dir / "supergraph.graphql"
        supergraph_path.write_text(supergraph_sdl)
        graph = ServedGraph(subgraphs, supergraph_path, work_dir)
        bff = start_bff(pool, graph)
        yield BenchStack(subgraphs, supergraph_sdl, bff, work_dir, pool, graph)
