"""The local stack's trace store: an OTLP/HTTP receiver keeping recent traces in memory.

The BFF and the subgraphs of `bff dev` export their spans here (`TRACING_EXPORTER=otlp`,
`OTEL_EXPORTER_OTLP_ENDPOINT` this server), as would any OpenTelemetry SDK whose default
endpoint is http://localhost:4318, the port it listens on. `bff trace TRACE_ID` reads them back.

- `POST /v1/traces`: an OTLP `ExportTraceServiceRequest`, protobuf (`application/x-protobuf`,
  what the Python and most SDKs send) or OTLP/JSON (`application/json`, ids in hex).
  https://opentelemetry.io/docs/specs/otlp/#otlphttp
- `GET /traces`: the most recent traces, newest first: `{traces: [{traceId, root, spans}]}`.
- `GET /traces/{trace_id}`: `{traceId, spans: [span...]}` (see `Span.to_json`), 404 if unknown.
"""

from __future__ import annotations

import argparse
import base64
import logging
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson
from aiohttp import web

OTLP_TRACES_PATH = "/v1/traces"
PROTOBUF = "application/x-protobuf"
JSON = "application/json"
# A day of clicking around keeps well under this; the oldest traces go first.
MAX_TRACES = 2000
RECENT_TRACES = 20
# OTLP's SpanKind enum, by number (protobuf) and by name (JSON: "SPAN_KIND_SERVER").
SPAN_KINDS = ("unspecified", "internal", "server", "client", "producer", "consumer")
STATUS_CODES = ("unset", "ok", "error")


@dataclass(frozen=True)
class Span:
    """One received span, as `bff trace` shows it."""

    trace_id: str
    span_id: str
    parent_span_id: str | None
    name: str
    service: str
    kind: str
    start_ns: int
    end_ns: int
    attributes: dict[str, Any] = field(default_factory=dict)
    status: str = "unset"
    status_message: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "traceId": self.trace_id,
            "spanId": self.span_id,
            "parentSpanId": self.parent_span_id,
            "name": self.name,
            "service": self.service,
            "kind": self.kind,
            "startTimeUnixNano": self.start_ns,
            "endTimeUnixNano": self.end_ns,
            "attributes": self.attributes,
            "status": self.status,
            "statusMessage": self.status_message,
        }

    @classmethod
    def from_json(cls, document: Mapping[str, Any]) -> Span:
        return cls(
            trace_id=document["traceId"],
            span_id=document["spanId"],
            parent_span_id=document["parentSpanId"],
            name=document["name"],
            service=document["service"],
            kind=document["kind"],
            start_ns=int(document["startTimeUnixNano"]),
            end_ns=int(document["endTimeUnixNano"]),
            attributes=dict(document["attributes"]),
            status=document["status"],
            status_message=document["statusMessage"],
        )


class InvalidExport(ValueError):
    """The body is not an OTLP trace export this receiver reads."""


def spans_of_export(document: Mapping[str, Any], decode_id: Callable[[str], str]) -> list[Span]:
    """The spans of an `ExportTraceServiceRequest` in its JSON mapping (camelCase keys);
    `decode_id` turns its trace and span ids into lower-case hex."""
    spans = []
    try:
        for resource_spans in document.get("resourceSpans", ()):
            resource = _attributes(resource_spans.get("resource", {}).get("attributes", ()))
            service = str(resource.get("service.name", "unknown"))
            for scope_spans in resource_spans.get("scopeSpans", ()):
                for span in scope_spans.get("spans", ()):
                    status = span.get("status", {})
                    parent = span.get("parentSpanId")
                    spans.append(
                        Span(
                            trace_id=decode_id(span["traceId"]),
                            span_id=decode_id(span["spanId"]),
                            parent_span_id=decode_id(parent) if parent else None,
                            name=span["name"],
                            service=service,
                            kind=_enum_name(span.get("kind", 0), "SPAN_KIND_", SPAN_KINDS),
                            start_ns=int(span["startTimeUnixNano"]),
                            end_ns=int(span["endTimeUnixNano"]),
                            attributes=_attributes(span.get("attributes", ())),
                            status=_enum_name(status.get("code", 0), "STATUS_CODE_", STATUS_CODES),
                            status_message=str(status.get("message", "")),
                        )
                    )
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise InvalidExport(f"not an OTLP trace export: {error!r}") from None
    return spans


def decode_protobuf(body: bytes) -> list[Span]:
    from google.protobuf.json_format import MessageToDict
    from google.protobuf.message import DecodeError
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
        ExportTraceServiceRequest,
    )

    request = ExportTraceServiceRequest()
    try:
        request.ParseFromString(body)
    except DecodeError as error:
        raise InvalidExport(f"not an OTLP protobuf export: {error}") from None
    # Bytes fields (the ids) come out base64-encoded.
    return spans_of_export(MessageToDict(request), lambda value: base64.b64decode(value).hex())


def decode_json(body: bytes) -> list[Span]:
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError as error:
        raise InvalidExport(f"not JSON: {error}") from None
    if not isinstance(document, dict):
        raise InvalidExport("not an OTLP trace export: expected a JSON object")
    return spans_of_export(document, _hex_id)


class TraceStore:
    """Spans by trace id, the `max_traces` most recently touched traces kept."""

    def __init__(self, max_traces: int = MAX_TRACES) -> None:
        self.max_traces = max_traces
        self._traces: OrderedDict[str, list[Span]] = OrderedDict()

    def add(self, spans: Iterable[Span]) -> None:
        for span in spans:
            self._traces.setdefault(span.trace_id, []).append(span)
            self._traces.move_to_end(span.trace_id)
        while len(self._traces) > self.max_traces:
            self._traces.popitem(last=False)

    def trace(self, trace_id: str) -> list[Span] | None:
        return self._traces.get(trace_id.lower())

    def recent(self, limit: int = RECENT_TRACES) -> list[tuple[str, list[Span]]]:
        return list(reversed(self._traces.items()))[:limit]


def trace_store_app(store: TraceStore | None = None) -> web.Application:
    store = store if store is not None else TraceStore()
    decoders = {PROTOBUF: decode_protobuf, JSON: decode_json}

    async def receive(request: web.Request) -> web.Response:
        decode = decoders.get(request.content_type)
        if decode is None:
            return _error(415, f"send OTLP as {PROTOBUF} or {JSON}")
        try:
            store.add(decode(await request.read()))
        except InvalidExport as error:
            return _error(400, str(error))
        # An empty ExportTraceServiceResponse: full success.
        if request.content_type == PROTOBUF:
            return web.Response(body=b"", content_type=PROTOBUF)
        return web.json_response({})

    async def recent(request: web.Request) -> web.Response:
        listed = [
            {"traceId": trace_id, "root": _root_name(spans), "spans": len(spans)}
            for trace_id, spans in store.recent()
        ]
        return web.json_response({"traces": listed}, dumps=_dumps)

    async def one(request: web.Request) -> web.Response:
        trace_id = request.match_info["trace_id"]
        spans = store.trace(trace_id)
        if spans is None:
            return _error(404, f"no trace {trace_id} in the local trace store")
        body = {"traceId": trace_id.lower(), "spans": [span.to_json() for span in spans]}
        return web.json_response(body, dumps=_dumps)

    app = web.Application(client_max_size=16 * 1024 * 1024)
    app.router.add_post(OTLP_TRACES_PATH, receive)
    app.router.add_get("/traces", recent)
    app.router.add_get("/traces/{trace_id}", one)
    return app


def _attributes(items: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    return {item["key"]: _any_value(item.get("value", {})) for item in items}


def _any_value(value: Mapping[str, Any]) -> Any:
    """An OTLP AnyValue as a plain value (arrays as lists, key-value lists as dicts)."""
    if "arrayValue" in value:
        return [_any_value(item) for item in value["arrayValue"].get("values", ())]
    if "kvlistValue" in value:
        return _attributes(value["kvlistValue"].get("values", ()))
    if "intValue" in value:
        return int(value["intValue"])  # int64 travels as a string in JSON
    for key in ("stringValue", "boolValue", "doubleValue", "bytesValue"):
        if key in value:
            return value[key]
    return None


def _enum_name(value: int | str, prefix: str, names: tuple[str, ...]) -> str:
    if isinstance(value, str):
        return value.removeprefix(prefix).lower()
    return names[value] if 0 <= value < len(names) else str(value)


def _hex_id(value: str) -> str:
    int(value, 16)  # ValueError if it is not hex
    return value.lower()


def _root_name(spans: list[Span]) -> str:
    ids = {span.span_id for span in spans}
    roots = [span for span in spans if span.parent_span_id not in ids]
    return min(roots, key=lambda span: span.start_ns).name if roots else ""


def _dumps(value: Any) -> str:
    return orjson.dumps(value).decode()


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=4318, help="port (default 4318, OTLP/HTTP)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    web.run_app(trace_store_app(), host=args.host, port=args.port, print=None)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
