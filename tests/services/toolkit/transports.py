"""One HTTP client interface over three ways in: uvicorn over loopback, and the Lambda handler
fed API Gateway REST API (v1) and HTTP API (v2) proxy events, built as API Gateway sends them.

Service tests parametrize over `TRANSPORT_NAMES` so every behaviour is checked on each path.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Protocol

from starlette.types import ASGIApp

from services.toolkit.handler import LambdaHandler, create_handler
from services.toolkit.serving import BackgroundServer
from tests.support.api_gateway import (
    FakeLambdaContext,
    http_api_v2_event,
    read_result,
    rest_api_v1_event,
)

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
            method, path, headers=headers, query=query, body=body, base64_body=self.base64_bodies
        )
        return Reply(*read_result(self.handler(event, FakeLambdaContext())))


def _lower(items: Any) -> dict[str, str]:
    return {name.lower(): value for name, value in items}


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
