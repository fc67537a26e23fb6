"""Three ways to send one HTTP request to the BFF: straight to the ASGI app, or through the
Lambda handler as an API Gateway REST (v1) or HTTP API (v2) event.

One HTTP test suite is parametrised over them, so the ASGI app and the handler answer alike.
All three run on the event loop the caller made current, as the handler does in Lambda.
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlencode

import orjson

from bff.http.app import GraphQLApp
from bff.http.lambda_adapter import build_handler

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
        headers = {name.lower(): value for name, value in (headers or {}).items()}
        build = self._v2_event if self.version == "v2" else self._v1_event
        event = build(method, path, headers, dict(query or {}), claims)
        if body is not None:
            # HTTP APIs send non-text bodies base64-encoded; v2 exercises that decoding path.
            encoded = self.version == "v2"
            event["body"] = base64.b64encode(body).decode() if encoded else body.decode()
            event["isBase64Encoded"] = encoded
        result = self.handler(event, LambdaContext())
        out_headers = {k.lower(): v for k, v in (result.get("headers") or {}).items()}
        for name, values in (result.get("multiValueHeaders") or {}).items():
            out_headers[name.lower()] = ",".join(values)
        raw = result.get("body") or ""
        payload = base64.b64decode(raw) if result.get("isBase64Encoded") else raw.encode()
        return EdgeResponse(result["statusCode"], out_headers, payload)

    @staticmethod
    def _v2_event(method, path, headers, query, claims) -> dict[str, Any]:
        context: dict[str, Any] = {
            "accountId": "123456789012",
            "apiId": "bffapi",
            "domainName": "bffapi.execute-api.us-east-1.amazonaws.com",
            "http": {"method": method, "path": path, "protocol": "HTTP/1.1", "sourceIp": SOURCE_IP},
            "requestId": "request-1",
            "routeKey": "$default",
            "stage": "$default",
        }
        if claims:
            context["authorizer"] = {"jwt": {"claims": dict(claims), "scopes": None}}
        event: dict[str, Any] = {
            "version": "2.0",
            "routeKey": "$default",
            "rawPath": path,
            "rawQueryString": urlencode(query),
            "headers": headers,
            "requestContext": context,
            "isBase64Encoded": False,
        }
        if query:
            event["queryStringParameters"] = query
        return event

    @staticmethod
    def _v1_event(method, path, headers, query, claims) -> dict[str, Any]:
        context: dict[str, Any] = {
            "accountId": "123456789012",
            "apiId": "bffrest",
            "httpMethod": method,
            "identity": {"sourceIp": SOURCE_IP},
            "path": f"/prod{path}",
            "requestId": "request-1",
            "resourcePath": "/{proxy+}",
            "stage": "prod",
        }
        if claims:
            context["authorizer"] = {"claims": dict(claims)}
        return {
            "resource": "/{proxy+}",
            "path": path,
            "httpMethod": method,
            "headers": headers or None,
            "multiValueHeaders": {k: [v] for k, v in headers.items()} or None,
            "queryStringParameters": query or None,
            "multiValueQueryStringParameters": {k: [v] for k, v in query.items()} or None,
            "pathParameters": {"proxy": path.lstrip("/")},
            "stageVariables": None,
            "requestContext": context,
            "body": None,
            "isBase64Encoded": False,
        }


@dataclass
class LambdaContext:
    """The attributes Powertools and mangum read from Lambda's context object."""

    function_name: str = "bff"
    function_version: str = "$LATEST"
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:bff"
    memory_limit_in_mb: int = 1024
    aws_request_id: str = "request-1"
    log_group_name: str = "/aws/lambda/bff"
    log_stream_name: str = "stream"
