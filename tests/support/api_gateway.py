"""API Gateway proxy events (REST API v1, HTTP API v2) and a Lambda context, built as AWS sends
them, for tests that invoke a Lambda handler; the one source for the BFF's and services' tests."""

from __future__ import annotations

import base64
import copy
import json
import urllib.parse
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

EVENTS = Path(__file__).parent / "api_gateway_events"


@dataclass
class FakeLambdaContext:
    """The attributes of the Lambda runtime's context object that Powertools and mangum read."""

    function_name: str = "graphql"
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = 512

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:eu-west-1:123456789012:function:{self.function_name}"

    @property
    def log_group_name(self) -> str:
        return f"/aws/lambda/{self.function_name}"

    @property
    def log_stream_name(self) -> str:
        return "2026/11/24/[$LATEST]0123456789abcdef"

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


@cache
def _template(name: str) -> dict[str, Any]:
    return json.loads((EVENTS / name).read_text())


def _encode_body(body: bytes | None, base64_body: bool) -> tuple[str | None, bool]:
    if body is None:
        return None, False
    try:
        text = body.decode()
    except UnicodeDecodeError:
        base64_body = True  # as API Gateway sends bytes that are not UTF-8
    if base64_body:
        return base64.b64encode(body).decode(), True
    return text, False


def rest_api_v1_event(
    method: str,
    path: str,
    *,
    headers: Mapping[str, str] | None = None,
    query: Mapping[str, str] | None = None,
    body: bytes | None = None,
    base64_body: bool = False,
    claims: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """A REST API (v1) proxy event for a `/{proxy+}` resource on stage `prod`; `claims` go where
    a Cognito/JWT authorizer puts verified claims."""
    query = query or {}
    event = copy.deepcopy(_template("rest_api_v1.json"))
    given = dict(headers or {})
    # A header given by the test replaces the template's, whatever its case.
    replaced = {name.lower() for name in given}
    all_headers = {k: v for k, v in event["headers"].items() if k.lower() not in replaced}
    all_headers.update(given)
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
    event["body"], event["isBase64Encoded"] = _encode_body(body, base64_body)
    event["requestContext"].update(
        httpMethod=method, path=f"/prod{path}", requestId=str(uuid.uuid4())
    )
    if claims:
        event["requestContext"]["authorizer"] = {"claims": dict(claims)}
    return event


def http_api_v2_event(
    method: str,
    path: str,
    *,
    headers: Mapping[str, str] | None = None,
    query: Mapping[str, str] | None = None,
    body: bytes | None = None,
    base64_body: bool = False,
    claims: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """An HTTP API (payload 2.0) event for the `$default` route and stage; `claims` go where the
    JWT authorizer puts verified claims."""
    query = query or {}
    event = copy.deepcopy(_template("http_api_v2.json"))
    # HTTP APIs lower-case header names and join repeated ones with commas.
    event["headers"].update({name.lower(): value for name, value in (headers or {}).items()})
    event["headers"]["content-length"] = str(len(body or b""))
    event["rawPath"] = path
    event["rawQueryString"] = urllib.parse.urlencode(query)
    if query:
        event["queryStringParameters"] = dict(query)
    body_text, is_base64 = _encode_body(body, base64_body)
    if body_text is not None:
        event["body"] = body_text
    event["isBase64Encoded"] = is_base64
    event["requestContext"]["http"].update(method=method, path=path)
    event["requestContext"]["requestId"] = str(uuid.uuid4())
    if claims:
        event["requestContext"]["authorizer"] = {"jwt": {"claims": dict(claims), "scopes": None}}
    return event


def read_result(result: Mapping[str, Any]) -> tuple[int, dict[str, str], bytes]:
    """Status, headers (lower-cased names, repeated ones joined by commas) and body bytes of a
    handler's API Gateway proxy result."""
    headers = {name.lower(): value for name, value in (result.get("headers") or {}).items()}
    for name, values in (result.get("multiValueHeaders") or {}).items():
        headers[name.lower()] = ",".join(values)
    raw = result.get("body") or ""
    body = base64.b64decode(raw) if result.get("isBase64Encoded") else raw.encode()
    return result["statusCode"], headers, body
