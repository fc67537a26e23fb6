"""One HTTP client interface over three ways in: uvicorn over loopback, and the Lambda handler
fed API Gateway REST API (v1) and HTTP API (v2) proxy events, built as API Gateway sends them.

Service tests parametrize over `TRANSPORT_NAMES` so every behaviour is checked on each path.
"""

from __future__ import annotations

import base64
import copy
import json
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from starlette.types import ASGIApp

from services.toolkit.handler import LambdaHandler, create_handler
from services.toolkit.serving import BackgroundServer

EVENTS = Path(__file__).parent / "events"
TRANSPORT_NAMES = ("http", "rest_api_v1", "http_api_v2")


@dataclass(frozen=True)
class Reply:
    status: int
    headers: dict[str, str]  # lower-cased names
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class Transport(Protocol):
    name: str

    def request(
        self,
        method: str,
        path: str,
        *,
        headers: Mapping[str, str] | None = None,
        body: bytes | None = None,
        query: Mapping[str, str] | None = None,
    ) -> Reply: ...


@dataclass
class LoopbackHttp:
    """Real HTTP to a uvicorn server on 127.0.0.1."""

    base_url: str
    name: str = "http"

    def request(
        self,
        method: str,
        path: str,
        *,
        headers: Mapping[str, str] | None = None,
        body: bytes | None = None,
        query: Mapping[str, str] | None = None,
    ) -> Reply:
        url = self.base_url + path + ("?" + urllib.parse.urlencode(query) if query else "")
        request = urllib.request.Request(url, data=body, method=method, headers=dict(headers or {}))
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return Reply(response.status, _lower(response.headers.items()), response.read())
        except urllib.error.HTTPError as error:
            return Reply(error.code, _lower(error.headers.items()), error.read())


@dataclass
class FakeLambdaContext:
    """The attributes of the Lambda runtime's context object that Powertools and mangum read."""

    function_name: str = "students-graphql"
    function_version: str = "$LATEST"
    invoked_function_arn: str = "arn:aws:lambda:eu-west-1:123456789012:function:students-graphql"
    memory_limit_in_mb: int = 512
    aws_request_id: str = ""
    log_group_name: str = "/aws/lambda/students-graphql"
    log_stream_name: str = "2026/11/24/[$LATEST]0123456789abcdef"

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


@dataclass
class ApiGatewayLambda:
    """The Lambda handler invoked with an API Gateway proxy event of the given version."""

    handler: LambdaHandler
    name: str
    base64_bodies: bool = False

    def request(
        self,
        method: str,
        path: str,
        *,
        headers: Mapping[str, str] | None = None,
        body: bytes | None = None,
        query: Mapping[str, str] | None = None,
    ) -> Reply:
        build = rest_api_v1_event if self.name == "rest_api_v1" else http_api_v2_event
        event = build(
            HttpRequest(method, path, headers or {}, body, query or {}, self.base64_bodies)
        )
        result = self.handler(event, FakeLambdaContext(aws_request_id=str(uuid.uuid4())))
        raw = result.get("body") or ""
        payload = base64.b64decode(raw) if result.get("isBase64Encoded") else raw.encode()
        return Reply(result["statusCode"], _lower((result.get("headers") or {}).items()), payload)


def _lower(items: Any) -> dict[str, str]:
    return {name.lower(): value for name, value in items}


def _encode_body(body: bytes | None, base64_body: bool) -> tuple[str | None, bool]:
    if body is None:
        return None, False
    if base64_body:
        return base64.b64encode(body).decode(), True
    return body.decode(), False


@dataclass(frozen=True)
class HttpRequest:
    method: str
    path: str
    headers: Mapping[str, str]
    body: bytes | None
    query: Mapping[str, str]
    base64_body: bool = False  # how API Gateway passes bodies it does not treat as text


def rest_api_v1_event(request: HttpRequest) -> dict[str, Any]:
    """A REST API (v1) proxy event for a `/{proxy+}` resource on stage `prod`."""
    method, path, headers, body, query = (
        request.method,
        request.path,
        request.headers,
        request.body,
        request.query,
    )
    event = copy.deepcopy(json.loads((EVENTS / "rest_api_v1.json").read_text()))
    all_headers = {**event["headers"], **headers}
    if body is not None:
        all_headers["Content-Length"] = str(len(body))
    event.update(
        path=path,
        httpMethod=method,
        headers=all_headers,
        multiValueHeaders={name: [value] for name, value in all_headers.items()},
        queryStringParameters=dict(query) or None,
        multiValueQueryStringParameters={k: [v] for k, v in query.items()} or None,
        pathParameters={"proxy": path.lstrip("/")},
    )
    event["body"], event["isBase64Encoded"] = _encode_body(body, request.base64_body)
    event["requestContext"].update(
        httpMethod=method, path=f"/prod{path}", requestId=str(uuid.uuid4())
    )
    return event


def http_api_v2_event(request: HttpRequest) -> dict[str, Any]:
    """An HTTP API (payload 2.0) event for the `$default` route and stage."""
    method, path, headers, body, query = (
        request.method,
        request.path,
        request.headers,
        request.body,
        request.query,
    )
    event = copy.deepcopy(json.loads((EVENTS / "http_api_v2.json").read_text()))
    # HTTP APIs lower-case header names and join repeated ones with commas.
    event["headers"].update({name.lower(): value for name, value in headers.items()})
    event["headers"]["content-length"] = str(len(body or b""))
    event["rawPath"] = path
    event["rawQueryString"] = urllib.parse.urlencode(query)
    if query:
        event["queryStringParameters"] = dict(query)
    body_text, is_base64 = _encode_body(body, request.base64_body)
    if body_text is not None:
        event["body"] = body_text
    event["isBase64Encoded"] = is_base64
    event["requestContext"]["http"].update(method=method, path=path)
    event["requestContext"]["requestId"] = str(uuid.uuid4())
    return event


@contextmanager
def open_transport(name: str, app: ASGIApp, service_name: str = "test") -> Iterator[Transport]:
    """A transport reaching `app` by `name` (one of TRANSPORT_NAMES)."""
    if name == "http":
        with BackgroundServer(app) as server:
            yield LoopbackHttp(server.url)
        return
    # HTTP APIs send non-text bodies base64-encoded; v2 exercises that decoding path.
    yield ApiGatewayLambda(
        create_handler(app, service_name), name, base64_bodies=name == "http_api_v2"
    )


def graphql(
    transport: Transport,
    query: str,
    variables: Mapping[str, Any] | None = None,
    *,
    api_key: str | None,
    headers: Mapping[str, str] | None = None,
) -> Reply:
    """POST a GraphQL request as the gateway would (JSON body, X-API-Key)."""
    all_headers = {"Content-Type": "application/json", **(headers or {})}
    if api_key is not None:
        all_headers["X-API-Key"] = api_key
    body = json.dumps({"query": query, "variables": dict(variables or {})}).encode()
    return transport.request("POST", "/graphql", headers=all_headers, body=body)
