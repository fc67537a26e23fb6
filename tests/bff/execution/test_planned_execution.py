"""The planner and the executor together: operations over the composed test graph, answered by
the loopback subgraphs. Each case in planned_cases/ is an operation (query.graphql), optional
variables.json and the expected response (expected.json)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from graphql import parse, validate

from bff.supergraph import Supergraph
from tests.bff.execution.subgraphs.host import LoopbackSubgraphs
from tests.bff.execution.support import Runner

CASES_DIR = Path(__file__).parent / "planned_cases"
CASES = sorted(path for path in CASES_DIR.iterdir() if path.is_dir())


@pytest.mark.parametrize("case_dir", CASES, ids=[case.name for case in CASES])
async def test_planned_case(case_dir: Path, supergraph: Supergraph, run_planned: Runner) -> None:
    document = parse((case_dir / "query.graphql").read_text())
    assert validate(supergraph.api_schema, document) == []
    variables_file = case_dir / "variables.json"
    variables = json.loads(variables_file.read_text()) if variables_file.exists() else {}

    result = await run_planned(document, variables)

    expected = json.loads((case_dir / "expected.json").read_text())
    assert {"data": result.data, "errors": result.errors} == expected


async def test_planned_fetches_batch_entities_once_per_plan_node(
    subgraphs: LoopbackSubgraphs, run_planned: Runner
) -> None:
    document = parse((CASES_DIR / "three_subgraphs_deep" / "query.graphql").read_text())

    await run_planned(document, {})

    assert [len(subgraphs[name].received) for name in ("catalog", "reviews", "shipping")] == [
        1,
        1,
        1,
    ]
    [accounts_call] = subgraphs["accounts"].received
    assert len(accounts_call.payload["variables"]["representations"]) == 2  # 3 reviews, 2 authors
