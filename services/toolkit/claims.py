"""The user claims the BFF forwards to subgraphs in `X-BFF-Claims` (base64url-encoded JSON).

The BFF verified the JWT already; subgraphs only read the claims (no decisions are made here
yet). A header that is present but unreadable is answered with 400 before GraphQL runs.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

import orjson
from starlette.types import ASGIApp, Receive, Scope, Send

from services.toolkit.errors import ErrorCode, send_json_error

CLAIMS_HEADER = b"x-bff-claims"
CLAIMS_STATE_KEY = "bff_claims"


class MalformedClaimsError(ValueError):
    """`X-BFF-Claims` is not base64url-encoded JSON object."""


def encode_claims(claims: dict[str, Any]) -> str:
    """The header value for `claims` (what the BFF sends), unpadded base64url JSON."""
    return base64.urlsafe_b64encode(orjson.dumps(claims)).rstrip(b"=").decode()


def decode_claims(value: str | bytes) -> dict[str, Any]:
    """Parse a header value; padding is optional, as base64url in JWTs omits it."""
    raw = value.encode() if isinstance(value, str) else value
    try:
        decoded = base64.urlsafe_b64decode(raw + b"=" * (-len(raw) % 4))
        claims = orjson.loads(decoded)
    except (binascii.Error, ValueError) as error:
        raise MalformedClaimsError("X-BFF-Claims is not base64url-encoded JSON") from error
    if not isinstance(claims, dict):
        raise MalformedClaimsError("X-BFF-Claims must encode a JSON object")
    return claims


class ForwardedClaimsMiddleware:
    """Parse `X-BFF-Claims` once per request into `scope["state"]` for the GraphQL context."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        value = next((v for name, v in scope["headers"] if name == CLAIMS_HEADER), None)
        claims = None
        if value is not None:
            try:
                claims = decode_claims(value)
            except MalformedClaimsError as error:
                await send_json_error(send, 400, str(error), ErrorCode.BAD_USER_INPUT)
                return
        scope.setdefault("state", {})[CLAIMS_STATE_KEY] = claims
        await self.app(scope, receive, send)
