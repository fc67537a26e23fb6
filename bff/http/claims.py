"""The verified user claims a request carries, from what verified them.

Claims come only from what verified them: the API Gateway event that mangum puts in the ASGI
scope (v2 HTTP API: `requestContext.authorizer.jwt.claims`; v1 REST API:
`requestContext.authorizer.claims`), or `bff serve`'s own JWT check (`bff.http.bearer_auth`).
Client headers are never copied, so a client cannot assert claims of its own. The gateway
forwards them to each subgraph as a token it signs for that subgraph
(`bff.execution.identity_tokens`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# Where `bff serve`'s own JWT check puts the claims it verified in the ASGI scope.
VERIFIED_CLAIMS_KEY = "bff.verified_claims"


def verified_claims(scope: Mapping[str, Any]) -> dict[str, Any] | None:
    """The authorizer's claims from the Lambda event in `scope`, or None (no authorizer)."""
    checked = scope.get(VERIFIED_CLAIMS_KEY)
    if isinstance(checked, Mapping) and checked:
        return dict(checked)
    event = scope.get("aws.event")
    if not isinstance(event, Mapping):
        return None
    authorizer = (event.get("requestContext") or {}).get("authorizer") or {}
    claims = (authorizer.get("jwt") or {}).get("claims") or authorizer.get("claims")
    return dict(claims) if isinstance(claims, Mapping) and claims else None
