"""The record of one GraphQL request, filled while it runs and reported when it is answered."""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from bff.clients.identity import client_identity
from bff.document_hash import document_hash


@dataclass(slots=True)
class SubgraphCall:
    """One call to a subgraph: how long it took and whether it gave a usable answer."""

    subgraph: str
    milliseconds: float
    ok: bool
    breaker_open: bool = False


@dataclass(slots=True)
class RequestRecord:
    """What one request did. Fetches run in tasks of the request, which share this object."""

    client_name: str | None = None
    client_version: str | None = None
    trace_id: str | None = None
    operation_name: str | None = None
    operation_hash: str | None = None
    status: int = 0
    outcome: str = ""
    milliseconds: float = 0.0
    subgraph_calls: list[SubgraphCall] = field(default_factory=list)

    @classmethod
    def from_headers(cls, headers: dict[str, str]) -> RequestRecord:
        """A record naming the client and trace the (lower-cased) request headers carry."""
        client = client_identity(headers)
        return cls(
            client_name=client.name,
            client_version=client.version,
            trace_id=trace_id_from_headers(headers),
        )

    def name_operation(self, query: str | None, operation_name: str | None) -> None:
        self.operation_name = operation_name
        if query:
            self.operation_hash = document_hash(query)

    def as_log_fields(self) -> dict[str, Any]:
        """The fields of the request's log line (names Powertools does not use itself)."""
        return {
            "operation_name": self.operation_name,
            "operation_hash": self.operation_hash,
            "client_name": self.client_name,
            "client_version": self.client_version,
            "status": self.status,
            "outcome": self.outcome,
            "latency_ms": round(self.milliseconds, 2),
            "subgraph_calls": [
                {"subgraph": c.subgraph, "latency_ms": round(c.milliseconds, 2), "ok": c.ok}
                for c in self.subgraph_calls
            ],
            "trace_id": self.trace_id,
        }


current_request: ContextVar[RequestRecord | None] = ContextVar("current_request", default=None)


def trace_id_from_headers(headers: dict[str, str]) -> str | None:
    """The W3C trace id of `traceparent`, else the root of API Gateway's `x-amzn-trace-id`."""
    traceparent = headers.get("traceparent", "")
    parts = traceparent.split("-")
    if len(parts) == 4 and len(parts[1]) == 32:
        return parts[1]
    for item in headers.get("x-amzn-trace-id", "").split(";"):
        key, _, value = item.strip().partition("=")
        if key == "Root" and value:
            return value
    return None
