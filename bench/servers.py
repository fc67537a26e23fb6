"""The servers of a run: Node subgraphs, the supergraph composed over them, and the gateways."""

from __future__ import annotations

import json
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.processes import ManagedProcess, ProcessPool, ProcessStartError
from bench.workload import BENCH_DIR, NODE_DIR, SubgraphSource
from bff.devstack.moto_server import free_port, wait_for_port
from discovery.composition import CompositionFailure, SubgraphInput, compose

NODE_MODULES = BENCH_DIR / "node_modules"
HIVE_GATEWAY_BIN = NODE_MODULES / "@graphql-hive" / "gateway" / "dist" / "bin.js"
READY_TIMEOUT_SECONDS = 60.0
# Node in production mode: no dev landing pages, no dev-only checks, as a deployment would run.
NODE_ENV = {"NODE_ENV": "production"}


@dataclass(frozen=True, slots=True)
class RunningSubgraph:
    source: SubgraphSource
    url: str
    process: ManagedProcess


@dataclass(frozen=True, slots=True)
class Gateway:
    """A contender serving GraphQL at `url`; `process` is what its CPU and memory are read from."""

    name: str
    label: str
    url: str
    process: ManagedProcess


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
        started.append((source, pool.start(f"subgraph-{source.name}", command, env=NODE_ENV)))
    running = []
    for source, process in started:
        port = process.first_json_line()["port"]
        running.append(RunningSubgraph(source, f"http://127.0.0.1:{port}/graphql", process))
    return running


def compose_supergraph(subgraphs: Sequence[RunningSubgraph]) -> str:
    """The supergraph SDL from our composer; a failure stops the run with its errors."""
    result = compose(
        [SubgraphInput(item.source.name, item.url, item.source.sdl) for item in subgraphs]
    )
    if isinstance(result, CompositionFailure):
        reasons = "\n".join(f"- {error.code}: {error.message}" for error in result.errors)
        raise RuntimeError(f"the benchmark subgraphs do not compose:\n{reasons}")
    return result.supergraph_sdl


def start_bff(pool: ProcessPool, supergraph_path: Path) -> Gateway:
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "bff.cli",
        "serve",
        "--supergraph",
        str(supergraph_path),
        "--port",
        str(port),
    ]
    env = {"POWERTOOLS_LOG_LEVEL": "WARNING", "GRAPHIQL_ENABLED": "false"}
    process = pool.start("bff", command, env=env)
    return _ready(Gateway("bff", "our BFF (uvicorn, 1 process)", _graphql_url(port), process))


def start_hive(pool: ProcessPool, supergraph_path: Path) -> Gateway:
    port = free_port()
    command = [
        "node",
        str(HIVE_GATEWAY_BIN),
        "supergraph",
        str(supergraph_path),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--fork",
        "1",
        "--disable-websockets",
    ]
    process = pool.start("hive-gateway", command, env=NODE_ENV, cwd=BENCH_DIR)
    return _ready(Gateway("hive", "Hive Gateway (1 process)", _graphql_url(port), process))


def start_apollo(pool: ProcessPool, supergraph_path: Path) -> Gateway:
    port = free_port()
    command = ["node", str(NODE_DIR / "apollo-gateway.mjs"), str(supergraph_path), str(port)]
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
