"""`create_app`: the ASGI app of a subgraph (GraphQL at /graphql behind the API-key check).

Layers, outermost first: Starlette's error guard (500 without details),
`TraceContextMiddleware` (the caller's W3C `traceparent`: trace id for logs), `ApiKeyMiddleware`
(401 on any route without a valid key), `IdentityMiddleware` (the signed
X-BFF-Identity), then the
router with strawberry's GraphQL view on `/graphql` (POST, and GET for queries; GraphiQL off).
Unknown paths answer 404 in the same GraphQL-shaped JSON as other pre-GraphQL errors.
"""

from __future__ import annotations

from typing import Any

from cross_web import HTTPException as CrossWebHTTPException
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.schema import BaseSchema

from services.toolkit.api_keys import ApiKeyMiddleware, ApiKeys
from services.toolkit.context import SubgraphContext
from services.toolkit.errors import ErrorCode, error_body
from services.toolkit.identity import (
    IDENTITY_STATE_KEY,
    IdentityMiddleware,
    IdentityVerifier,
    verifier_from_environment,
)
from services.toolkit.trace_context import TRACE_STATE_KEY, TraceContextMiddleware

GRAPHQL_PATH = "/graphql"


class SubgraphGraphQL(GraphQL):
    """strawberry's ASGI view, giving resolvers a `SubgraphContext`."""

    def __init__(self, schema: BaseSchema, resources: Any) -> None:
        super().__init__(schema, graphql_ide=None, subscription_protocols=())
        self.resources = resources

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # As strawberry's own, but protocol errors (bad JSON, a mutation over GET, ...) answer
        # in the same GraphQL-shaped JSON as every other error instead of plain text.
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        request = Request(scope=scope, receive=receive)
        try:
            response = await self.run(request)
        except CrossWebHTTPException as error:
            response = _json_error(error.status_code, error.reason)
        await response(scope, receive, send)

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> SubgraphContext[Any]:
        assert isinstance(request, Request) and isinstance(response, Response)
        return SubgraphContext(
            request=request,
            response=response,
            resources=self.resources,
            identity=request.scope.get("state", {}).get(IDENTITY_STATE_KEY),
            trace_id=request.scope.get("state", {}).get(TRACE_STATE_KEY),
        )


def _json_error(status_code: int, message: str) -> Response:
    code = ErrorCode.NOT_FOUND if status_code == 404 else ErrorCode.BAD_USER_INPUT
    return Response(
        error_body(message, code), status_code=status_code, media_type="application/json"
    )


async def _http_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, HTTPException)
    return _json_error(error.status_code, error.detail)


def create_app(
    schema: BaseSchema,
    service_name: str,
    *,
    resources: Any = None,
    api_keys: ApiKeys | None = None,
    identity: IdentityVerifier | None = None,
) -> ASGIApp:
    """The subgraph's ASGI app, the same under uvicorn and under mangum in Lambda.

    `resources` is handed to resolvers as `info.context.resources` (create clients once per
    process and pass them in); `api_keys` defaults to `ApiKeys.from_environment()`, `identity`
    (the verifier of the BFF's signed tokens) to `CLAIMS_KEYS` / `CLAIMS_KEY_SECRET_ID`.
    """
    keys = api_keys if api_keys is not None else ApiKeys.from_environment()
    verifier = identity if identity is not None else verifier_from_environment(service_name)
    return Starlette(
        routes=[Route(GRAPHQL_PATH, SubgraphGraphQL(schema, resources))],
        middleware=[
            Middleware(TraceContextMiddleware, service_name=service_name),
            Middleware(ApiKeyMiddleware, api_keys=keys, service_name=service_name),
            Middleware(IdentityMiddleware, verifier=verifier, service_name=service_name),
        ],
        exception_handlers={HTTPException: _http_error},
    )
