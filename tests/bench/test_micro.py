"""The micro-benchmarks run each stage on the deep query and time it (tiny iteration counts)."""

from __future__ import annotations

import asyncio

from bench.floor import record_floor
from bench.micro import run_micro
from bench.workload import SCENARIOS
from tests.bench.conftest import BenchStack

DEEP = next(scenario for scenario in SCENARIOS if scenario.name == "deep")


def test_each_stage_is_timed_and_execute_rebuilds_the_whole_answer(bench_stack: BenchStack) -> None:
    recording = asyncio.run(record_floor(bench_stack.supergraph_sdl, DEEP.query))
    timings = run_micro(
        bench_stack.supergraph_sdl, DEEP.query, recording.requests, iterations=2, repeats=1
    )
    for key in (
        "parseMs",
        "validateMs",
        "planMs",
        "cacheMissMs",
        "cacheHitMs",
        "shapeMs",
        "recordUsageMs",
    ):
        assert timings[key] > 0, key
    assert timings["executeRecordedMs"] > 0
    # The whole request through the ASGI app (run_micro checks it answers the same data).
    assert timings["requestRecordedMs"] > 0
    assert timings["subgraphCallMs"] > 0
    # A cache hit skips parse, validate and plan.
    assert timings["cacheHitMs"] < timings["cacheMissMs"]
    assert timings["subgraphRequests"] == len(recording.requests)
    assert timings["answerBytes"] > 80_000
