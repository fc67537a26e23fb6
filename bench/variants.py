"""The tuning choices of `bff serve` and the Lambda handler, measured against what they replaced:
`python -m bench.variants` writes bench/results/tuning.md.

- `bff serve` with asyncio's loop and h11 (uvicorn without uvloop/httptools), with uvloop and
  httptools, and with the garbage collector's young-generation threshold at CPython's 700 or
  at 10_000 / 50_000 / 200_000 after `gc.freeze()`: the deep query under load, variants
  interleaved round by round, CPU per request from /proc;
- the Lambda handler's warm invocations of the deep query on asyncio's loop and on uvloop's
  (fresh process each, CPU per invocation from `time.process_time`).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.answers import canonical_hash
from bench.load import LoadSettings, gateway_load, run_load
from bench.processes import ProcessPool
from bench.servers import (
    Gateway,
    _graphql_url,
    _ready,
    compose_supergraph,
    post_graphql_bytes,
    start_subgraphs,
)
from bench.workload import BENCH_DIR, SCENARIOS, federation_subgraphs
from bff.devstack.moto_server import free_port

# name: (loop, http, young-generation threshold or None for CPython's defaults without freeze)
SERVE_VARIANTS: dict[str, tuple[str, str, int | None]] = {
    "asyncio + h11, default GC": ("asyncio", "h11", None),
    "uvloop + httptools, default GC": ("uvloop", "httptools", None),
    "uvloop + httptools, freeze + 10_000 (shipped)": ("uvloop", "httptools", 10_000),
    "uvloop + httptools, freeze + 50_000": ("uvloop", "httptools", 50_000),
    "uvloop + httptools, freeze + 200_000": ("uvloop", "httptools", 200_000),
}
# Run by each variant's process: `bff serve` with the loop, parser and GC settings patched in.
SERVE_LAUNCHER = """
import gc, sys, uvicorn
import bff.commands as commands
from bff.cli import main
loop, http, threshold = sys.argv[1], sys.argv[2], sys.argv[3]
run = uvicorn.run
uvicorn.run = lambda app, **options: run(app, **{**options, "loop": loop, "http": http})
def tune():
    if threshold != "none":
        gc.collect(); gc.freeze(); gc.set_threshold(int(threshold), 10, 10)
commands.tune_garbage_collector = tune
sys.exit(main(sys.argv[4:]))
"""
WARM_INVOCATIONS = """
import asyncio, json, os, sys, time
if os.environ["BENCH_LOOP"] == "uvloop":
    import uvloop
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
import bff.handler as entry
if os.environ["BENCH_LOOP"] == "uvloop":
    entry.loop = asyncio.new_event_loop()
    asyncio.set_event_loop(entry.loop)
class Context:
    aws_request_id = "warm"; function_name = "bff"; function_version = "$LATEST"
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:bff"
    memory_limit_in_mb = 1024
event, count = json.loads(sys.argv[1]), int(sys.argv[2])
for _ in range(20):
    entry.handler(event, Context())
started = time.process_time()
for _ in range(count):
    assert entry.handler(event, Context())["statusCode"] == 200
print(json.dumps({"cpuMs": (time.process_time() - started) * 1000 / count}))
"""


def measure_variants(
    work_dir: Path, rounds: int, seconds: float, connections: int, invocations: int
) -> dict[str, Any]:
    deep = next(scenario for scenario in SCENARIOS if scenario.name == "deep")
    with ProcessPool(work_dir / "logs-variants") as pool:
        subgraphs = start_subgraphs(pool, federation_subgraphs(), work_dir)
        supergraph_path = work_dir / "supergraph-variants.graphql"
        supergraph_path.write_text(compose_supergraph(subgraphs), encoding="utf-8")
        gateways = {
            name: _start_variant(pool, supergraph_path, name, *settings)
            for name, settings in SERVE_VARIANTS.items()
        }
        first = next(iter(gateways.values()))
        expected = canonical_hash(json.loads(post_graphql_bytes(first.url, deep.query)))
        serve: dict[str, list[dict[str, float]]] = {name: [] for name in gateways}
        for _ in range(rounds):
            for name, gateway in gateways.items():
                before = gateway.process.sample().cpu_seconds
                settings = LoadSettings(connections, 1.0, seconds)
                result = run_load(
                    gateway_load(gateway.url, deep.query, expected, settings), work_dir / "v.json"
                )
                cpu = gateway.process.sample().cpu_seconds - before
                answered = result["requests"] + (result.get("warmup") or {}).get("requests", 0)
                if result["mismatches"]:
                    raise RuntimeError(f"{name} answered wrongly under load")
                serve[name].append(
                    {
                        "rps": result["rps"],
                        "cpuMsPerRequest": cpu * 1000 / answered,
                        "p50": result["latencyMs"]["p50"],
                    }
                )
        lambda_loops = _warm_invocations(supergraph_path, deep.query, rounds, invocations)
    return {"serve": serve, "lambdaLoops": lambda_loops, "rounds": rounds, "seconds": seconds}


def _start_variant(
    pool: ProcessPool, supergraph: Path, name: str, loop: str, http: str, threshold: int | None
) -> Gateway:
    port = free_port()
    command = [sys.executable, "-c", SERVE_LAUNCHER, loop, http, str(threshold or "none")]
    command += ["serve", "--supergraph", str(supergraph), "--port", str(port)]
    env = {"POWERTOOLS_LOG_LEVEL": "WARNING", "GRAPHIQL_ENABLED": "false"}
    process = pool.start(f"variant-{port}", command, env=env)
    return _ready(Gateway(name, name, _graphql_url(port), process))


def _warm_invocations(
    supergraph: Path, query: str, rounds: int, invocations: int
) -> dict[str, list[float]]:
    from bff.devstack.apigateway import build_http_api_event
    from bff.devstack.jwt_authorizer import AuthorizedRequest

    event = build_http_api_event(
        method="POST",
        path="/graphql",
        raw_query="",
        headers=[("content-type", "application/json")],
        body=json.dumps({"query": query}).encode(),
        source_ip="127.0.0.1",
        authorized=AuthorizedRequest(claims={"sub": "bench"}, scopes=None),
        request_id="warm",
    )
    found: dict[str, list[float]] = {"asyncio": [], "uvloop": []}
    for _ in range(rounds):
        for loop in found:
            env = {
                **os.environ,
                "BENCH_LOOP": loop,
                "SUPERGRAPH_FILE": str(supergraph),
                "POWERTOOLS_LOG_LEVEL": "WARNING",
                "GRAPHIQL_ENABLED": "false",
            }
            completed = subprocess.run(
                [sys.executable, "-c", WARM_INVOCATIONS, json.dumps(event), str(invocations)],
                env=env,
                capture_output=True,
                text=True,
                timeout=600,
                check=True,
            )
            found[loop].append(json.loads(completed.stdout.strip().splitlines()[-1])["cpuMs"])
    return found


def render(results: dict[str, Any], command: str, load: Sequence[float]) -> str:
    def cell(values: list[float], digits: int) -> str:
        return (
            f"{statistics.median(values):.{digits}f} "
            f"({min(values):.{digits}f}-{max(values):.{digits}f})"
        )

    lines = [
        "# Tuning choices, measured",
        "",
        f"Generated by `{command}`; load average (1 min) {load[0]:.2f} at start, {load[1]:.2f} "
        "at end (a shared machine: compare the variants of one run with each other). Median "
        f"(min-max) of {results['rounds']} interleaved rounds.",
        "",
        f"## `bff serve`, deep query, {results['seconds']:g} s per round",
        "",
        "| variant | rps | CPU ms/request | p50 ms |",
        "| --- | --- | --- | --- |",
    ]
    for name, runs in results["serve"].items():
        lines.append(
            f"| {name} | {cell([r['rps'] for r in runs], 1)} "
            f"| {cell([r['cpuMsPerRequest'] for r in runs], 2)} "
            f"| {cell([r['p50'] for r in runs], 1)} |"
        )
    lines += [
        "",
        "## Lambda handler, warm invocations of the deep query",
        "",
        "| event loop | CPU ms/invocation |",
        "| --- | --- |",
    ]
    for loop, values in results["lambdaLoops"].items():
        lines.append(f"| {loop} | {cell(values, 2)} |")
    lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.variants", description=__doc__)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--invocations", type=int, default=300)
    parser.add_argument("--output", type=Path, default=BENCH_DIR / "results" / "tuning.md")
    args = parser.parse_args(argv)
    started = os.getloadavg()[0]
    results = measure_variants(
        BENCH_DIR / ".work", args.rounds, args.seconds, args.connections, args.invocations
    )
    command = "python -m bench.variants" + (" " + " ".join(argv or sys.argv[1:])).rstrip()
    text = render(results, command.strip(), (started, os.getloadavg()[0]))
    args.output.write_text(text, encoding="utf-8")
    (args.output.with_suffix(".json")).write_text(json.dumps(results, indent=1) + "\n")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
