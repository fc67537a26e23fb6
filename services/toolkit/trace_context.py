"""W3C trace context (`traceparent`) read by every subgraph: the gateway's trace id reaches
resolvers (`info.context.trace_id`) and every log line the service writes during the request,
and, when tracing is on in the process (`bff serve-service`, TRACING_EXPORTER), the request is
a `subgraph.request` span under the caller's (the BFF's `graphql.fetch`).

An absent or malformed header (https://www.w3.org/TR/trace-context/#traceparent-header) is
ignored, as the spec asks: the request runs without a trace id.
"""

from __future__ import annotations

import re

from starlette.types import ASGIApp, Receive, Scope, Send

from bff.observability.tracing import server_span
from services.toolkit.observability import service_logger

TRACE_STATE_KEY = "trace_id"
SPAN_NAME = "subgraph.request"
# version-traceid-parentid-flags; version ff and all-zero ids are invalid.
_TRACEPARENT = re.compile(
    r"^(?!ff)[0-9a-f]{2}-(?!0{32})([0-9a-f]{32})-(?!0{16})[0-9a-f]{16}-[0-9a-f]{2}$"
)


def trace_id_of(traceparent: str | None) -> str | None:
    match = _TRACEPARENT.match((traceparent or "").strip().lower())
    return match.group(1) if match else None


class TraceContextMiddleware:
    """Puts the request's trace id in `scope["state"]` and in the service's log lines."""

    def __init__(self, app: ASGIApp, service_name: str | None = None) -> None:
        self.app = app
        self.logger = service_logger(service_name)
        self.span_attributes = {"graphql.subgraph": service_name} if service_name else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        carrier: dict[str, str] = {}
        for name, value in scope.get("headers") or ():
            if name == b"traceparent":
                carrier["traceparent"] = value.decode("latin-1")
                break
        trace_id = trace_id_of(carrier.get("traceparent"))
        with server_span(SPAN_NAME, carrier, self.span_attributes):
            if trace_id is None:
                await self.app(scope, receive, send)
                return
            scope.setdefault("state", {})[TRACE_STATE_KEY] = trace_id
            # Context-local keys: concurrent requests under uvicorn keep their own trace id.
            with self.logger.append_context_keys(trace_id=trace_id):
                await self.app(scope, receive, send)
