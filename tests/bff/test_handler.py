"""The Lambda entry point: `bff.handler.handler` imported fresh as Lambda does, invoked warm."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys

import pytest

from bff.tables import REGISTRY
from discovery.store import RegistryStore
from tests.support.api_gateway import http_api_v2_event
from tests.support.edge_clients import LambdaClient, post_json
from tests.support.edge_fixtures import API_KEYS
from tests.support.loopback_subgraphs import FIXTURES, SUPERGRAPH_FILE, LoopbackSubgraphs

WARM_INVOCATIONS = FIXTURES / "warm_invocations.py"
QUERY = '{ student(id: "1") { name } }'


def _run_warm(
    subgraphs: LoopbackSubgraphs,
    count: int,
    supergraph_env: dict[str, str] | None = None,
    restore_before: int | None = None,
    *,
    headers: dict[str, str] | None = None,
    body: dict | None = None,
    urls: dict[str, str] | None = None,
    log_level: str = "WARNING",
) -> dict:
    env = {
        **os.environ,
        **(supergraph_env or {"SUPERGRAPH_FILE": str(SUPERGRAPH_FILE)}),
        "SUBGRAPH_URL_OVERRIDES": json.dumps(urls or subgraphs.urls),
        "SUBGRAPH_API_KEYS": json.dumps(API_KEYS),
        "POWERTOOLS_LOG_LEVEL": log_level,
    }
    completed = subprocess.run(
        [
            sys.executable,
            str(WARM_INVOCATIONS),
            json.dumps(
                http_api_v2_event(
                    "POST",
                    "/graphql",
                    headers={
                        "content-type": "application/json",
                        "accept": "application/json",
                        **(headers or {}),
                    },
                    body=json.dumps(body or {"query": QUERY}).encode(),
                    claims={"sub": "user-1"},
                )
            ),
            str(count),
            *([] if restore_before is None else [str(restore_before)]),
        ],
        env=env,
        capture_output=True,
        check=True,
        timeout=120,
    )
    *emitted, outcome = completed.stdout.decode().strip().splitlines()
    result = json.loads(outcome)
    # Powertools writes each invocation's metrics to stdout in CloudWatch's embedded format.
    result["metrics"] = [json.loads(line) for line in emitted if line.startswith('{"_aws"')]
    result["logs"] = [
        json.loads(line)
        for line in emitted
        if line.startswith("{") and not line.startswith('{"_aws"')
    ]
    return result


def test_ten_warm_invocations_share_one_tcp_connection(subgraphs: LoopbackSubgraphs) -> None:
    before = len(subgraphs.requests)
    outcome = _run_warm(subgraphs, 10)
    assert outcome["statuses"] == [200] * 10
    assert outcome["bodies"] == [{"data": {"student": {"name": "Ada"}}}] * 10
    recorded = subgraphs.requests[before:]
    assert len(recorded) == 10
    # The subgraph saw one client port (one connection), and the gateway opened one.
    assert len({request.client_port for request in recorded}) == 1
    assert outcome["connections_opened"] == 1


def test_a_snapstart_restore_reseeds_random_and_opens_new_subgraph_connections(
    subgraphs: LoopbackSubgraphs,
) -> None:
    before = len(subgraphs.requests)
    outcome = _run_warm(subgraphs, 4, restore_before=2)
    assert outcome["statuses"] == [200] * 4
    assert outcome["reseeded"] is True
    # Two invocations on the connection pooled before the "snapshot", two on a new one.
    assert outcome["connections_opened"] == 2
    ports = [request.client_port for request in subgraphs.requests[before:]]
    assert ports[0] == ports[1] != ports[2] == ports[3]


def test_the_cold_path_imports_no_cli_devstack_or_boto3(subgraphs: LoopbackSubgraphs) -> None:
    assert _run_warm(subgraphs, 1)["cold_modules"] == []


def test_the_cold_path_from_the_registry_imports_no_boto3_pydantic_or_composer(
    subgraphs: LoopbackSubgraphs, make_table, moto_server
) -> None:
    # As in Lambda: the supergraph is read from the registry table (moto over HTTP).
    registry = RegistryStore(make_table(REGISTRY))
    for name in ("students", "lessons"):
        registry.register(name, subgraphs.urls[name], (FIXTURES / f"{name}.graphql").read_text())
    outcome = _run_warm(subgraphs, 1, {"REGISTRY_TABLE": registry.table_name})
    assert outcome["bodies"] == [{"data": {"student": {"name": "Ada"}}}]
    assert outcome["cold_modules"] == []
    assert outcome["first_answer_modules"] == []


def test_without_a_supergraph_setting_the_import_fails_clearly() -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("SUPERGRAPH_FILE", "REGISTRY_TABLE")}
    completed = subprocess.run(
        [sys.executable, "-c", "import bff.handler"], env=env, capture_output=True, timeout=120
    )
    assert completed.returncode != 0
    assert b"set SUPERGRAPH_FILE or REGISTRY_TABLE" in completed.stderr


@pytest.mark.parametrize("version", ["v1", "v2"])
def test_in_process_handler_reuses_its_connection(
    version: str, edge_app, edge_loop, subgraphs: LoopbackSubgraphs
) -> None:
    client = LambdaClient(edge_app, version)
    post_json(client, {"query": QUERY})  # warm: the pool now holds a connection
    opened = edge_app.gateway.transport.connections_opened
    before = len(subgraphs.requests)
    for _ in range(10):
        assert post_json(client, {"query": QUERY}).json() == {"data": {"student": {"name": "Ada"}}}
    assert edge_app.gateway.transport.connections_opened == opened
    assert len({r.client_port for r in subgraphs.requests[before:]}) == 1


def test_each_invocation_reports_its_outcome_as_a_metric(subgraphs: LoopbackSubgraphs) -> None:
    emitted = _run_warm(subgraphs, 2)["metrics"]
    names = [
        metric["Name"]
        for document in emitted
        for directive in document["_aws"]["CloudWatchMetrics"]
        for metric in directive["Metrics"]
    ]
    assert names.count("ColdStart") == 1
    assert names.count("GraphQLExecuted") == 2


TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
NAMED_QUERY = 'query StudentName { student(id: "1") { name } }'


def test_the_handler_logs_one_line_per_request_with_its_subgraph_timings(
    subgraphs: LoopbackSubgraphs,
) -> None:
    outcome = _run_warm(
        subgraphs,
        1,
        headers={
            "graphql-client-name": "web",
            "graphql-client-version": "1.4.0",
            "traceparent": f"00-{TRACE_ID}-00f067aa0ba902b7-01",
        },
        body={"query": NAMED_QUERY, "operationName": "StudentName"},
        log_level="INFO",
    )
    (line,) = [log for log in outcome["logs"] if log["message"] == "graphql request"]
    assert line["service"] == "bff"  # Powertools' own field, untouched
    assert line["operation_name"] == "StudentName"
    assert line["operation_hash"] == hashlib.sha256(NAMED_QUERY.encode()).hexdigest()
    assert (line["client_name"], line["client_version"]) == ("web", "1.4.0")
    assert (line["status"], line["outcome"]) == (200, "Executed")
    assert line["trace_id"] == TRACE_ID
    assert line["latency_ms"] > 0
    (call,) = line["subgraph_calls"]
    assert call["subgraph"] == "students" and call["ok"] is True
    assert 0 < call["latency_ms"] <= line["latency_ms"]


def subgraph_metrics(outcome: dict) -> dict[str, list[dict]]:
    """The per-subgraph EMF documents, by their `subgraph` dimension."""
    found: dict[str, list[dict]] = {}
    for document in outcome["metrics"]:
        (directive,) = document["_aws"]["CloudWatchMetrics"]
        if any("subgraph" in dimensions for dimensions in directive["Dimensions"]):
            found.setdefault(document["subgraph"], []).append(document)
    return found


def values(document: dict, name: str) -> list[float]:
    value = document[name]
    return value if isinstance(value, list) else [value]


def test_each_subgraph_call_is_measured_as_a_metric(subgraphs: LoopbackSubgraphs) -> None:
    metrics = subgraph_metrics(_run_warm(subgraphs, 2))
    assert set(metrics) == {"students"}
    documents = metrics["students"]
    assert len(documents) == 2  # one per request
    for document in documents:
        assert document["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "BFF"
        (latency,) = values(document, "SubgraphLatency")
        assert latency > 0
        assert values(document, "SubgraphErrors") == values(document, "SubgraphBreakerOpen") == [0]


def test_a_failing_subgraph_is_counted_and_logged_without_overwriting_the_service(
    subgraphs: LoopbackSubgraphs,
) -> None:
    unreachable = {name: "http://127.0.0.1:9/graphql" for name in subgraphs.urls}
    outcome = _run_warm(subgraphs, 1, urls=unreachable, log_level="INFO")
    (document,) = subgraph_metrics(outcome)["students"]
    assert values(document, "SubgraphErrors") == [1]
    (warning,) = [log for log in outcome["logs"] if log["message"] == "subgraph unavailable"]
    assert (warning["service"], warning["subgraph"]) == ("bff", "students")
    (line,) = [log for log in outcome["logs"] if log["message"] == "graphql request"]
    assert line["outcome"] == "ExecutedWithErrors"
    assert line["subgraph_calls"][0]["ok"] is False


def test_usage_is_flushed_in_the_invocations_tail_before_the_process_stops(
    subgraphs: LoopbackSubgraphs, make_table, dynamodb_client, moto_server
) -> None:
    from bff.registry_table.usage import UsageReader, window
    from bff.tables import BFF

    bff_table = make_table(BFF)
    # The flusher thread waits an hour: only the handler's tail can have written the counts.
    env = {
        "SUPERGRAPH_FILE": str(SUPERGRAPH_FILE),
        "BFF_TABLE": bff_table,
        "USAGE_FLUSH_SECONDS": "3600",
    }
    outcome = _run_warm(subgraphs, 1, env, headers={"graphql-client-name": "mobile"})
    assert outcome["statuses"] == [200]
    assert UsageReader(dynamodb_client, bff_table).operations(*window(1)) == []

    # Once the counts waited USAGE_FLUSH_SECONDS, the invocation that sees it writes them.
    env["USAGE_FLUSH_SECONDS"] = "0.000001"
    outcome = _run_warm(subgraphs, 2, env, headers={"graphql-client-name": "mobile"})

    (usage,) = UsageReader(dynamodb_client, bff_table).operations(*window(1))
    assert (usage.client, usage.count) == ("mobile", 2)
    assert usage.coordinates == {"Query.student", "Query.student(id:)", "Student.name"}
