"""A local API Gateway (HTTP API, payload 2.0) in front of a real Lambda handler.

Each HTTP request becomes the event API Gateway would send, the JWT authorizer runs first (a
rejected token gets 401 and the handler never runs), and the handler's result becomes the HTTP
response. Like one warm Lambda container, invocations run one at a time on a single worker thread:
the handler is synchronous and keeps per-process state (its HTTP session) between invocations.

Public routes: `/health`, the GraphiQL page at `/graphiql` and its assets under `/graphiql/`,
as in the deployed stack, and the JWKS. Locally a browser's GET on `/graphql` (asking for HTML,
without a `query`) also gets the page without a token; in AWS that route needs one, since an
HTTP API route cannot look at `Accept`. Everything that can run an operation needs a token.
A CORS preflight never does: API Gateway answers preflights before any authorizer runs (here the
BFF answers it, from the same allowed origins, `CORS_ALLOW_ORIGINS`).

Each request line ends with `trace=<trace id>`: a request without a W3C `traceparent` gets one,
as API Gateway gives each request an `X-Amzn-Trace-Id`, so the BFF's spans (and its log line's
`trace_id`) carry that id and `bff trace <trace id>` finds them.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import importlib
import logging
import re
import secrets
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import orjson
from aiohttp import web

from bff.clients.identity import client_identity
from bff.devstack.jwt_authorizer import AuthorizedRequest, JwtAuthorizer, JwtRejected
from bff.devstack.subgraph_calls import SubgraphCallCounter

LambdaHandler = Callable[[dict[str, Any], Any], Any]

JWKS_PATH = "/.well-known/jwks.json"
GRAPHQL_PATH = "/graphql"
# A response header through which a handler may report how many subgraph requests a query made;
# the emulator logs it and strips it. The BFF's count comes from `SubgraphCallCounter` instead.
SUBGRAPH_CALLS_HEADER = "x-bff-subgraph-calls"
# API Gateway's own integration timeout for HTTP APIs.
INTEGRATION_TIMEOUT_SECONDS = 30
# https://www.w3.org/TR/trace-context/#traceparent-header: version-traceid-parentid-flags.
TRACEPARENT = re.compile(r"^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$")
TEXT_CONTENT_MARKERS = ("text/", "json", "graphql", "xml", "javascript", "x-www-form-urlencoded")

# Not under the "bff" logger: the BFF configures that one (Powertools, JSON) for Lambda.
log = logging.getLogger("local-apigateway")


@dataclass
class LambdaContext:
    """The attributes of the Lambda context object that handlers and Powertools read."""

    function_name: str
    aws_request_id: str
    memory_limit_in_mb: int = 1024
    function_version: str = "$LATEST"
    deadline: float = field(default_factory=lambda: time.monotonic() + INTEGRATION_TIMEOUT_SECONDS)

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:us-east-1:000000000000:function:{self.function_name}"

    @property
    def log_group_name(self) -> str:
        return f"/aws/lambda/{self.function_name}"

    @property
    def log_stream_name(self) -> str:
        return "local"

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self.deadline - time.monotonic()) * 1000))


def requires_token(method: str, path: str, headers: Mapping[str, str], query: str) -> bool:
    """Whether API Gateway's JWT authorizer guards this request (see the module docstring)."""
    if path != GRAPHQL_PATH or is_preflight(method, headers):
        return False
    is_graphiql_page = (
        method == "GET" and "text/html" in headers.get("accept", "") and "query=" not in query
    )
    return not is_graphiql_page


def is_preflight(method: str, headers: Mapping[str, str]) -> bool:
    """A browser's CORS preflight (lower-cased header names), which carries no credentials."""
    return method == "OPTIONS" and {"origin", "access-control-request-method"} <= headers.keys()


def build_http_api_event(
    *,
    method: str,
    path: str,
    raw_query: str,
    headers: Iterable[tuple[str, str]],
    body: bytes,
    source_ip: str,
    authorized: AuthorizedRequest | None,
    request_id: str,
    now: datetime | None = None,
) -> dict[str, Any]:
    """The API Gateway HTTP API payload format 2.0 event for one request."""
    now = now or datetime.now(UTC)
    # Payload 2.0 lower-cases header names, joins repeated headers with commas and moves
    # cookies out of the headers into their own list.
    lowered: dict[str, str] = {}
    for name, value in headers:
        key = name.lower()
        lowered[key] = f"{lowered[key]},{value}" if key in lowered else value
    cookie_header = lowered.pop("cookie", "")
    cookies = [part.strip() for part in cookie_header.split(";") if part.strip()]
    content_type = lowered.get("content-type", "")
    is_text = _is_text(body, content_type)
    route_key = "$default"
    request_context: dict[str, Any] = {
        "accountId": "000000000000",
        "apiId": "local",
        "domainName": lowered.get("host", "127.0.0.1"),
        "domainPrefix": lowered.get("host", "127.0.0.1").split(".")[0],
        "http": {
            "method": method,
            "path": path,
            "protocol": "HTTP/1.1",
            "sourceIp": source_ip,
            "userAgent": lowered.get("user-agent", ""),
        },
        "requestId": request_id,
        "routeKey": route_key,
        "stage": "$default",
        "time": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
        "timeEpoch": int(now.timestamp() * 1000),
    }
    if authorized is not None:
        request_context["authorizer"] = {
            "jwt": {"claims": authorized.event_claims(), "scopes": authorized.scopes}
        }
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": path,
        "rawQueryString": raw_query,
        "headers": lowered,
        "requestContext": request_context,
        "isBase64Encoded": not is_text,
    }
    if cookies:
        event["cookies"] = cookies
    query_parameters = _query_parameters(raw_query)
    if query_parameters:
        event["queryStringParameters"] = query_parameters
    if body:
        event["body"] = body.decode() if is_text else base64.b64encode(body).decode()
    return event


class ApiGatewayEmulator:
    """An aiohttp application that fronts `handler` the way an HTTP API with a JWT route does."""

    def __init__(
        self,
        handler: LambdaHandler,
        authorizer: JwtAuthorizer,
        *,
        jwks: Mapping[str, Any] | None = None,
        function_name: str = "bff",
        call_counter: SubgraphCallCounter | None = None,
        executor: ThreadPoolExecutor | None = None,
        on_stop: Callable[[], None] | None = None,
    ) -> None:
        self.handler = handler
        # Run on the Lambda's thread when the emulator stops, to release what the handler holds.
        self.on_stop = on_stop
        self.call_counter = call_counter
        self.authorizer = authorizer
        self.jwks = jwks
        self.function_name = function_name
        # One thread is the Lambda's thread: pass the executor the handler was imported on, so
        # module-level state bound to the importing thread (an event loop) is there too.
        self._executor = executor or ThreadPoolExecutor(max_workers=1, thread_name_prefix="lambda")

    def application(self) -> web.Application:
        app = web.Application(client_max_size=10 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        app.on_cleanup.append(self._shutdown)
        return app

    async def _shutdown(self, _app: web.Application) -> None:
        if self.on_stop is not None:
            try:
                await asyncio.get_running_loop().run_in_executor(self._executor, self.on_stop)
            except Exception:
                log.exception("releasing the Lambda handler's resources failed")
        self._executor.shutdown(wait=True)

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        started = time.perf_counter()
        trace_id, traceparent = _trace_context(request.headers.get("traceparent", ""))
        response, subgraph_calls = await self._respond(request, traceparent)
        latency_ms = (time.perf_counter() - started) * 1000
        identity = client_identity({k.lower(): v for k, v in request.headers.items()})
        log.info(
            "%s %s %d %.1fms subgraph_calls=%s client=%s trace=%s",
            request.method,
            request.path,
            response.status,
            latency_ms,
            subgraph_calls,
            # `name@version`, as the BFF identifies it (bff/clients/identity.py); - when unnamed.
            f"{identity.name}@{identity.version}" if identity.version else identity.name or "-",
            trace_id,
        )
        return response

    async def _respond(
        self, request: web.Request, traceparent: str | None
    ) -> tuple[web.Response, str]:
        if request.path == JWKS_PATH and self.jwks is not None:
            return _json_response(200, dict(self.jwks)), "-"
        lowered = {name.lower(): value for name, value in request.headers.items()}
        authorized: AuthorizedRequest | None = None
        if requires_token(request.method, request.path, lowered, request.query_string):
            try:
                authorized = self.authorizer.authorize(lowered.get("authorization"))
            except JwtRejected as rejection:
                return _unauthorized(rejection.reason), "0"
        request_id = str(uuid.uuid4())
        event = build_http_api_event(
            method=request.method,
            # As API Gateway passes it: still percent-encoded.
            path=request.rel_url.raw_path,
            raw_query=request.query_string,
            headers=_with_traceparent(list(request.headers.items()), traceparent),
            body=await request.read(),
            source_ip=request.remote or "127.0.0.1",
            authorized=authorized,
            request_id=request_id,
        )
        context = LambdaContext(function_name=self.function_name, aws_request_id=request_id)
        loop = asyncio.get_running_loop()
        try:
            result = await loop.run_in_executor(self._executor, self.handler, event, context)
            response, subgraph_calls = _http_response(result)
        except Exception:
            log.exception("the Lambda handler raised")
            response = _json_response(500, {"message": "Internal Server Error"})
            subgraph_calls = "-"
        if self.call_counter is not None:
            subgraph_calls = str(self.call_counter.take())
        return response, subgraph_calls


def _trace_context(traceparent: str) -> tuple[str, str | None]:
    """The request's trace id, and the `traceparent` to send instead when it brought none (or an
    invalid one, which the BFF would ignore)."""
    match = TRACEPARENT.match(traceparent.strip().lower())
    if match:
        return match.group(1), None
    trace_id = secrets.token_hex(16)
    return trace_id, f"00-{trace_id}-{secrets.token_hex(8)}-01"


def _with_traceparent(
    headers: list[tuple[str, str]], traceparent: str | None
) -> list[tuple[str, str]]:
    if traceparent is None:
        return headers
    kept = [(name, value) for name, value in headers if name.lower() != "traceparent"]
    return [*kept, ("traceparent", traceparent)]


def _http_response(result: Any) -> tuple[web.Response, str]:
    """The HTTP response API Gateway makes of a payload 2.0 handler result."""
    if not isinstance(result, Mapping) or "statusCode" not in result:
        log.error("the Lambda handler returned no statusCode: %r", type(result))
        return _json_response(500, {"message": "Internal Server Error"}), "-"
    response = web.Response(status=int(result["statusCode"]))
    for name, value in (result.get("headers") or {}).items():
        response.headers[name] = str(value)
    for name, values in (result.get("multiValueHeaders") or {}).items():
        for value in values:
            response.headers.add(name, str(value))
    for cookie in result.get("cookies") or []:
        response.headers.add("Set-Cookie", cookie)
    subgraph_calls = response.headers.pop(SUBGRAPH_CALLS_HEADER, "-")
    body = result.get("body") or ""
    response.body = base64.b64decode(body) if result.get("isBase64Encoded") else body.encode()
    return response, subgraph_calls


def _unauthorized(reason: str) -> web.Response:
    # API Gateway answers `{"message": "Unauthorized"}`; the GraphQL-shaped error next to it
    # tells GraphQL clients why, without any detail of the token itself.
    response = _json_response(
        401,
        {
            "message": "Unauthorized",
            "errors": [{"message": reason, "extensions": {"code": "UNAUTHENTICATED"}}],
        },
    )
    response.headers["WWW-Authenticate"] = 'Bearer error="invalid_token"'
    return response


def _json_response(status: int, payload: Mapping[str, Any]) -> web.Response:
    return web.Response(status=status, body=orjson.dumps(payload), content_type="application/json")


def _is_text(body: bytes, content_type: str) -> bool:
    """Whether API Gateway passes the body as text: a text type and valid UTF-8. Anything else
    (binary, or bytes that do not decode, whatever the declared type) arrives base64-encoded."""
    if not body:
        return True
    if not any(marker in content_type for marker in TEXT_CONTENT_MARKERS):
        return False
    try:
        body.decode()
    except UnicodeDecodeError:
        return False
    return True


def _query_parameters(raw_query: str) -> dict[str, str]:
    parameters: dict[str, str] = {}
    for name, value in parse_qsl(raw_query, keep_blank_values=True):
        parameters[name] = f"{parameters[name]},{value}" if name in parameters else value
    return parameters


def load_handler(dotted: str) -> LambdaHandler:
    """`package.module:attribute` -> the callable, as Lambda resolves its Handler setting."""
    module_name, _, attribute = dotted.replace(":", ".").rpartition(".")
    handler = getattr(importlib.import_module(module_name), attribute)
    if not callable(handler):
        raise TypeError(f"{dotted} is not callable")
    return handler


def handler_closer(dotted: str) -> Callable[[], None] | None:
    """For a handler module holding an ASGI `app` with `close()` (the BFF's): a call, to run on
    the Lambda's thread, that closes the app and then the event loop the module set there."""
    module_name, _, _ = dotted.replace(":", ".").rpartition(".")
    close = getattr(getattr(importlib.import_module(module_name), "app", None), "close", None)
    if close is None:
        return None

    def close_app_and_loop() -> None:
        # Without it the process ends with aiohttp's "Unclosed client session" warning.
        loop = asyncio.get_event_loop()
        try:
            loop.run_until_complete(close())
        finally:
            loop.close()

    return close_app_and_loop


def main(argv: list[str] | None = None) -> int:
    """Run the emulator in this process (the local stack starts it as its own process)."""
    from bff.devstack.jwt_keys import DEV_AUDIENCE, DEV_ISSUER, load_or_create_signing_key

    parser = argparse.ArgumentParser(prog="python -m bff.devstack.apigateway")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--handler", default="bff.handler.handler")
    parser.add_argument("--key-dir", type=Path, default=Path(".dev"))
    parser.add_argument("--issuer", default=DEV_ISSUER)
    parser.add_argument("--audience", default=DEV_AUDIENCE)
    args = parser.parse_args(argv)
    output = logging.StreamHandler()
    output.setFormatter(logging.Formatter("%(asctime)s bff  %(message)s", datefmt="%X"))
    log.addHandler(output)
    log.setLevel(logging.INFO)
    log.propagate = False
    jwks = load_or_create_signing_key(args.key_dir).jwks()
    authorizer = JwtAuthorizer(issuer=args.issuer, audience=args.audience, jwks=jwks)
    call_counter = SubgraphCallCounter()
    # Lambda imports the handler (its init phase) on the thread that then runs every invocation.
    executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="lambda")
    handler = executor.submit(load_handler, args.handler).result()
    emulator = ApiGatewayEmulator(
        handler,
        authorizer,
        jwks=jwks,
        call_counter=call_counter if call_counter.install() else None,
        executor=executor,
        on_stop=handler_closer(args.handler),
    )
    web.run_app(emulator.application(), host=args.host, port=args.port, print=None, access_log=None)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
