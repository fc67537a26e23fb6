"""Cold start: a fresh Python process to its first answered query, the supergraph read from the
registry table on a moto server; and the import time of every Lambda entry point in infra/.

Two cold paths are timed, each from spawning the process to the first answer:
- `bff serve` in registry mode (uvicorn), polled with the small query until it answers;
- the Lambda handler (`bff.handler.handler`) imported and invoked once with an API Gateway v2
  event in a fresh interpreter (`lambda_first_answer.py`), as the Lambda runtime does.
"""

from __future__ import annotations

import json
import os
import re
import statistics
import subprocess
import sys
import time
import urllib.error
from collections.abc import Callable, Collection, Sequence
from pathlib import Path
from typing import Any

import boto3
import yaml

from bench.processes import ProcessPool
from bench.servers import post_graphql, start_subgraphs
from bench.workload import BENCH_DIR, federation_subgraphs
from bff.devstack.apigateway import build_http_api_event
from bff.devstack.jwt_authorizer import AuthorizedRequest
from bff.devstack.moto_server import LOCAL_AWS_ENV, MotoServer, free_port
from bff.tables import ALL_TABLES, REGISTRY, create_table
from discovery.store.registry_store import RegistryStore

ROOT = BENCH_DIR.parent
INFRA_DIR = ROOT / "infra"
LAMBDA_PROBE = BENCH_DIR / "lambda_first_answer.py"
SMALL_QUERY = "{ users { id username } }"
EXPECTED_SMALL = {
    "users": [
        {"id": str(n), "username": u}
        for n, u in enumerate(("ada", "bruno", "chiara", "dmitri", "emi"), start=1)
    ]
}
REGISTRATION_ORDER = ("accounts", "products", "reviews", "inventory")
FIRST_ANSWER_TIMEOUT_SECONDS = 60.0
PROJECT_PACKAGES = frozenset({"bff", "discovery", "services"})
HEAVIEST_SHOWN = 5
IMPORT_TIME_LINE = re.compile(r"import time:\s+(\d+)\s+\|\s+(\d+)\s+\|\s+(\S.*)$")


def measure_cold_start(
    work_dir: Path, repeats: int, log: Callable[[str], None] = print
) -> dict[str, Any]:
    """Median and every sample of both cold paths, in milliseconds."""
    with MotoServer() as moto, ProcessPool(work_dir / "logs-cold-start") as pool:
        client = boto3.client(
            "dynamodb",
            endpoint_url=moto.endpoint,
            region_name=LOCAL_AWS_ENV["AWS_DEFAULT_REGION"],
            aws_access_key_id=LOCAL_AWS_ENV["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=LOCAL_AWS_ENV["AWS_SECRET_ACCESS_KEY"],
        )
        table = "bench-registry"
        create_table(client, REGISTRY, table)
        subgraphs = start_subgraphs(pool, federation_subgraphs(), work_dir)
        store = RegistryStore(table, client=client)
        # One at a time, each step a graph that composes: @external fields need their owner first.
        by_name = {item.source.name: item for item in subgraphs}
        for name in REGISTRATION_ORDER:
            item = by_name[name]
            registration = store.register(item.source.name, item.url, item.source.sdl)
        log(f"registry on moto: supergraph version {registration.supergraph_version} published")
        env = {
            **moto.env(),
            "REGISTRY_TABLE": table,
            "POWERTOOLS_LOG_LEVEL": "WARNING",
            "GRAPHIQL_ENABLED": "false",
        }
        serve = [_time_bff_serve(env) for _ in range(repeats)]
        handler = [_time_lambda_handler(env) for _ in range(repeats)]
    return {
        "supergraphVersion": registration.supergraph_version,
        "query": SMALL_QUERY,
        "bffServeMs": _summary([sample["ms"] for sample in serve]),
        "lambdaHandlerMs": _summary([sample["ms"] for sample in handler]),
        "lambdaPhasesMs": {
            phase: _summary([sample[phase] for sample in handler])
            for phase in ("importMs", "firstInvocationMs", "cpuMs")
        },
    }


def _time_bff_serve(env: dict[str, str]) -> dict[str, float]:
    port = free_port()
    url = f"http://127.0.0.1:{port}/graphql"
    command = [sys.executable, "-m", "bff.cli", "serve", "--port", str(port)]
    started = time.perf_counter()
    process = subprocess.Popen(
        command,
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        while time.perf_counter() - started < FIRST_ANSWER_TIMEOUT_SECONDS:
            if process.poll() is not None:
                raise RuntimeError(f"bff serve exited with {process.returncode} before answering")
            try:
                answer = post_graphql(url, SMALL_QUERY, timeout=10)
            except (OSError, urllib.error.URLError, ValueError):
                time.sleep(0.005)
                continue
            if answer.get("data") != EXPECTED_SMALL:
                raise RuntimeError(f"bff serve answered wrongly: {answer}")
            return {"ms": (time.perf_counter() - started) * 1000}
        raise RuntimeError("bff serve did not answer in time")
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _time_lambda_handler(env: dict[str, str]) -> dict[str, float]:
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, str(LAMBDA_PROBE), json.dumps(_small_query_event())],
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        probe = None
        for line in process.stdout:  # ends when the process does
            if line.startswith(b'{"firstAnswer"'):
                probe = json.loads(line)["firstAnswer"]
                break
        elapsed = (time.perf_counter() - started) * 1000
        process.wait(timeout=FIRST_ANSWER_TIMEOUT_SECONDS)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    if probe is None:
        stderr = process.stderr.read() if process.stderr else b""
        raise RuntimeError(f"the Lambda handler gave no answer: {stderr[-2000:]!r}")
    if probe["statusCode"] != 200 or probe["body"].get("data") != EXPECTED_SMALL:
        raise RuntimeError(f"the Lambda handler answered wrongly: {probe}")
    return {
        "ms": elapsed,
        "importMs": probe["importMs"],
        "firstInvocationMs": probe["invocationMs"],
        "cpuMs": probe["cpuMs"],
    }


def _small_query_event() -> dict[str, Any]:
    """The API Gateway v2 event of `SMALL_QUERY` POSTed to /graphql by an authorized client."""
    return build_http_api_event(
        method="POST",
        path="/graphql",
        raw_query="",
        headers=[("content-type", "application/json"), ("accept", "application/json")],
        body=json.dumps({"query": SMALL_QUERY}).encode(),
        source_ip="127.0.0.1",
        authorized=AuthorizedRequest(claims={"sub": "bench"}, scopes=None),
        request_id="cold-start",
    )


def measure_import_times(repeats: int, only: Collection[str] | None = None) -> list[dict[str, Any]]:
    """`python -X importtime -c "import <module>"` for each handler module the templates name
    (or those of them in `only`)."""
    rows = []
    for module, environment in lambda_entry_points():
        if only is not None and module not in only:
            continue
        samples = [_import_time(module, environment) for _ in range(repeats)]
        rows.append(
            {
                "module": module,
                "cumulativeImportMs": statistics.median(s["importMs"] for s in samples),
                "processMs": statistics.median(s["processMs"] for s in samples),
                "heaviest": samples[0]["heaviest"],
            }
        )
    return rows


def lambda_entry_points() -> list[tuple[str, dict[str, str]]]:
    """(module, environment) of every function in infra/, deploy-time values as placeholders."""
    found: dict[str, dict[str, str]] = {}
    for path in sorted(INFRA_DIR.rglob("*.yaml")):
        template = yaml.load(path.read_text(), Loader=_TemplateLoader)
        shared = ((template.get("Globals") or {}).get("Function") or {}).get("Environment") or {}
        for resource in (template.get("Resources") or {}).values():
            if resource.get("Type") != "AWS::Serverless::Function":
                continue
            properties = resource.get("Properties") or {}
            module = str(properties.get("Handler", "")).rpartition(".")[0]
            variables = {
                **(shared.get("Variables") or {}),
                **((properties.get("Environment") or {}).get("Variables") or {}),
            }
            found.setdefault(module, _placeholders(variables, template.get("Parameters") or {}))
    return sorted(found.items())


class _TemplateLoader(yaml.SafeLoader):
    """Reads CloudFormation YAML: `!Ref X` loads as {"Ref": "X"}, `!If` as its else value,
    other intrinsics as None."""


def _intrinsic(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
    if suffix == "Ref" and isinstance(node, yaml.ScalarNode):
        return {"Ref": loader.construct_scalar(node)}
    if suffix == "If" and isinstance(node, yaml.SequenceNode) and len(node.value) == 3:
        # `!If [condition, then, else]`: the value with the template's optional features off
        # (their parameters default to empty), e.g. TRACING_EXPORTER "off".
        return loader.construct_object(node.value[2], deep=True)
    return None


_TemplateLoader.add_multi_constructor("!", _intrinsic)


def _placeholders(variables: dict[str, Any], parameters: dict[str, Any]) -> dict[str, str]:
    values = {}
    for name, value in variables.items():
        if isinstance(value, dict) and "Default" in (parameters.get(value.get("Ref")) or {}):
            value = parameters[value["Ref"]]["Default"]
        if isinstance(value, str | int | float | bool):
            values[name] = str(value)
        elif name.endswith(("_IDS", "_KEYS", "_OVERRIDES")):
            values[name] = "{}"  # JSON maps of deploy-time ids
        else:
            values[name] = f"placeholder-{name.lower()}"
    return values


def _import_time(module: str, environment: dict[str, str]) -> dict[str, Any]:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "none",
        "AWS_SECRET_ACCESS_KEY": "none",
        **{spec.env_var: f"placeholder-{spec.logical_name}" for spec in ALL_TABLES},
        **environment,
    }
    started = time.perf_counter()
    completed = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", f"import {module}"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    elapsed = (time.perf_counter() - started) * 1000
    if completed.returncode != 0:
        raise RuntimeError(f"import {module} failed: {completed.stderr[-2000:]}")
    cumulative = _cumulative_ms(completed.stderr)
    if module not in cumulative:
        raise RuntimeError(f"-X importtime printed no line for {module}")
    # Where the time goes: the costliest third-party and stdlib packages (not ours).
    packages = [
        (name, ms)
        for name, ms in cumulative.items()
        if "." not in name and name not in PROJECT_PACKAGES
    ]
    heaviest = sorted(packages, key=lambda item: item[1], reverse=True)[:HEAVIEST_SHOWN]
    return {"importMs": cumulative[module], "processMs": elapsed, "heaviest": heaviest}


def _cumulative_ms(importtime_output: str) -> dict[str, float]:
    """Cumulative import milliseconds by module name, from `-X importtime` lines."""
    found = {}
    for line in importtime_output.splitlines():
        match = IMPORT_TIME_LINE.match(line)
        if match:
            found[match.group(3).strip()] = int(match.group(2)) / 1000
    return found


def _summary(samples: Sequence[float]) -> dict[str, Any]:
    return {
        "median": statistics.median(samples),
        "min": min(samples),
        "max": max(samples),
        "samples": list(samples),
    }
