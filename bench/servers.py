"""The servers of a run: Node subgraphs, the supergraph composed over them, and the gateways."""

from __future__ import annotations

import dataclasses
import datetime
import json
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.processes import ManagedProcess, ProcessPool, ProcessStartError
from bench.workload import BENCH_DIR, NODE_DIR, SubgraphSource
from bff.devstack.moto_server import LOCAL_AWS_ENV, free_port, wait_for_port
from discovery.composition import CompositionFailure, SubgraphInput, compose

NODE_MODULES = BENCH_DIR / "node_modules"
HIVE_GATEWAY_BIN = NODE_MODULES / "@graphql-hive" / "gateway" / "dist" / "bin.js"
# Hive Gateway's config turning its in-flight subgraph request de-duplication off (on by default).
HIVE_NO_DEDUP_CONFIG = NODE_DIR / "hive-gateway-no-dedup.config.mjs"
GRAFBASE_BIN = NODE_MODULES / "@grafbase" / "cli-x86_64-unknown-linux-musl" / "grafbase"
READY_TIMEOUT_SECONDS = 60.0
# `bff serve --workers`: one process per core of the benchmark machine.
BFF_WORKERS = 2
# Node in production mode: no dev landing pages, no dev-only checks, as a deployment would run.
NODE_ENV = {"NODE_ENV": "production"}
# The BFF table the usage-recording contender flushes its counts into (on a moto server).
USAGE_TABLE = "bench-bff"


@dataclass(frozen=True, slots=True)
class RunningSubgraph:
    source: SubgraphSource
    url: str
    process: ManagedProcess
    sdl_path: Path

    @property
    def stats_url(self) -> str:
        return self.url.removesuffix("/graphql") + "/stats"


@dataclass(frozen=True, slots=True)
class ServedGraph:
    """What a gateway is started on: the subgraphs and the supergraph composed over them."""

    subgraphs: Sequence[RunningSubgraph]
    supergraph_path: Path
    work_dir: Path


@dataclass(frozen=True, slots=True)
class Gateway:
    """A contender serving GraphQL at `url`; `process` is what its CPU and memory are read from."""

    name: str
    label: str
    url: str
    process: ManagedProcess
    # Grafbase composes the subgraphs itself instead of loading our supergraph.
    composes_itself: bool = False
    # The scenarios it runs under load (None: all); first answers are checked in every one.
    scenarios: frozenset[str] | None = None
    # Queries counted so far in the usage table, for the contender that records usage.
    recorded_usage: Callable[[], int] | None = None

    def loads(self, scenario: str) -> bool:
        return self.scenarios is None or scenario in self.scenarios


def start_subgraphs(
    pool: ProcessPool, sources: Sequence[SubgraphSource], work_dir: Path
) -> list[RunningSubgraph]:
    """One Node process per subgraph (they then use both cores), on free loopback ports."""
    started = []
    for source in sources:
        sdl_path = work_dir / f"{source.name}.graphql"
        sdl_path.write_text(source.sdl, encoding="utf-8")
        command = [
            "node",
            str(NODE_DIR / "subgraph.mjs"),
            source.name,
            str(sdl_path),
            str(source.data_path),
            "0",
        ]
        process = pool.start(f"subgraph-{source.name}", command, env=NODE_ENV)
        started.append((source, process, sdl_path))
    running = []
    for source, process, sdl_path in started:
        port = process.first_json_line()["port"]
        url = f"http://127.0.0.1:{port}/graphql"
        running.append(RunningSubgraph(source, url, process, sdl_path))
    return running


def subgraph_requests(subgraphs: Sequence[RunningSubgraph]) -> int:
    """GraphQL requests the subgraphs have received so far, all together."""
    total = 0
    for item in subgraphs:
        with urllib.request.urlopen(item.stats_url, timeout=10) as response:
            total += int(json.loads(response.read())["requests"])
    return total


def compose_supergraph(subgraphs: Sequence[RunningSubgraph]) -> str:
    """The supergraph SDL from our composer; a failure stops the run with its errors."""
    result = compose(
        [SubgraphInput(item.source.name, item.url, item.source.sdl) for item in subgraphs]
    )
    if isinstance(result, CompositionFailure):
        reasons = "\n".join(f"- {error.code}: {error.message}" for error in result.errors)
        raise RuntimeError(f"the benchmark subgraphs do not compose:\n{reasons}")
    return result.supergraph_sdl


def start_bff(pool: ProcessPool, graph: ServedGraph) -> Gateway:
    label = (
        "our BFF (bff serve: uvicorn, uvloop, httptools; 1 process; in-flight sharing of "
        "identical subgraph queries on, its default)"
    )
    return _start_bff(pool, graph, "bff", label)


def start_bff_no_dedup(pool: ProcessPool, graph: ServedGraph) -> Gateway:
    label = "our BFF, in-flight sharing off (SUBGRAPH_SHARE_IN_FLIGHT=false)"
    env = {"SUBGRAPH_SHARE_IN_FLIGHT": "false"}
    return _start_bff(pool, graph, "bff-no-dedup", label, env=env)


def start_bff_usage(pool: ProcessPool, graph: ServedGraph) -> Gateway:
    """`bff` with schema usage recording on (issue 15): counts flushed every
    USAGE_FLUSH_SECONDS into the BFF table on a moto server of its own. Under load in the deep
    query only, right after `bff`, so the two differ in recording alone."""
    import boto3

    from bff.registry_table.usage import UsageReader
    from bff.tables import BFF, create_table

    port = free_port()
    moto = pool.start(
        "moto-usage",
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        env=LOCAL_AWS_ENV,
    )
    wait_for_port("127.0.0.1", port, timeout=READY_TIMEOUT_SECONDS)
    moto.raise_if_exited()
    endpoint = f"http://127.0.0.1:{port}"
    client = boto3.client(
        "dynamodb",
        endpoint_url=endpoint,
        region_name=LOCAL_AWS_ENV["AWS_DEFAULT_REGION"],
        aws_access_key_id=LOCAL_AWS_ENV["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=LOCAL_AWS_ENV["AWS_SECRET_ACCESS_KEY"],
    )
    create_table(client, BFF, USAGE_TABLE)
    reader = UsageReader(client, USAGE_TABLE)

    def recorded() -> int:
        today = datetime.datetime.now(datetime.UTC).date()
        yesterday = today - datetime.timedelta(days=1)  # a run across midnight
        return sum(item.count for item in reader.operations(yesterday, today))

    label = (
        "our BFF as `bff`, schema usage recording on (BFF_TABLE on a moto server, every query "
        "recorded, flushed every 5 s; deep query only)"
    )
    env = {**LOCAL_AWS_ENV, "AWS_ENDPOINT_URL_DYNAMODB": endpoint, "BFF_TABLE": USAGE_TABLE}
    gateway = _start_bff(pool, graph, "bff-usage", label, env=env)
    return dataclasses.replace(gateway, scenarios=frozenset({"deep"}), recorded_usage=recorded)


def start_bff_workers(pool: ProcessPool, graph: ServedGraph) -> Gateway:
    label = f"our BFF, bff serve --workers {BFF_WORKERS} (one process per core)"
    return _start_bff(pool, graph, "bff-workers", label, "--workers", str(BFF_WORKERS))


def _start_bff(
    pool: ProcessPool,
    graph: ServedGraph,
    name: str,
    label: str,
    *options: str,
    env: dict[str, str] | None = None,
) -> Gateway:
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "bff.cli",
        "serve",
        "--supergraph",
        str(graph.supergraph_path),
        "--port",
        str(port),
        *options,
    ]
    env = {"POWERTOOLS_LOG_LEVEL": "WARNING", "GRAPHIQL_ENABLED": "false", **(env or {})}
    process = pool.start(name, command, env=env)
    return _ready(Gateway(name, label, _graphql_url(port), process))


def start_hive(pool: ProcessPool, graph: ServedGraph) -> Gateway:
    label = "Hive Gateway, JS planner (1 process; subgraph de-dup on, its default)"
    return _start_hive(pool, graph, "hive", label)


def start_hive_router(pool: ProcessPool, graph: ServedGraph) -> Gateway:
    label = "Hive Gateway + Rust query planner (router-runtime), subgraph de-dup off"
    options = ("--hive-router-runtime", "--config-path", str(HIVE_NO_DEDUP_CONFIG))
    return _start_hive(pool, graph, "hive-router", label, *options)


def start_hive_router_dedup(pool: ProcessPool, graph: ServedGraph) -> Gateway:
    label = "Hive Gateway + Rust query planner, in-flight subgraph de-dup on (default)"
    return _start_hive(pool, graph, "hive-router-dedup", label, "--hive-router-runtime")


def _start_hive(
    pool: ProcessPool, graph: ServedGraph, name: str, label: str, *options: str
) -> Gateway:
    port = free_port()
    command = [
        "node",
        str(HIVE_GATEWAY_BIN),
        "supergraph",
        str(graph.supergraph_path),
        *options,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--fork",
        "1",
        "--disable-websockets",
    ]
    process = pool.start(name, command, env=NODE_ENV, cwd=BENCH_DIR)
    return _ready(Gateway(name, label, _graphql_url(port), process))


def start_grafbase(pool: ProcessPool, graph: ServedGraph) -> Gateway:
    label = "Grafbase (grafbase dev), inflight_deduplication off"
    return _start_grafbase(pool, graph, "grafbase", label, dedup=False)


def start_grafbase_dedup(pool: ProcessPool, graph: ServedGraph) -> Gateway:
    label = "Grafbase (grafbase dev), inflight_deduplication on"
    return _start_grafbase(pool, graph, "grafbase-dedup", label, dedup=True)


def _start_grafbase(
    pool: ProcessPool, graph: ServedGraph, name: str, label: str, *, dedup: bool
) -> Gateway:
    """`grafbase dev` composes the subgraphs itself from each one's URL and SDL file (not by
    introspection, which it would repeat every 2 s) and serves them."""
    if not GRAFBASE_BIN.exists():
        raise ProcessStartError(
            f"{GRAFBASE_BIN} is missing: Grafbase's CLI is installed (npm, optional) on x86_64 "
            "Linux only"
        )
    port = free_port()
    config_path = graph.work_dir / f"{name}.toml"
    config_path.write_text(grafbase_config(graph.subgraphs, dedup=dedup), encoding="utf-8")
    home = graph.work_dir / f"{name}-home"  # its state stays in the run's folder, not in ~
    home.mkdir(parents=True, exist_ok=True)
    command = [
        str(GRAFBASE_BIN),
        "--home",
        str(home),
        "dev",
        "--config",
        str(config_path),
        "--listen-address",
        f"127.0.0.1:{port}",
    ]
    process = pool.start(name, command, cwd=graph.work_dir)
    return _ready(Gateway(name, label, _graphql_url(port), process, composes_itself=True))


def grafbase_config(subgraphs: Sequence[RunningSubgraph], *, dedup: bool) -> str:
    """grafbase.toml: each subgraph's URL and schema file, and the de-dup switch."""
    lines = []
    for item in subgraphs:
        lines += [
            f"[subgraphs.{item.source.name}]",
            f"url = {json.dumps(item.url)}",
            f"schema_path = {json.dumps(str(item.sdl_path))}",
            "",
        ]
    lines += ["[traffic_shaping]", f"inflight_deduplication = {json.dumps(dedup)}", ""]
    return "\n".join(lines)


def start_apollo(pool: ProcessPool, graph: ServedGraph) -> Gateway:
    port = free_port()
    command = ["node", str(NODE_DIR / "apollo-gateway.mjs"), str(graph.supergraph_path), str(port)]
    process = pool.start("apollo-gateway", command, env=NODE_ENV, cwd=BENCH_DIR)
    gateway = Gateway(
        "apollo", "Apollo Gateway + Apollo Server", f"http://127.0.0.1:{port}/", process
    )
    return _ready(gateway)


def _graphql_url(port: int) -> str:
    return f"http://127.0.0.1:{port}/graphql"


def _ready(gateway: Gateway) -> Gateway:
    """Wait until the gateway answers a query with data (not only until its port opens)."""
    port = int(gateway.url.split(":")[2].split("/")[0])
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    while True:
        gateway.process.raise_if_exited()
        try:
            wait_for_port("127.0.0.1", port, timeout=1.0)
            answer = post_graphql(gateway.url, "{ __typename }")
            if answer.get("data") == {"__typename": "Query"}:
                return gateway
        except (OSError, TimeoutError, ValueError):
            pass
        if time.monotonic() > deadline:
            raise ProcessStartError(
                f"{gateway.name} did not answer within {READY_TIMEOUT_SECONDS}s"
            )
        time.sleep(0.1)


def post_graphql(url: str, query: str, timeout: float = 30.0) -> dict[str, Any]:
    """POST one GraphQL query and return the decoded response (any HTTP status)."""
    return json.loads(post_graphql_bytes(url, query, timeout))


def post_graphql_bytes(url: str, query: str, timeout: float = 30.0) -> bytes:
    body = json.dumps({"query": query}).encode()
    request = urllib.request.Request(
        url,
        data=body,
        headers={"content-type": "application/json", "accept": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return bytes(response.read())
    except urllib.error.HTTPError as error:
        return bytes(error.read())
