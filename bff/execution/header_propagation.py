"""Which headers a subgraph request carries: its API key, JSON content types, forwarded headers.

The edge decides what to forward (the verified user, as a JWT signed for each subgraph in
`X-BFF-Identity`: `bff.execution.identity_tokens`; never raw client headers); this module only
refuses forwarded headers that would change the request itself (framing, host, content type)
or impersonate the gateway's own credentials (`X-API-Key`).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from bff.execution.transport import SubgraphEndpoint

API_KEY_HEADER = "X-API-Key"

# Lower-cased names a forwarded header may not set: the transport owns them.
_RESERVED = frozenset(
    {
        "x-api-key",
        "content-type",
        "content-length",
        "accept",
        "accept-encoding",
        "host",
        "connection",
        "keep-alive",
        "transfer-encoding",
        "te",
        "trailer",
        "upgrade",
        "proxy-authorization",
        "proxy-connection",
    }
)


class PerSubgraphHeaders(Protocol):
    """Forwarded headers that differ by subgraph (`identity_tokens.ForwardedIdentity`)."""

    def for_subgraph(self, name: str) -> Mapping[str, str]: ...


def outgoing_headers(
    endpoint: SubgraphEndpoint, forwarded: Mapping[str, str] | PerSubgraphHeaders
) -> dict[str, str]:
    """The headers for one subgraph request: the endpoint's base headers plus forwarded ones."""
    if not isinstance(forwarded, Mapping):
        forwarded = forwarded.for_subgraph(endpoint.name)
    headers = dict(_base_headers(endpoint.api_key))
    for name, value in forwarded.items():
        if name.lower() not in _RESERVED:
            headers[name] = value
    return headers


@lru_cache(maxsize=128)
def _base_headers(api_key: str | None) -> tuple[tuple[str, str], ...]:
    headers = [
        ("Content-Type", "application/json"),
        ("Accept", "application/graphql-response+json, application/json"),
    ]
    if api_key:
        headers.append((API_KEY_HEADER, api_key))
    return tuple(headers)
