"""A short live run: our BFF and the floor under autocannon, with every answer checked."""

from __future__ import annotations

import asyncio
import json

import pytest

from bench.answers import canonical_hash
from bench.floor import FloorRecording, record_floor
from bench.load import LoadSettings, floor_load, gateway_load, run_load
from bench.loadtest import GATEWAY_STARTERS
from bench.servers import post_graphql_bytes
from bench.workload import SCENARIOS
from tests.bench.conftest import BenchStack

DEEP = next(scenario for scenario in SCENARIOS if scenario.name == "deep")
SHORT = LoadSettings(connections=4, warmup_seconds=0.5, duration_seconds=2.0)


@pytest.fixture(scope="module")
def deep_recording(bench_stack: BenchStack) -> FloorRecording:
    return asyncio.run(record_floor(bench_stack.supergraph_sdl, DEEP.query))


def test_the_deep_answer_is_about_90_kb_and_the_bff_serves_exactly_it(
    bench_stack: BenchStack, deep_recording: FloorRecording
) -> None:
    raw = post_graphql_bytes(bench_stack.bff.url, DEEP.query)
    answer = json.loads(raw)
    assert "errors" not in answer
    assert canonical_hash(answer) == canonical_hash(deep_recording.answer)
    assert 80_000 < len(raw) < 100_000
    # The plan reaches every subgraph, in several sequential stages.
    services = {request.service for request in deep_recording.requests}
    assert services == {"accounts", "inventory", "products", "reviews"}
    # (Combined fetches made the whole tree one sequence of waves.)
    assert deep_recording.tree["kind"] in ("par", "seq")
    assert "seq" in json.dumps(deep_recording.tree)


def test_every_bff_response_under_load_is_the_expected_answer(
    bench_stack: BenchStack, deep_recording: FloorRecording
) -> None:
    expected = canonical_hash(deep_recording.answer)
    before = bench_stack.bff.process.sample()
    result = run_load(
        gateway_load(bench_stack.bff.url, DEEP.query, expected, SHORT),
        bench_stack.work_dir / "load.json",
    )
    after = bench_stack.bff.process.sample()
    assert result["ok"] > 0
    assert result["ok"] == result["requests"]
    assert result["mismatches"] == result["non2xx"] == result["errors"] == 0
    p50, p95, p99 = (result["latencyMs"][key] for key in ("p50", "p95", "p99"))
    assert 0 < p50 <= p95 <= p99
    assert after.cpu_seconds > before.cpu_seconds
    assert after.peak_rss_kib > 0
    assert result["loadGeneratorCpuSeconds"] > 0


def test_a_wrong_answer_counts_as_a_mismatch_not_a_success(bench_stack: BenchStack) -> None:
    settings = LoadSettings(connections=2, warmup_seconds=0, duration_seconds=1.0)
    result = run_load(
        gateway_load(bench_stack.bff.url, DEEP.query, "0" * 64, settings),
        bench_stack.work_dir / "load.json",
    )
    assert result["requests"] > 0
    assert result["mismatches"] == result["requests"]
    assert result["ok"] == 0


def test_the_floor_replays_the_recorded_requests_and_checks_each_answer(
    bench_stack: BenchStack, deep_recording: FloorRecording
) -> None:
    settings = LoadSettings(connections=2, warmup_seconds=0, duration_seconds=1.0)
    result = run_load(floor_load(deep_recording.tree, settings), bench_stack.work_dir / "f.json")
    assert result["ok"] > 0
    assert result["mismatches"] == result["errors"] == result["non2xx"] == 0

    def corrupt(node: dict) -> dict:
        if node["kind"] == "fetch":
            return {**node, "expectedHash": "0" * 64}
        return {**node, "nodes": [corrupt(child) for child in node["nodes"]]}

    wrong = run_load(
        floor_load(corrupt(deep_recording.tree), settings), bench_stack.work_dir / "f.json"
    )
    assert wrong["ok"] == 0
    assert wrong["mismatches"] == wrong["requests"] > 0


def test_each_contender_is_started_once() -> None:
    # Runs are summarised by contender name: a starter listed twice would run two servers as
    # one contender (twice its answers against one usage table's count).
    assert len(set(GATEWAY_STARTERS)) == len(GATEWAY_STARTERS)
