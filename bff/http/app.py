"""The BFF's ASGI app: GraphQL over HTTP on /graphql, GraphiQL on /graphiql, and /health.

Raw ASGI rather than a framework: every request pays for routing and middleware, and the
gateway needs only three routes. The same app runs under uvicorn (`bff serve`) and under mangum
in Lambda (`bff/handler.py`).
"""

from __future__ import annotations

import dataclasses
import hmac
import time
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import orjson
from aws_lambda_powertools import Logger

from bff.clients.identity import client_identity
from bff.config import GatewaySettings
from bff.execution.deadline import request_deadline
from bff.gateway import (
    INTERNAL_SERVER_ERROR,
    Gateway,
    GraphQLRequestError,
    OperationNotAllowedError,
    SupergraphUnavailableError,
)
from bff.http.assets import DEFAULT_STATIC_DIR, StaticAssets
from bff.http.claims import verified_claims
from bff.http.cors import ALLOWED_METHODS, CORSPolicy, Headers
from bff.http.graphiql import graphiql_page
from bff.http.graphql_params import (
    HTTPRequestError,
    params_from_json_body,
    params_from_query_string,
)
from bff.http.media_types import (
    GRAPHQL_RESPONSE_JSON,
    JSON,
    negotiate_graphql_media_type,
    prefers_html,
)
from bff.observability.request_log import log_request
from bff.observability.request_record import RequestRecord, current_request
from bff.observability.timed_transport import TimedTransport
from bff.observability.tracing import configure_tracing, current_trace_id, request_span

logger = Logger(service="bff", child=True)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

GRAPHQL_PATH = "/graphql"
# GraphiQL's own address: public in AWS, where every route to /graphql has the JWT authorizer.
GRAPHIQL_PATH = "/graphiql"
# Readiness (a supergraph is loaded); `/health/ready` says the same. Liveness: the process answers.
HEALTH_PATH = "/health"
READY_PATH = "/health/ready"
LIVE_PATH = "/health/live"
ASSETS_PREFIX = "/graphiql/"

_CONTENT_TYPES = {
    GRAPHQL_RESPONSE_JSON: b"application/graphql-response+json; charset=utf-8",
    JSON: b"application/json; charset=utf-8",
}
_JSON_CONTENT_TYPE = _CONTENT_TYPES[JSON]
_GRAPHQL_ALLOW = (b"allow", ALLOWED_METHODS)  # what /graphql allows is what CORS grants


class Outcome:
    """What became of a GraphQL request, as reported to `GraphQLApp.observe`."""

    EXECUTED = "Executed"  # answered without errors
    PARTIAL = "ExecutedWithErrors"  # answered with field or subgraph errors
    INVALID = "Invalid"  # syntax, validation, operation or variables error: nothing ran
    MALFORMED = "Malformed"  # not a well-formed GraphQL-over-HTTP request
    UNAVAILABLE = "SupergraphUnavailable"
    FAILED = "InternalError"


class GraphQLApp:
    """An ASGI app serving one `Gateway`."""

    def __init__(
        self,
        gateway: Gateway,
        config: GatewaySettings,
        *,
        assets: StaticAssets | None = None,
        observe: Callable[[str], None] | None = None,
    ) -> None:
        self.gateway = gateway
        self.config = config
        # Told the outcome of every GraphQL request (see `Outcome`); the Lambda handler turns
        # outcomes into CloudWatch metrics.
        self.observe = observe
        # Told every GraphQL request's record once answered: one log line by default; the
        # Lambda handler adds per-subgraph metrics.
        self.record_request: Callable[[RequestRecord], None] | None = log_request
        configure_tracing(config.tracing_exporter)
        # Every subgraph call is timed into the running request's record.
        if not isinstance(gateway.transport, TimedTransport):
            gateway.transport = TimedTransport(gateway.transport)  # type: ignore[assignment]
        self.cors = CORSPolicy.from_origins(config.cors_allow_origins)
        static_dir = Path(config.graphiql_assets_dir or DEFAULT_STATIC_DIR)
        self.assets = assets or StaticAssets(static_dir)
        self.graphiql_page = graphiql_page(
            config.graphiql_default_headers, persist_headers=config.graphiql_persist_headers
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await self._http(scope, receive, send)
        elif scope["type"] == "lifespan":
            await self._lifespan(receive, send)
        elif scope["type"] == "websocket":
            # No subscriptions: refuse the handshake instead of leaving it hanging.
            await send({"type": "websocket.close", "code": 1003})

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await self._warm_up()
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.close()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def close(self) -> None:
        """Close the pooled subgraph connections: at lifespan shutdown (`bff serve`), and when
        the local API Gateway stops (Lambda itself never tells a function it is stopping)."""
        await self.gateway.close()

    async def _warm_up(self) -> None:
        # Load the supergraph before the first request; a registry that is not ready yet is
        # retried on the first request instead of failing the server's start.
        try:
            await self.gateway.current()
        except SupergraphUnavailableError as error:
            logger.warning("no supergraph at startup", error=str(error))

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = _request_headers(scope)
        origin = headers.get("origin")
        path, method = scope["path"], scope["method"]
        if method == "OPTIONS" and origin and "access-control-request-method" in headers:
            await self._preflight(send, origin, headers.get("access-control-request-headers"))
            return
        cors = self.cors.response_headers(origin)
        if method == "HEAD":
            send = _headers_only(send)
        if path == GRAPHQL_PATH:
            await self._graphql(scope, receive, send, headers, cors)
        elif path in (HEALTH_PATH, READY_PATH) and method in ("GET", "HEAD"):
            await self._readiness(send, cors, headers)
        elif path == LIVE_PATH and method in ("GET", "HEAD"):
            await _send_json(send, 200, {"status": "ok"}, cors)
        elif path == GRAPHIQL_PATH and method in ("GET", "HEAD") and self.config.graphiql_enabled:
            await _send_graphiql(send, self.graphiql_page, cors)
        elif path.startswith(ASSETS_PREFIX) and method in ("GET", "HEAD"):
            await self._asset(send, path[len(ASSETS_PREFIX) :], headers)
        else:
            await _send_json(send, 404, {"message": "Not found."}, cors)

    async def _preflight(self, send: Send, origin: str, requested: str | None) -> None:
        allowed = self.cors.preflight_headers(origin, requested)
        if allowed is None:
            await _send_json(send, 403, {"message": f"Origin {origin} is not allowed."}, [])
        else:
            await _send(send, 204, b"", None, allowed)

    async def _graphql(
        self, scope: Scope, receive: Receive, send: Send, headers: dict[str, str], cors: Headers
    ) -> None:
        method = scope["method"]
        if method == "OPTIONS":
            await _send(send, 204, b"", None, [*cors, _GRAPHQL_ALLOW])
            return
        if method not in ("GET", "POST"):
            body = _errors(
                f"Method {method} is not allowed; use GET or POST.", "METHOD_NOT_ALLOWED"
            )
            await _send_json(send, 405, body, [*cors, _GRAPHQL_ALLOW])
            return
        accept = headers.get("accept")
        if method == "GET" and self.config.graphiql_enabled and _is_page_request(scope, accept):
            await _send_graphiql(send, self.graphiql_page, cors)
            return
        media_type = negotiate_graphql_media_type(accept)
        if media_type is None:
            message = (
                f"Cannot answer with any type in Accept: {accept}; use {GRAPHQL_RESPONSE_JSON}."
            )
            await _send_json(send, 406, _errors(message, "NOT_ACCEPTABLE"), cors)
            return
        record = RequestRecord.from_headers(headers)
        started = time.perf_counter()
        token = current_request.set(record)
        try:
            with request_span(headers):
                record.trace_id = current_trace_id() or record.trace_id
                status, extra_headers, result, outcome = await self._execute(
                    scope, receive, headers, media_type, record
                )
        finally:
            current_request.reset(token)
        record.status, record.outcome = status, outcome
        record.milliseconds = (time.perf_counter() - started) * 1000
        if self.observe is not None:
            self.observe(outcome)
        if self.record_request is not None:
            self.record_request(record)
        content_type = _CONTENT_TYPES[media_type]
        await _send(send, status, orjson.dumps(result), content_type, [*cors, *extra_headers])

    async def _execute(
        self,
        scope: Scope,
        receive: Receive,
        headers: dict[str, str],
        media_type: str,
        record: RequestRecord,
    ) -> tuple[int, Headers, dict[str, Any], str]:
        """Run the request; returns (status, extra headers, body, outcome) per graphql-over-http."""
        get = scope["method"] == "GET"
        # Set on arrival: reading the body counts too. In Lambda, mangum gives the context.
        deadline = request_deadline(self.config.request_deadline_seconds, scope.get("aws.context"))
        try:
            if get:
                request = params_from_query_string(scope.get("query_string", b""))
            else:
                _require_json_content_type(headers)
                request = params_from_json_body(await self._read_body(receive, headers))
            request = dataclasses.replace(request, client=client_identity(headers))
            record.name_operation(request.query, request.operation_name)
            result = await self.gateway.execute(
                request,
                claims=verified_claims(scope),
                query_only=get,
                deadline=deadline,
            )
            outcome = Outcome.PARTIAL if result.get("errors") else Outcome.EXECUTED
            return 200, [], result, outcome
        except HTTPRequestError as error:
            body = _errors(error.message, error.code)
            return error.status, error.headers, body, Outcome.MALFORMED
        except GraphQLRequestError as error:
            # The spec's media type reports a request that never executed with 400; legacy
            # `application/json` clients expect 200 with the errors.
            status = 400 if media_type == GRAPHQL_RESPONSE_JSON else 200
            return status, [], {"errors": error.errors}, Outcome.INVALID
        except OperationNotAllowedError as error:
            body = _errors(str(error), "METHOD_NOT_ALLOWED")
            return 405, [(b"allow", b"POST")], body, Outcome.MALFORMED
        except SupergraphUnavailableError as error:
            body = _errors(str(error), "SUPERGRAPH_UNAVAILABLE")
            return 503, [(b"retry-after", b"5")], body, Outcome.UNAVAILABLE
        except Exception:
            # Logged with its traceback for operators; clients never see internals.
            logger.exception("unexpected error while serving a GraphQL request")
            body = {**_errors("Internal server error.", INTERNAL_SERVER_ERROR), "data": None}
            return 200, [], body, Outcome.FAILED

    async def _read_body(self, receive: Receive, headers: dict[str, str]) -> bytes:
        limit = self.config.max_body_bytes
        too_large = HTTPRequestError(413, f"The request body is larger than {limit} bytes.")
        declared = headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            raise too_large
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                raise HTTPRequestError(400, "The client disconnected before sending the body.")
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                raise too_large
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)

    async def _readiness(self, send: Send, cors: Headers, headers: dict[str, str]) -> None:
        """200 once a supergraph is loaded, else 503. The version and each subgraph's breaker
        state only for a caller with the health token: internals are no one else's business."""
        detailed = "authorization" in headers and _has_token(headers, await self._health_token())
        try:
            served = await self.gateway.current()
        except Exception as error:
            if not isinstance(error, SupergraphUnavailableError):
                logger.exception("health check failed")
            body: dict[str, Any] = {"status": "unavailable"}
            if detailed:
                body.update(supergraphVersion=None, services=[])
            await _send_json(send, 503, body, cors)
            return
        body = {"status": "ok"}
        if detailed:
            breakers = self.gateway.transport.breakers.states()
            body["supergraphVersion"] = served.version
            body["services"] = [
                {"name": name, "breaker": str(breakers.get(name, "closed"))}
                for name in sorted(served.endpoints)
            ]
        await _send_json(send, 200, body, cors)

    async def _health_token(self) -> str | None:
        """`HEALTH_TOKEN`, or the one in the `HEALTH_TOKEN_SECRET_ID` secret (AWS)."""
        secret_id = self.config.health_token_secret_id
        if self.config.health_token or not secret_id:
            return self.config.health_token
        secrets = self.gateway.secrets
        await secrets.load((secret_id,))
        token = secrets.get(secret_id)
        return token.strip() if token else None

    async def _asset(self, send: Send, name: str, headers: dict[str, str]) -> None:
        asset = self.assets.get(name)
        if asset is None:
            await _send_json(send, 404, {"message": f"No asset named {name!r}."}, [])
            return
        common: Headers = [
            (b"etag", asset.etag.encode()),
            (b"cache-control", b"public, max-age=86400"),
            (b"vary", b"Accept-Encoding"),
        ]
        if headers.get("if-none-match") == asset.etag:
            await _send(send, 304, b"", None, common)
            return
        if asset.gzip_body is not None and "gzip" in headers.get("accept-encoding", ""):
            encoded: Headers = [*common, (b"content-encoding", b"gzip")]
            await _send(send, 200, asset.gzip_body, asset.content_type.encode(), encoded)
            return
        await _send(send, 200, asset.body, asset.content_type.encode(), common)


def _has_token(headers: dict[str, str], token: str | None) -> bool:
    if not token:
        return False
    scheme, _, given = headers.get("authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(
        given.strip().encode(), token.encode()
    )


def _is_page_request(scope: Scope, accept: str | None) -> bool:
    """A browser navigating to /graphql (no GraphQL parameters) gets GraphiQL."""
    if not prefers_html(accept):
        return False
    query_string = scope.get("query_string", b"").decode("latin-1")
    return all(name != "query" for name, _ in parse_qsl(query_string, keep_blank_values=True))


def _require_json_content_type(headers: dict[str, str]) -> None:
    content_type = headers.get("content-type")
    if content_type is None:
        raise HTTPRequestError(415, "Missing Content-Type; send application/json.")
    if content_type.split(";", 1)[0].strip().lower() != JSON:
        raise HTTPRequestError(
            415, f"Unsupported Content-Type {content_type!r}; send application/json."
        )


def _request_headers(scope: Scope) -> dict[str, str]:
    # ASGI header names are lower-case bytes; the first of repeated headers wins.
    headers: dict[str, str] = {}
    for name, value in scope.get("headers", ()):
        headers.setdefault(name.decode("latin-1"), value.decode("latin-1"))
    return headers


def _headers_only(send: Send) -> Send:
    """A `send` for HEAD requests: the GET response's headers (length included), no body."""

    async def send_headers(message: Message) -> None:
        if message["type"] == "http.response.body":
            message = {**message, "body": b""}
        await send(message)

    return send_headers


def _errors(message: str, code: str) -> dict[str, Any]:
    return {"errors": [{"message": message, "extensions": {"code": code}}]}


async def _send_graphiql(send: Send, page: bytes, headers: Headers) -> None:
    await _send(send, 200, page, b"text/html; charset=utf-8", headers)


async def _send_json(send: Send, status: int, body: Any, headers: Headers) -> None:
    await _send(send, status, orjson.dumps(body), _JSON_CONTENT_TYPE, headers)


async def _send(
    send: Send, status: int, body: bytes, content_type: bytes | None, headers: Headers
) -> None:
    response_headers = [(b"content-length", str(len(body)).encode()), *headers]
    if content_type is not None:
        response_headers.append((b"content-type", content_type))
    await send({"type": "http.response.start", "status": status, "headers": response_headers})
    await send({"type": "http.response.body", "body": body})


def create_app(
    config: GatewaySettings | None = None, *, gateway: Gateway | None = None
) -> GraphQLApp:
    """The app for this process's settings: supergraph from `SUPERGRAPH_FILE` or the registry."""
    from bff.config import settings
    from bff.gateway import provider_from_settings

    config = config or settings()
    if gateway is None:
        gateway = Gateway(provider_from_settings(config), config)
        # Keys from configuration are read now (Lambda's init phase): a misconfigured secret
        # stops the process at start instead of failing requests.
        gateway.api_keys.read_configured()
    return GraphQLApp(gateway, config)
