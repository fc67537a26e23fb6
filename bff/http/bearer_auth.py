"""JWT verification in the BFF itself, for `bff serve` in a container behind a load balancer.

In AWS the API Gateway JWT authorizer verifies the token before the Lambda runs; a container
has no such gateway in front, so this ASGI wrapper does the same check (RS256 from a JWKS URL,
issuer and audience, the rules of `bff.devstack.jwt_authorizer`) on every route that can run an
operation, and hands the verified claims to the app as the authorizer would.
"""

from __future__ import annotations

import asyncio
from typing import Any

import orjson

from bff.devstack.jwt_authorizer import JwtAuthorizer, JwtRejected
from bff.http.claims import VERIFIED_CLAIMS_KEY

_GRAPHQL_PATH = "/graphql"


class BearerAuthApp:
    """Wraps an ASGI app: requests to /graphql need a valid bearer token, or get 401."""

    def __init__(self, app: Any, authorizer: JwtAuthorizer) -> None:
        self.app = app
        self.authorizer = authorizer

    def __getattr__(self, name: str) -> Any:
        # `gateway`, `config`, `close` ... of the wrapped app stay reachable.
        return getattr(self.app, name)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or not _needs_token(scope):
            await self.app(scope, receive, send)
            return
        header = _header(scope, b"authorization")
        try:
            # PyJWKClient fetches the JWKS with blocking I/O when its cache misses.
            authorized = await asyncio.to_thread(self.authorizer.authorize, header)
        except JwtRejected as rejection:
            await _unauthorized(send, rejection.reason)
            return
        await self.app({**scope, VERIFIED_CLAIMS_KEY: authorized.claims}, receive, send)


def _needs_token(scope: Any) -> bool:
    # As behind API Gateway: CORS preflights, /health and GraphiQL's page and assets are public.
    if scope["path"] != _GRAPHQL_PATH or scope["method"] == "OPTIONS":
        return False
    if scope["method"] != "GET":
        return True
    query = scope.get("query_string", b"")
    is_page = b"text/html" in (_header(scope, b"accept") or "").encode() and b"query=" not in query
    return not is_page


def _header(scope: Any, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return value.decode("latin-1")
    return None


async def _unauthorized(send: Any, reason: str) -> None:
    body = orjson.dumps(
        {
            "message": "Unauthorized",
            "errors": [{"message": reason, "extensions": {"code": "UNAUTHENTICATED"}}],
        }
    )
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"www-authenticate", b'Bearer error="invalid_token"'),
    ]
    await send({"type": "http.response.start", "status": 401, "headers": headers})
    await send({"type": "http.response.body", "body": body})
