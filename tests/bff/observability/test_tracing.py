"""OpenTelemetry spans for each stage of a request, and the trace context reaching a subgraph."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator

import pytest
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from bff.config import ConfigurationError, GatewaySettings
from bff.execution.identity_tokens import IDENTITY_HEADER
from bff.http.app import GraphQLApp
from bff.observability.tracing import configure_tracing, shutdown_tracing
from services.toolkit.identity import IdentityVerifier
from services.toolkit.secrets import RotatingKeys
from tests.support.edge_clients import ASGIClient, LambdaClient, post_json
from tests.support.edge_fixtures import CLAIMS_KEYS, build_edge_app, edge_settings

CALLER_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
CALLER_SPAN = "00f067aa0ba902b7"
# Students for the list, then lessons for each student's completions.
QUERY = "query Traced { students { id completions { title } } }"


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    configure_tracing("console", span_exporter=exporter)
    try:
        yield exporter
    finally:
        shutdown_tracing()


@pytest.fixture
def app(subgraphs, graphiql_assets_dir, edge_loop) -> Iterator[GraphQLApp]:
    served = build_edge_app(edge_settings(subgraphs, graphiql_assets_dir))
    yield served
    edge_loop.run_until_complete(served.gateway.close())


def test_each_stage_is_a_span_in_the_callers_trace_and_subgraphs_get_its_context(
    spans: InMemorySpanExporter, app: GraphQLApp, subgraphs, edge_loop
) -> None:
    before = len(subgraphs.requests)
    response = post_json(
        ASGIClient(app, edge_loop),
        {"query": QUERY},
        headers={"traceparent": f"00-{CALLER_TRACE}-{CALLER_SPAN}-01"},
    )
    assert response.status == 200 and "errors" not in response.json()
    finished = {span.name: span for span in spans.get_finished_spans()}
    fetches = [span for span in spans.get_finished_spans() if span.name == "graphql.fetch"]
    assert set(finished) == {
        "graphql.request",
        "graphql.parse_validate",
        "graphql.plan",
        "graphql.fetch",
        "graphql.shape",
    }
    request = finished["graphql.request"]
    assert request.kind == SpanKind.SERVER
    # The request continues the caller's trace; every stage is inside the request's span.
    assert format(request.context.trace_id, "032x") == CALLER_TRACE
    assert format(request.parent.span_id, "016x") == CALLER_SPAN
    for span in spans.get_finished_spans():
        if span is not request:
            assert span.parent.span_id == request.context.span_id, span.name
            assert span.context.trace_id == request.context.trace_id
    assert [span.attributes["graphql.subgraph"] for span in fetches] == ["students", "lessons"]
    # Each subgraph got the trace context of its own fetch span.
    calls = subgraphs.requests[before:]
    assert [call.service for call in calls] == ["students", "lessons"]
    for call, fetch in zip(calls, fetches, strict=True):
        expected = f"00-{CALLER_TRACE}-{format(fetch.context.span_id, '016x')}-01"
        assert call.headers["traceparent"] == expected
    # A second request with the same document is served from the cache: no parse or plan.
    spans.clear()
    post_json(ASGIClient(app, edge_loop), {"query": QUERY})
    names = {span.name for span in spans.get_finished_spans()}
    assert names == {"graphql.request", "graphql.fetch", "graphql.shape"}


def test_a_verified_users_request_is_traced_and_each_subgraph_gets_its_own_identity_token(
    spans: InMemorySpanExporter, app: GraphQLApp, subgraphs, edge_loop
) -> None:
    # The forwarded headers differ by subgraph (a token signed for each); tracing copies each
    # subgraph's own to add the fetch's traceparent.
    before = len(subgraphs.requests)
    # Through the Lambda handler: API Gateway's JWT authorizer hands over the verified claims.
    response = post_json(
        LambdaClient(app, "v2"), {"query": QUERY}, claims={"sub": "user-1", "scope": "read"}
    )
    assert response.status == 200 and "errors" not in response.json(), response.json()
    fetches = [span for span in spans.get_finished_spans() if span.name == "graphql.fetch"]
    calls = subgraphs.requests[before:]
    assert [call.service for call in calls] == ["students", "lessons"]
    for call, fetch in zip(calls, fetches, strict=True):
        assert call.headers["traceparent"].split("-")[2] == format(fetch.context.span_id, "016x")
        identity = IdentityVerifier(RotatingKeys.of(CLAIMS_KEYS[call.service]), call.service)
        assert identity.verify(call.headers[IDENTITY_HEADER.lower()]).subject == "user-1"


def test_without_tracing_subgraphs_get_no_trace_context(
    app: GraphQLApp, subgraphs, edge_loop
) -> None:
    before = len(subgraphs.requests)
    post_json(ASGIClient(app, edge_loop), {"query": QUERY})
    assert all("traceparent" not in call.headers for call in subgraphs.requests[before:])


def test_tracing_off_imports_nothing_of_opentelemetry() -> None:
    probe = (
        "import sys; from bff.http.app import create_app; "
        "print(sorted(m for m in sys.modules if m.startswith('opentelemetry')))"
    )
    completed = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    assert completed.stdout.strip() == "[]"


def test_an_unknown_exporter_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="TRACING_EXPORTER: expected off, console or otlp"):
        GatewaySettings.from_environ({"TRACING_EXPORTER": "jaeger"})
