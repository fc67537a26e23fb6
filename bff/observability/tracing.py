"""OpenTelemetry spans per stage of a request, with W3C trace context sent to subgraphs.

Off unless `TRACING_EXPORTER` says where spans go: `console` (one JSON document per span on
stdout, for local runs) or `otlp` (OTLP over HTTP to OTEL_EXPORTER_OTLP_ENDPOINT, default
http://localhost:4318: in AWS the ADOT collector layer, which forwards to X-Ray). When off,
nothing of OpenTelemetry is imported (the Lambda cold path stays as lean) and every hook is a
shared no-op context manager.

Spans: `graphql.request` (server; the parent is the incoming `traceparent`, if any), inside it
`graphql.parse_validate` and `graphql.plan` (only when the operation is not cached yet), one
`graphql.fetch` per subgraph call (client; its context goes to the subgraph as `traceparent`)
and `graphql.shape`. Subgraphs built with services/toolkit continue the trace with their own
`subgraph.request` span (`server_span`) and strawberry's spans under it.

Locally `bff dev` runs an OTLP receiver (bff/devstack/trace_store.py) that every part exports
to; `bff trace TRACE_ID` prints a request's spans as a tree.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager
from typing import Any

EXPORTERS = ("off", "console", "otlp")
_NOOP: AbstractContextManager[None] = contextlib.nullcontext()

_tracer: Any = None  # an opentelemetry Tracer once `configure_tracing` turned tracing on
_propagator: Any = None
_provider: Any = None


def configure_tracing(
    exporter: str, *, span_exporter: Any = None, service_name: str | None = None
) -> bool:
    """Turn tracing on for this process (`exporter` in EXPORTERS); True when it is on.

    `span_exporter` replaces the exporter the name selects (tests pass an in-memory one);
    `service_name` names the process in its spans (default POWERTOOLS_SERVICE_NAME, else bff).
    """
    global _tracer, _propagator, _provider
    if exporter == "off" and span_exporter is None:
        return False
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor
    from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

    provider = TracerProvider(
        resource=Resource.create(
            {"service.name": service_name or os.environ.get("POWERTOOLS_SERVICE_NAME", "bff")}
        ),
        id_generator=_id_generator(),
    )
    if span_exporter is None:
        span_exporter = _named_exporter(exporter)
    # A Lambda is frozen between invocations: a batch waiting in a thread might never leave.
    in_lambda = "AWS_LAMBDA_FUNCTION_NAME" in os.environ
    processor = SimpleSpanProcessor if in_lambda or exporter == "console" else BatchSpanProcessor
    provider.add_span_processor(processor(span_exporter))
    _provider, _tracer = provider, provider.get_tracer("bff")
    _propagator = TraceContextTextMapPropagator()
    return True


def shutdown_tracing() -> None:
    """Send the spans not yet sent and turn tracing off (process exit; tests)."""
    global _tracer, _provider
    provider, _tracer, _provider = _provider, None, None
    if provider is not None:
        provider.shutdown()


def tracing_enabled() -> bool:
    return _tracer is not None


def tracer_provider() -> Any:
    """The SDK's TracerProvider while tracing is on (for libraries that make their own spans,
    such as strawberry's OpenTelemetryExtension), else None."""
    return _provider


def stage_span(name: str) -> AbstractContextManager[Any]:
    """A span for one stage of the request under way (a no-op when tracing is off)."""
    if _tracer is None:
        return _NOOP
    return _tracer.start_as_current_span(name)


@contextlib.contextmanager
def _server_span(
    name: str, headers: Mapping[str, str], attributes: Mapping[str, str] | None
) -> Iterator[None]:
    from opentelemetry.trace import SpanKind

    parent = _propagator.extract(carrier=dict(headers))
    with _tracer.start_as_current_span(
        name, context=parent, kind=SpanKind.SERVER, attributes=attributes
    ):
        yield


def server_span(
    name: str, headers: Mapping[str, str], attributes: Mapping[str, str] | None = None
) -> AbstractContextManager[Any]:
    """A span for a request this process serves, continuing the caller's trace (its
    `traceparent` in the lower-cased `headers`); a no-op when tracing is off."""
    if _tracer is None:
        return _NOOP
    return _server_span(name, headers, attributes)


def request_span(headers: Mapping[str, str]) -> AbstractContextManager[Any]:
    """The GraphQL request's root span, continuing the caller's trace (lower-cased headers)."""
    return server_span("graphql.request", headers)


@contextlib.contextmanager
def _fetch_span(subgraph: str, headers: dict[str, str]) -> Iterator[None]:
    from opentelemetry.trace import SpanKind

    with _tracer.start_as_current_span(
        "graphql.fetch", kind=SpanKind.CLIENT, attributes={"graphql.subgraph": subgraph}
    ):
        _propagator.inject(carrier=headers)
        yield


def fetch_span(subgraph: str, headers: dict[str, str]) -> AbstractContextManager[Any]:
    """A span around one subgraph call; writes its `traceparent` into `headers`."""
    if _tracer is None:
        return _NOOP
    return _fetch_span(subgraph, headers)


def current_trace_id() -> str | None:
    """The running span's trace id (32 hex digits), if tracing is on and a span is running."""
    if _tracer is None:
        return None
    from opentelemetry import trace

    context = trace.get_current_span().get_span_context()
    return format(context.trace_id, "032x") if context.is_valid else None


def _named_exporter(exporter: str) -> Any:
    if exporter == "console":
        from opentelemetry.sdk.trace.export import ConsoleSpanExporter

        return ConsoleSpanExporter(service_name="bff")
    if exporter == "otlp":
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        return OTLPSpanExporter()
    raise ValueError(f"TRACING_EXPORTER must be one of {', '.join(EXPORTERS)}, got {exporter!r}")


def _id_generator() -> Any:
    # X-Ray wants trace ids that start with their time; the ADOT layer ships the generator.
    try:
        from opentelemetry.sdk.extension.aws.trace import AwsXRayIdGenerator
    except ImportError:
        return None
    return AwsXRayIdGenerator()
