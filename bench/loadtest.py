"""The load test: every contender under the same load, interleaved and repeated, answers checked.

Per scenario and round the contenders run one after the other (our BFF in one process and with
--workers, Hive Gateway with its JS and its Rust planner, Grafbase, Apollo Gateway, the floor),
so drift on a shared machine shows up as spread across rounds instead of as a difference between
contenders. Around each run the CPU time of the contender and of the subgraphs is read from
/proc, the contender's peak memory (VmHWM), and the subgraphs' request counters (so each
gateway's subgraph requests per query are counted, de-duplication included).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.answers import canonical_hash
from bench.floor import FloorRecording, record_floor, tree_stages
from bench.load import LoadSettings, floor_load, gateway_load, run_load
from bench.micro import run_micro
from bench.processes import ProcessPool
from bench.servers import (
    Gateway,
    RunningSubgraph,
    ServedGraph,
    compose_supergraph,
    post_graphql_bytes,
    start_apollo,
    start_bff,
    start_bff_no_dedup,
    start_bff_usage,
    start_bff_workers,
    start_grafbase,
    start_grafbase_dedup,
    start_hive,
    start_hive_router,
    start_hive_router_dedup,
    start_subgraphs,
    subgraph_requests,
)
from bench.workload import SCENARIOS, Scenario, cdu_subgraphs, federation_subgraphs

FLOOR = "floor"
GatewayStarter = Callable[[ProcessPool, ServedGraph], Gateway]
GATEWAY_STARTERS: tuple[GatewayStarter, ...] = (
    start_bff,
    start_bff_usage,
    start_bff_no_dedup,
    start_bff_workers,
    start_grafbase,
    start_grafbase_dedup,
    start_hive_router,
    start_hive_router_dedup,
    start_hive,
    start_apollo,
)


@dataclass(frozen=True, slots=True)
class LoadPlan:
    """How hard and how long: `duration_seconds` is the deep query's; others scale it."""

    connections: int
    warmup_seconds: float
    duration_seconds: float
    rounds: int
    # In-process micro-benchmarks, run once the subgraphs' answers are recorded.
    micro_iterations: int = 200
    micro_repeats: int = 5
    # One more interleaved pass with a single connection: latency without queueing.
    unloaded_seconds: float = 5.0

    def for_scenario(self, scenario: Scenario) -> LoadSettings:
        # The warm-up scales like the measured time: the short scenarios' queries are cheap,
        # thousands of them warm a gateway up well within half the deep query's warm-up.
        return LoadSettings(
            connections=self.connections,
            warmup_seconds=self.warmup_seconds * min(1.0, scenario.duration_scale),
            duration_seconds=max(1.0, self.duration_seconds * scenario.duration_scale),
        )


def run_load_test(
    plan: LoadPlan,
    work_dir: Path,
    scenarios: Sequence[Scenario] = SCENARIOS,
    log: Callable[[str], None] = print,
    starters: Sequence[GatewayStarter] = GATEWAY_STARTERS,
) -> dict[str, Any]:
    """Start everything, check every contender's answers, run the rounds; the raw results."""
    work_dir.mkdir(parents=True, exist_ok=True)
    with ProcessPool(work_dir / "logs") as pool:
        log("starting the subgraphs (Node, @apollo/subgraph, cached answers)")
        subgraphs = start_subgraphs(pool, federation_subgraphs() + cdu_subgraphs(), work_dir)
        supergraph_sdl = compose_supergraph(subgraphs)
        supergraph_path = work_dir / "supergraph.graphql"
        supergraph_path.write_text(supergraph_sdl, encoding="utf-8")
        graph = ServedGraph(subgraphs, supergraph_path, work_dir)
        gateways: list[Gateway] = []
        for start in starters:
            gateway = start(pool, graph)
            if any(started.name == gateway.name for started in gateways):
                # Runs are kept by contender name: two servers under one name would be
                # summed as one contender (and only one usage table read).
                raise ValueError(f"two contenders are named {gateway.name!r}")
            log(f"{gateway.label} serves the supergraph at {gateway.url}")
            gateways.append(gateway)
        results: dict[str, Any] = {
            "supergraph": {
                "composedBy": "discovery.composition.compose (ours)",
                "loadedBy": [g.name for g in gateways if not g.composes_itself],
                "composedByItself": [g.name for g in gateways if g.composes_itself],
                "subgraphs": [item.source.name for item in subgraphs],
            },
            "contenders": {gateway.name: gateway.label for gateway in gateways}
            | {FLOOR: "floor: planned subgraph requests replayed, no gateway"},
            "scenarios": {},
        }
        for scenario in scenarios:
            entry, recording = _prepare_scenario(scenario, supergraph_sdl, gateways, subgraphs)
            results["scenarios"][scenario.name] = entry
            log(f"{scenario.name}: micro-benchmarks ({plan.micro_iterations} iterations)")
            entry["micro"] = run_micro(
                supergraph_sdl,
                scenario.query,
                recording.requests,
                iterations=plan.micro_iterations,
                repeats=plan.micro_repeats,
            )
        for round_number in range(1, plan.rounds + 1):
            for scenario in scenarios:
                entry = results["scenarios"][scenario.name]
                for gateway in _loading(gateways, scenario):
                    run = measure(scenario, entry, gateway, subgraphs, plan, work_dir)
                    run["round"] = round_number
                    entry["runs"].append(run)
                    log(_line(f"round {round_number}", scenario, run))
        if plan.unloaded_seconds > 0:
            single = LoadPlan(1, min(plan.warmup_seconds, 1.0), plan.unloaded_seconds, 1)
            for scenario in scenarios:
                entry = results["scenarios"][scenario.name]
                entry["unloaded"] = []
                for gateway in _loading(gateways, scenario):
                    run = measure(scenario, entry, gateway, subgraphs, single, work_dir)
                    entry["unloaded"].append(run)
                    log(_line("1 connection", scenario, run))
        # Proof that recording was on: the queries its table counted (up to the last flush).
        results["usageRecorded"] = {
            gateway.name: gateway.recorded_usage()
            for gateway in gateways
            if gateway.recorded_usage is not None
        }
        return results


def _loading(gateways: Sequence[Gateway], scenario: Scenario) -> list[Gateway | None]:
    """The contenders run under `scenario`'s load, in the tables' order, then the floor."""
    return [*(gateway for gateway in gateways if gateway.loads(scenario.name)), None]


def _prepare_scenario(
    scenario: Scenario,
    supergraph_sdl: str,
    gateways: Sequence[Gateway],
    subgraphs: Sequence[RunningSubgraph],
) -> tuple[dict[str, Any], FloorRecording]:
    """The expected answer (our executor's), each gateway's agreement with it and the subgraph
    requests its plan sends for one query alone (nothing to de-duplicate), the floor tree."""
    recording = asyncio.run(record_floor(supergraph_sdl, scenario.query))
    expected_hash = canonical_hash(recording.answer)
    answers = {}
    for gateway in gateways:
        before = subgraph_requests(subgraphs)
        raw = post_graphql_bytes(gateway.url, scenario.query)
        sent = subgraph_requests(subgraphs) - before
        try:
            agrees = canonical_hash(json.loads(raw)) == expected_hash
        except ValueError:
            agrees = False
        answers[gateway.name] = {
            "bytes": len(raw),
            "matchesExpected": agrees,
            "subgraphRequests": sent,
        }
    entry = {
        "title": scenario.title,
        "query": scenario.query,
        "expectedHash": expected_hash,
        "answerBytes": len(json.dumps(recording.answer, separators=(",", ":"))),
        "firstAnswers": answers,
        "floorPlan": tree_stages(recording.tree),
        "floorRequests": len(recording.requests),
        "floorTree": recording.tree,
        "runs": [],
    }
    return entry, recording


def measure(
    scenario: Scenario,
    entry: dict[str, Any],
    gateway: Gateway | None,
    subgraphs: Sequence[RunningSubgraph],
    plan: LoadPlan,
    work_dir: Path,
) -> dict[str, Any]:
    settings = plan.for_scenario(scenario)
    if gateway is None:
        config = floor_load(entry["floorTree"], settings)
    else:
        config = gateway_load(gateway.url, scenario.query, entry["expectedHash"], settings)
    subgraphs_before = sum(item.process.sample().cpu_seconds for item in subgraphs)
    requests_before = subgraph_requests(subgraphs)
    before = gateway.process.sample() if gateway else None
    started = time.monotonic()
    result = run_load(config, work_dir / "load-config.json")
    wall = time.monotonic() - started
    after = gateway.process.sample() if gateway else None
    subgraphs_after = sum(item.process.sample().cpu_seconds for item in subgraphs)
    result["subgraphRequests"] = subgraph_requests(subgraphs) - requests_before
    result["contender"] = gateway.name if gateway else FLOOR
    result["wallSeconds"] = wall
    # CPU covers warm-up and measured time alike: divide by the wall time of both.
    result["subgraphCpuSeconds"] = subgraphs_after - subgraphs_before
    if before is not None and after is not None:
        result["cpuSeconds"] = after.cpu_seconds - before.cpu_seconds
        result["peakRssKiB"] = after.peak_rss_kib
    return result


def _line(prefix: str, scenario: Scenario, run: dict[str, Any]) -> str:
    return (
        f"{prefix} {scenario.name:<15} {run['contender']:<17} {run['rps']:8.1f} rps  "
        f"p50 {_ms(run['latencyMs']['p50'])}  p99 {_ms(run['latencyMs']['p99'])}  "
        f"mismatches {run['mismatches']}"
    )


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:7.1f} ms"
