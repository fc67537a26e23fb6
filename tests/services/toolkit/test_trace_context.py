"""A subgraph reads the caller's W3C `traceparent`: resolvers and log lines get its trace id;
with tracing on, the request is a span under the caller's, strawberry's spans inside it."""

from __future__ import annotations

import pytest
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from starlette.types import ASGIApp

from bff.observability import tracing
from bff.observability.tracing import configure_tracing, shutdown_tracing, tracing_enabled
from services.toolkit.api_keys import ApiKeys
from services.toolkit.app import create_app
from services.toolkit.handler import create_handler
from services.toolkit.schema import build_subgraph_schema
from services.toolkit.trace_context import SPAN_NAME, trace_id_of
from tests.services.toolkit.conftest import CURRENT_KEY
from tests.services.toolkit.sample_subgraph import SERVICE_NAME, Note, Query
from tests.services.toolkit.transports import Transport, graphql, open_transport
from tests.support.identity import verifier

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
CALLER_SPAN = "00f067aa0ba902b7"
TRACEPARENT = f"00-{TRACE_ID}-{CALLER_SPAN}-01"


def test_resolvers_and_log_lines_get_the_callers_trace_id(sample: Transport) -> None:
    reply = graphql(
        sample,
        "{ traceId loggedTraceId }",
        api_key=CURRENT_KEY,
        headers={"traceparent": TRACEPARENT},
    )
    assert reply.json() == {"data": {"traceId": TRACE_ID, "loggedTraceId": TRACE_ID}}


def test_without_a_traceparent_there_is_no_trace_id_and_none_left_over(sample: Transport) -> None:
    graphql(sample, "{ traceId }", api_key=CURRENT_KEY, headers={"traceparent": TRACEPARENT})
    reply = graphql(sample, "{ traceId loggedTraceId }", api_key=CURRENT_KEY)
    assert reply.json() == {"data": {"traceId": None, "loggedTraceId": None}}


@pytest.mark.parametrize(
    "header",
    [
        "",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",  # no flags
        "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",  # invalid version
        "00-00000000000000000000000000000000-00f067aa0ba902b7-01",  # all-zero trace id
        "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",  # all-zero parent id
        "00-4BF92F3577B34DA6A3CE929D0E0E473-00f067aa0ba902b7-01",  # 31 digits
    ],
)
def test_a_malformed_traceparent_is_ignored(header: str) -> None:
    assert trace_id_of(header) is None


def test_a_well_formed_traceparent_gives_its_trace_id() -> None:
    assert trace_id_of(TRACEPARENT) == TRACE_ID
    assert trace_id_of(TRACEPARENT.upper()) == TRACE_ID


def test_with_tracing_on_the_request_is_a_span_under_the_callers_with_strawberrys_inside() -> None:
    spans = InMemorySpanExporter()
    configure_tracing("console", span_exporter=spans, service_name=SERVICE_NAME)
    try:
        # Built while tracing is on, as `bff serve-service` builds it.
        schema = build_subgraph_schema(SERVICE_NAME, query=Query, types=[Note])
        app = create_app(
            schema,
            SERVICE_NAME,
            resources={"greeting": "hello"},
            api_keys=ApiKeys.of(CURRENT_KEY),
            identity=verifier(SERVICE_NAME),
        )
        with open_transport("http", app, SERVICE_NAME) as transport:
            reply = graphql(
                transport, "{ traceId }", api_key=CURRENT_KEY, headers={"traceparent": TRACEPARENT}
            )
    finally:
        shutdown_tracing()
    assert reply.json() == {"data": {"traceId": TRACE_ID}}
    finished = spans.get_finished_spans()
    (request,) = [span for span in finished if span.name == SPAN_NAME]
    assert request.kind == SpanKind.SERVER
    assert format(request.context.trace_id, "032x") == TRACE_ID
    assert format(request.parent.span_id, "016x") == CALLER_SPAN
    assert request.attributes["graphql.subgraph"] == SERVICE_NAME
    assert request.resource.attributes["service.name"] == SERVICE_NAME
    by_id = {span.context.span_id: span for span in finished}

    def ancestors(span):
        while span.parent is not None and span.parent.span_id in by_id:
            span = by_id[span.parent.span_id]
            yield span

    strawberrys = [span for span in finished if span.name.startswith("GraphQL ")]
    assert {"GraphQL Query", "GraphQL Parsing", "GraphQL Validation"} <= {
        span.name for span in strawberrys
    }
    assert all(request in ancestors(span) for span in strawberrys)


def _sample_app() -> ASGIApp:
    return create_app(
        build_subgraph_schema(SERVICE_NAME, query=Query, types=[Note]),
        SERVICE_NAME,
        resources={"greeting": "hello"},
        api_keys=ApiKeys.of(CURRENT_KEY),
        identity=verifier(SERVICE_NAME),
    )


def test_the_lambda_handler_traces_when_tracing_exporter_says_so(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # In AWS the template sets TRACING_EXPORTER=otlp (the ADOT layer's collector); the exporter
    # that name selects is swapped for one in memory, the rest is the handler's own start-up.
    spans = InMemorySpanExporter()
    chosen: list[str] = []
    monkeypatch.setattr(tracing, "_named_exporter", lambda name: chosen.append(name) or spans)
    monkeypatch.setenv("TRACING_EXPORTER", "otlp")
    try:
        with open_transport("http_api_v2", _sample_app(), SERVICE_NAME) as transport:
            reply = graphql(
                transport, "{ traceId }", api_key=CURRENT_KEY, headers={"traceparent": TRACEPARENT}
            )
    finally:
        shutdown_tracing()
    assert reply.json() == {"data": {"traceId": TRACE_ID}}
    assert chosen == ["otlp"]
    (request,) = [span for span in spans.get_finished_spans() if span.name == SPAN_NAME]
    assert format(request.context.trace_id, "032x") == TRACE_ID
    assert request.parent is not None and format(request.parent.span_id, "016x") == CALLER_SPAN
    assert request.resource.attributes["service.name"] == SERVICE_NAME


def test_the_lambda_handler_does_not_trace_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TRACING_EXPORTER", raising=False)
    with open_transport("http_api_v2", _sample_app(), SERVICE_NAME):
        assert not tracing_enabled()


def test_an_unknown_tracing_exporter_stops_the_handler_at_init(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TRACING_EXPORTER", "xray")
    with pytest.raises(ValueError, match="TRACING_EXPORTER must be one of"):
        create_handler(_sample_app(), SERVICE_NAME)
