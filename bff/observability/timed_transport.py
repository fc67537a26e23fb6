"""Times every subgraph call into the running request's record, at the transport boundary,
inside a `graphql.fetch` span whose trace context the subgraph receives (when tracing is on)."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from bff.execution.header_propagation import PerSubgraphHeaders
from bff.execution.transport import SubgraphEndpoint, SubgraphTransport
from bff.observability.request_record import SubgraphCall, current_request
from bff.observability.tracing import fetch_span, tracing_enabled


class TimedTransport:
    """A `SubgraphTransport` whose `fetch` is timed; everything else is the wrapped one's.

    A call shared with another request in flight is timed by each request that waited on it.
    """

    def __init__(self, transport: SubgraphTransport) -> None:
        self.wrapped = transport

    def __getattr__(self, name: str) -> Any:
        return getattr(self.wrapped, name)

    async def fetch(
        self,
        endpoint: SubgraphEndpoint,
        payload: dict[str, Any],
        headers: Mapping[str, str] | PerSubgraphHeaders,
    ) -> dict[str, Any]:
        if tracing_enabled():
            # This subgraph's headers (the verified user's token is signed for each), copied to
            # get this call's traceparent.
            if not isinstance(headers, Mapping):
                headers = headers.for_subgraph(endpoint.name)
            headers = dict(headers)
        record = current_request.get()
        if record is None:
            with fetch_span(endpoint.name, headers):  # type: ignore[arg-type]
                return await self.wrapped.fetch(endpoint, payload, headers)  # type: ignore[arg-type]
        started = time.perf_counter()
        ok = False
        try:
            with fetch_span(endpoint.name, headers):  # type: ignore[arg-type]
                response = await self.wrapped.fetch(endpoint, payload, headers)  # type: ignore[arg-type]
            ok = not response.get("errors")
            return response
        finally:  # a SubgraphFetchError leaves ok False
            elapsed = (time.perf_counter() - started) * 1000
            record.subgraph_calls.append(
                SubgraphCall(endpoint.name, elapsed, ok, self._breaker_open(endpoint.name))
            )

    def _breaker_open(self, subgraph: str) -> bool:
        breakers = getattr(self.wrapped, "breakers", None)
        if breakers is None:
            return False
        # This subgraph's breaker alone (every call asks: not the states of all of them).
        return str(breakers.state_of(subgraph)) == "open"
