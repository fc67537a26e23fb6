"""The verified user claims a request carries, forwarded to subgraphs as `X-BFF-Claims`.

Claims come only from what verified them: the API Gateway event that mangum puts in the ASGI
scope (v2 HTTP API: `requestContext.authorizer.jwt.claims`; v1 REST API:
`requestContext.authorizer.claims`), or `bff serve`'s own JWT check (`bff.http.bearer_auth`).
Client headers are never copied, so a client cannot assert claims of its own.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import Any

import orjson

CLAIMS_HEADER = "X-BFF-Claims"
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


def encode_claims(claims: Mapping[str, Any]) -> str:
    """Unpadded base64url of compact JSON, as in JWTs (subgraphs decode it with
    `services.toolkit.claims.decode_claims`)."""
    compact = orjson.dumps(dict(claims), option=orjson.OPT_SORT_KEYS)
    return base64.urlsafe_b64encode(compact).rstrip(b"=").decode()


def forwarded_claims_headers(scope: Mapping[str, Any]) -> dict[str, str]:
    """The headers to forward to subgraphs for this request (empty without verified claims)."""
    claims = verified_claims(scope)
    return {CLAIMS_HEADER: encode_claims(claims)} if claims else {}
