"""The API Gateway emulation: payload 2.0 events, the JWT check before the handler, responses."""

from __future__ import annotations

import base64
import re
import time
from collections.abc import AsyncIterator, Sequence
from typing import Any

import aiohttp
import jwt
import orjson
import pytest
from aiohttp import web
from multidict import CIMultiDict

from bff.devstack.apigateway import ApiGatewayEmulator, LambdaContext
from bff.devstack.jwt_authorizer import JwtAuthorizer
from bff.devstack.jwt_keys import DEV_AUDIENCE, DEV_ISSUER, SigningKey, generate_signing_key

SIGNING_KEY = generate_signing_key()


class RecordingHandler:
    """A stand-in Lambda that records each event and answers like a payload 2.0 function."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []
        self.contexts: list[LambdaContext] = []
        self.fail = False

    def __call__(self, event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        self.events.append(event)
        self.contexts.append(context)
        if self.fail:
            raise RuntimeError("boom: secret detail")
        return {
            "statusCode": 200,
            "headers": {"content-type": "application/json", "x-bff-subgraph-calls": "3"},
            "cookies": ["session=1; Path=/"],
            "body": orjson.dumps({"ok": True}).decode(),
            "isBase64Encoded": False,
        }


@pytest.fixture
def handler() -> RecordingHandler:
    return RecordingHandler()


@pytest.fixture
async def base_url(handler: RecordingHandler) -> AsyncIterator[str]:
    authorizer = JwtAuthorizer(issuer=DEV_ISSUER, audience=DEV_AUDIENCE, jwks=SIGNING_KEY.jwks())
    emulator = ApiGatewayEmulator(handler, authorizer, jwks=SIGNING_KEY.jwks())
    runner = web.AppRunner(emulator.application())
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


async def request(
    method: str,
    url: str,
    *,
    headers: dict[str, str] | None = None,
    extra_headers: Sequence[tuple[str, str]] = (),
    data: bytes | None = None,
) -> tuple[int, dict[str, str], bytes]:
    all_headers = CIMultiDict(headers or {})
    for name, value in extra_headers:
        all_headers.add(name, value)  # repeated headers, as a client may send them
    async with (
        aiohttp.ClientSession() as session,
        session.request(method, url, headers=all_headers, data=data) as response,
    ):
        return response.status, dict(response.headers), await response.read()


QUERY = orjson.dumps({"query": "{ __typename }"})
IMPOSTOR = SigningKey(private_key=generate_signing_key().private_key, kid=SIGNING_KEY.kid)

BAD_AUTHORIZATION = {
    "missing": None,
    "expired": f"Bearer {SIGNING_KEY.mint('s', ttl_seconds=60, now=time.time() - 3600)}",
    "wrongly signed": f"Bearer {IMPOSTOR.mint('s')}",
    "wrong audience": f"Bearer {SIGNING_KEY.mint('s', audience='other')}",
    "wrong issuer": f"Bearer {SIGNING_KEY.mint('s', issuer='https://other/')}",
    "alg none": "Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJzIn0.",
    "hs256": "Bearer "
    + jwt.encode(
        {"sub": "s", "iss": DEV_ISSUER, "aud": DEV_AUDIENCE, "exp": time.time() + 60},
        "a-shared-secret-of-sufficient-length-32b",
        algorithm="HS256",
        headers={"kid": SIGNING_KEY.kid},
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_AUTHORIZATION))
async def test_a_bad_token_gets_401_and_the_handler_never_runs(base_url, handler, case) -> None:
    authorization = BAD_AUTHORIZATION[case]
    headers = {"content-type": "application/json"}
    if authorization:
        headers["authorization"] = authorization
    status, response_headers, body = await request(
        "POST", f"{base_url}/graphql", headers=headers, data=QUERY
    )
    assert status == 401
    assert response_headers["Content-Type"].startswith("application/json")
    payload = orjson.loads(body)
    assert payload["message"] == "Unauthorized"
    assert payload["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert handler.events == []


async def test_a_graphql_get_without_a_token_is_also_refused(base_url, handler) -> None:
    status, _, _ = await request("GET", f"{base_url}/graphql?query=%7B__typename%7D")
    assert status == 401
    assert handler.events == []


async def test_a_cors_preflight_needs_no_token_as_api_gateway_answers_it_first(
    base_url, handler
) -> None:
    preflight = {"origin": "http://localhost:5173", "access-control-request-method": "POST"}
    status, _, _ = await request("OPTIONS", f"{base_url}/graphql", headers=preflight)
    assert status == 200  # the stand-in handler's answer: it ran, without a token
    (event,) = handler.events
    assert event["requestContext"]["http"]["method"] == "OPTIONS"
    assert "authorizer" not in event["requestContext"]


@pytest.mark.parametrize(
    "headers",
    [
        {"origin": "http://localhost:5173"},  # no Access-Control-Request-Method: not a preflight
        {"access-control-request-method": "POST"},  # no Origin
    ],
)
async def test_an_options_request_that_is_no_preflight_still_needs_a_token(
    base_url, handler, headers
) -> None:
    status, _, _ = await request("OPTIONS", f"{base_url}/graphql", headers=headers)
    assert status == 401
    assert handler.events == []


async def test_a_valid_token_reaches_the_handler_as_an_http_api_v2_event(base_url, handler) -> None:
    token = SIGNING_KEY.mint("student-7", extra_claims={"scope": "lessons:write"})
    status, headers, body = await request(
        "POST",
        f"{base_url}/graphql?a=1&a=2&b=",
        headers={
            "Authorization": f"Bearer {token}",
            "Content-Type": "application/json",
            "Cookie": "theme=dark; lang=en",
        },
        extra_headers=[("X-Custom", "yes"), ("X-Custom", "again")],
        data=QUERY,
    )
    assert status == 200
    assert orjson.loads(body) == {"ok": True}
    assert headers["Set-Cookie"].startswith("session=1")
    # The subgraph-call count is for the log line, not for clients.
    assert "x-bff-subgraph-calls" not in {name.lower() for name in headers}

    (event,) = handler.events
    assert event["version"] == "2.0"
    assert event["routeKey"] == "$default"
    assert event["rawPath"] == "/graphql"
    assert event["rawQueryString"] == "a=1&a=2&b="
    assert event["queryStringParameters"] == {"a": "1,2", "b": ""}
    assert event["cookies"] == ["theme=dark", "lang=en"]
    assert event["headers"]["x-custom"] == "yes,again"
    assert "cookie" not in event["headers"]
    assert event["body"] == QUERY.decode()
    assert event["isBase64Encoded"] is False
    context = event["requestContext"]
    assert context["http"]["method"] == "POST"
    assert context["http"]["path"] == "/graphql"
    assert context["http"]["sourceIp"] == "127.0.0.1"
    assert context["stage"] == "$default"
    assert isinstance(context["timeEpoch"], int)
    jwt_context = context["authorizer"]["jwt"]
    assert jwt_context["claims"]["sub"] == "student-7"
    assert jwt_context["claims"]["iss"] == DEV_ISSUER
    assert all(isinstance(value, str) for value in jwt_context["claims"].values())
    assert jwt_context["scopes"] == ["lessons:write"]
    assert handler.contexts[0].aws_request_id == context["requestId"]
    assert handler.contexts[0].get_remaining_time_in_millis() > 0


async def test_a_binary_body_is_base64_encoded(base_url, handler) -> None:
    token = SIGNING_KEY.mint("s")
    payload = bytes(range(256))
    await request(
        "POST",
        f"{base_url}/graphql",
        headers={"Authorization": token, "Content-Type": "application/octet-stream"},
        data=payload,
    )
    (event,) = handler.events
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == payload


@pytest.mark.parametrize(
    ("path", "headers"),
    [
        ("/health", {}),
        ("/graphql", {"Accept": "text/html,application/xhtml+xml"}),
        ("/graphiql", {}),
        ("/graphiql/graphiql.min.js", {}),
    ],
)
async def test_public_routes_need_no_token(base_url, handler, path, headers) -> None:
    status, _, _ = await request("GET", f"{base_url}{path}", headers=headers)
    assert status == 200
    (event,) = handler.events
    assert "authorizer" not in event["requestContext"]


async def test_a_forged_authorizer_context_cannot_come_from_the_client(base_url, handler) -> None:
    forged = {"X-BFF-Claims": "eyJzdWIiOiJ4In0"}  # {"sub":"x"}
    # Public routes reach the handler without claims, whatever headers the client sends.
    await request("GET", f"{base_url}/health", headers=forged)
    (event,) = handler.events
    assert "authorizer" not in event["requestContext"]
    # A guarded route carries the verified token's claims only, never the client's.
    token = SIGNING_KEY.mint("student-7")
    await request(
        "POST",
        f"{base_url}/graphql",
        headers={**forged, "Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        data=QUERY,
    )
    _, event = handler.events
    assert event["requestContext"]["authorizer"]["jwt"]["claims"]["sub"] == "student-7"


async def test_the_jwks_is_served_without_the_handler(base_url, handler) -> None:
    status, _, body = await request("GET", f"{base_url}/.well-known/jwks.json")
    assert status == 200
    assert orjson.loads(body) == SIGNING_KEY.jwks()
    assert handler.events == []


async def test_a_failing_handler_gives_500_without_details(base_url, handler) -> None:
    handler.fail = True
    status, _, body = await request("GET", f"{base_url}/health")
    assert status == 500
    assert orjson.loads(body) == {"message": "Internal Server Error"}


@pytest.mark.parametrize("content_type", ["application/json", "text/plain"])
async def test_a_text_body_that_is_not_utf8_is_base64_encoded(
    base_url, handler, content_type: str
) -> None:
    # API Gateway passes bytes that do not decode base64-encoded, whatever the declared type;
    # decoding them here made the emulator answer 500 before the handler ran.
    payload = b'{"query": "{ \xff\xfe }"}'
    status, _, _ = await request(
        "POST",
        f"{base_url}/graphql",
        headers={"Authorization": SIGNING_KEY.mint("s"), "Content-Type": content_type},
        data=payload,
    )
    (event,) = handler.events
    assert status == 200
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == payload


@pytest.mark.parametrize(
    ("headers", "named"),
    [
        ({"graphql-client-name": "mobile", "graphql-client-version": "4.2.0"}, "mobile@4.2.0"),
        ({"apollographql-client-name": "web"}, "web"),
        ({}, "-"),
    ],
    ids=["graphql-client", "apollo-headers", "unnamed"],
)
async def test_the_request_log_line_names_the_client(
    base_url, caplog: pytest.LogCaptureFixture, headers: dict[str, str], named: str
) -> None:
    token = SIGNING_KEY.mint("student-7")
    with caplog.at_level("INFO", logger="local-apigateway"):
        await request(
            "POST",
            f"{base_url}/graphql",
            headers={"Authorization": f"Bearer {token}", **headers},
            data=QUERY,
        )
    (line,) = [r.getMessage() for r in caplog.records if r.name == "local-apigateway"]
    assert line.startswith("POST /graphql 200 ")
    assert re.search(f" subgraph_calls=3 client={re.escape(named)} trace=[0-9a-f]{{32}}$", line)


CALLER_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"


@pytest.mark.parametrize(
    "sent",
    [
        None,
        "not-a-traceparent",
        "00-00f067aa0ba902b7-4bf92f3577b34da6-01",  # ids the wrong way round
    ],
    ids=["none", "garbage", "malformed"],
)
async def test_a_request_without_a_valid_traceparent_gets_one_and_its_line_names_the_trace(
    base_url, handler: RecordingHandler, caplog: pytest.LogCaptureFixture, sent: str | None
) -> None:
    headers = {"Authorization": f"Bearer {SIGNING_KEY.mint('s')}"}
    if sent is not None:
        headers["traceparent"] = sent
    with caplog.at_level("INFO", logger="local-apigateway"):
        await request("POST", f"{base_url}/graphql", headers=headers, data=QUERY)
    (line,) = [r.getMessage() for r in caplog.records if r.name == "local-apigateway"]
    (event,) = handler.events
    # As API Gateway adds X-Amzn-Trace-Id: the handler's trace is the one the line names.
    match = re.fullmatch(r"00-([0-9a-f]{32})-[0-9a-f]{16}-01", event["headers"]["traceparent"])
    assert match, event["headers"]["traceparent"]
    assert line.endswith(f" trace={match.group(1)}")


async def test_a_callers_traceparent_is_passed_on_and_names_the_trace(
    base_url, handler: RecordingHandler, caplog: pytest.LogCaptureFixture
) -> None:
    traceparent = f"00-{CALLER_TRACE}-00f067aa0ba902b7-01"
    with caplog.at_level("INFO", logger="local-apigateway"):
        await request(
            "POST",
            f"{base_url}/graphql",
            headers={
                "Authorization": f"Bearer {SIGNING_KEY.mint('s')}",
                "traceparent": traceparent,
            },
            data=QUERY,
        )
    (line,) = [r.getMessage() for r in caplog.records if r.name == "local-apigateway"]
    (event,) = handler.events
    assert event["headers"]["traceparent"] == traceparent
    assert line.endswith(f" trace={CALLER_TRACE}")
