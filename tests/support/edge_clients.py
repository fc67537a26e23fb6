"""Three ways to send one HTTP request to the BFF: straight to the ASGI app, or through the
Lambda handler as an API Gateway REST (v1) or HTTP API (v2) event.

One HTTP test suite is parametrised over them, so the ASGI app and the handler answer alike.
All three run on the event loop the caller made current, as the handler does in Lambda.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlencode

import orjson

from bff.http.app import GraphQLApp
from bff.http.lambda_adapter import build_handler
from tests.support.api_gateway import (
    FakeLambdaContext,
    http_api_v2_event,
    read_result,
    rest_api_v1_event,
)

SOURCE_IP = "203.0.113.7"


@dataclass(frozen=True)
class EdgeResponse:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return orjson.loads(self.body)

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")


class EdgeClient(Protocol):
    name: str

    def request(
        self,
        method: str,
        path: str,
        *,
        headers: Mapping[str, str] | None = None,
        query: Mapping[str, str] | None = None,
        body: bytes | None = None,
        claims: Mapping[str, Any] | None = None,
    ) -> EdgeResponse: ...


def post_json(client: EdgeClient, payload: Any, **kwargs: Any) -> EdgeResponse:
    headers = {"content-type": "application/json", **kwargs.pop("headers", {})}
    return client.request("POST", "/graphql", headers=headers, body=orjson.dumps(payload), **kwargs)


class ASGIClient:
    """Calls the ASGI app directly (what uvicorn does)."""

    name = "asgi"

    def __init__(self, app: GraphQLApp, loop: asyncio.AbstractEventLoop) -> None:
        self.app = app
        self.loop = loop

    def request(self, method, path, *, headers=None, query=None, body=None, claims=None):
        scope: dict[str, Any] = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": method,
            "path": path,
            "raw_path": path.encode(),
            "query_string": urlencode(query or {}).encode(),
            "headers": [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()],
            "client": (SOURCE_IP, 50000),
            "server": ("127.0.0.1", 4000),
        }
        if claims is not None:
            # Only Lambda events carry verified claims; uvicorn requests never do.
            raise ValueError("the ASGI client cannot carry authorizer claims")
        return self.loop.run_until_complete(self._call(scope, body or b""))

    async def _call(self, scope: dict[str, Any], body: bytes) -> EdgeResponse:
        messages = [{"type": "http.request", "body": body, "more_body": False}]
        start: dict[str, Any] = {}
        chunks: list[bytes] = []

        async def receive() -> dict[str, Any]:
            return messages.pop(0) if messages else {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
            else:
                chunks.append(message.get("body", b""))

        await self.app(scope, receive, send)
        headers: dict[str, str] = {}
        for name, value in start["headers"]:
            key = name.decode().lower()
            headers[key] = f"{headers[key]},{value.decode()}" if key in headers else value.decode()
        return EdgeResponse(start["status"], headers, b"".join(chunks))


class LambdaClient:
    """Invokes the Lambda handler with an API Gateway v1 (REST) or v2 (HTTP API) event, shaped
    as API Gateway sends them; `claims` go where the JWT authorizer puts verified claims."""

    def __init__(self, app: GraphQLApp, version: str) -> None:
        self.name = f"lambda-{version}"
        self.version = version
        self.handler = build_handler(app)

    def request(self, method, path, *, headers=None, query=None, body=None, claims=None):
        build = http_api_v2_event if self.version == "v2" else rest_api_v1_event
        # HTTP APIs send non-text bodies base64-encoded; v2 exercises that decoding path.
        event = build(
            method,
            path,
            headers=headers,
            query=query,
            body=body,
            base64_body=self.version == "v2",
            claims=claims,
        )
        return EdgeResponse(
            *read_result(self.handler(event, FakeLambdaContext(function_name="bff")))
        )


def graphql_over_http(base_url: str, query: str = "{ __typename }") -> Any:
    """POST `query` to a running server's /graphql (a real socket); its JSON answer."""
    import urllib.request

    request = urllib.request.Request(
        f"{base_url}/graphql",
        data=orjson.dumps({"query": query}),
        headers={"content-type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return orjson.loads(response.read())
