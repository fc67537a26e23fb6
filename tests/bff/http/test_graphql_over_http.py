"""GraphQL over HTTP at the edge: status codes, content types and error bodies, the same through
the ASGI app and through the Lambda handler with API Gateway v1 and v2 events."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from tests.support.edge_clients import EdgeResponse, post_json
from tests.support.edge_fixtures import ALLOWED_ORIGIN, MAX_BODY_BYTES

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"


def _error_codes(response: EdgeResponse) -> list[str]:
    return [error["extensions"]["code"] for error in response.json()["errors"]]


# --- success and content negotiation -------------------------------------------------------


@pytest.mark.parametrize(
    ("accept", "media_type"),
    [
        (GRAPHQL_RESPONSE, GRAPHQL_RESPONSE),
        (JSON, JSON),
        (None, JSON),
        ("*/*", JSON),
        (f"{GRAPHQL_RESPONSE}, {JSON};q=0.9", GRAPHQL_RESPONSE),
    ],
)
def test_post_answers_in_the_negotiated_media_type(client, accept, media_type) -> None:
    headers = {"accept": accept} if accept else {}
    response = post_json(client, {"query": "{ __typename }"}, headers=headers)
    assert response.status == 200
    assert response.content_type == f"{media_type}; charset=utf-8"
    assert response.json() == {"data": {"__typename": "Query"}}


def test_unacceptable_accept_header_is_406(client) -> None:
    response = post_json(client, {"query": "{ __typename }"}, headers={"accept": "text/plain"})
    assert response.status == 406
    assert "Accept" in response.json()["errors"][0]["message"]
    assert _error_codes(response) == ["NOT_ACCEPTABLE"]


def test_get_runs_a_query_with_json_encoded_variables(client) -> None:
    query = "query($name: String!) { __type(name: $name) { name } }"
    response = client.request(
        "GET",
        "/graphql",
        query={"query": query, "variables": '{"name": "Student"}'},
        headers={"accept": GRAPHQL_RESPONSE},
    )
    assert response.status == 200
    assert response.json() == {"data": {"__type": {"name": "Student"}}}


def test_mutation_over_get_is_405_with_allow_post(client) -> None:
    response = client.request(
        "GET",
        "/graphql",
        query={"query": 'mutation { registerStudent(input: {name: "a", email: "b"}) { id } }'},
        headers={"accept": GRAPHQL_RESPONSE},
    )
    assert response.status == 405
    assert response.headers["allow"] == "POST"
    assert _error_codes(response) == ["METHOD_NOT_ALLOWED"]


def test_other_methods_are_405_with_allow(client) -> None:
    response = client.request("PUT", "/graphql", headers={"content-type": JSON}, body=b"{}")
    assert response.status == 405
    assert response.headers["allow"] == "GET, POST, OPTIONS"
    assert _error_codes(response) == ["METHOD_NOT_ALLOWED"]


# --- malformed requests: 400 whatever the media type -----------------------------------------


@pytest.mark.parametrize("accept", [GRAPHQL_RESPONSE, JSON])
@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"{not json", "The request body is not valid JSON."),
        (b'"a string"', "The request body must be a JSON object."),
        (b"[]", "Batched requests (a JSON array) are not supported."),
        (b"{}", "The 'query' parameter is required."),
        (b'{"query": 42}', "The 'query' parameter must be a string."),
        (
            b'{"query": "{ __typename }", "variables": [1]}',
            "The 'variables' parameter must be a JSON object.",
        ),
        (
            b'{"query": "{ __typename }", "variables": "x"}',
            "The 'variables' parameter must be a JSON object.",
        ),
        (
            b'{"query": "{ __typename }", "operationName": 3}',
            "The 'operationName' parameter must be a string.",
        ),
        (
            b'{"query": "{ __typename }", "extensions": 3}',
            "The 'extensions' parameter must be a JSON object.",
        ),
    ],
)
def test_malformed_requests_are_400_with_a_clear_message(client, accept, body, message) -> None:
    response = client.request(
        "POST", "/graphql", headers={"content-type": JSON, "accept": accept}, body=body
    )
    assert response.status == 400
    assert response.content_type.startswith(accept)
    assert response.json() == {
        "errors": [{"message": message, "extensions": {"code": "BAD_REQUEST"}}]
    }


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_persisted_query_hashes_are_refused_so_apollo_clients_send_the_query(client, method):
    # No client is registered: the built-in default client's policy (open) has no APQ.
    extensions = {"persistedQuery": {"version": 1, "sha256Hash": "ab" * 32}}
    if method == "GET":
        query = {"extensions": orjson.dumps(extensions).decode()}
        response = client.request("GET", "/graphql", query=query)
    else:
        response = post_json(client, {"extensions": extensions})
    # A request that never ran: 200 for application/json clients (tests/bff/http/test_outcomes).
    assert response.status == 200
    assert response.json()["errors"] == [
        {
            "message": "PersistedQueryNotSupported",
            "extensions": {"code": "PERSISTED_QUERY_NOT_SUPPORTED"},
        }
    ]


def test_get_with_non_json_variables_is_400(client) -> None:
    response = client.request(
        "GET", "/graphql", query={"query": "{ __typename }", "variables": "{nope"}
    )
    assert response.status == 400
    assert response.json()["errors"][0]["message"] == "'variables' must be a JSON-encoded object."


@pytest.mark.parametrize(
    ("content_type", "status"),
    [(None, 415), ("text/plain", 415), ("application/json; charset=utf-8", 200)],
)
def test_post_requires_json_content_type(client, content_type, status) -> None:
    headers = {"content-type": content_type} if content_type else {}
    response = client.request(
        "POST", "/graphql", headers=headers, body=b'{"query": "{ __typename }"}'
    )
    assert response.status == status


def test_body_over_the_limit_is_413(client) -> None:
    padding = "x" * MAX_BODY_BYTES
    response = post_json(client, {"query": "{ __typename }", "extensions": {"padding": padding}})
    assert response.status == 413
    assert str(MAX_BODY_BYTES) in response.json()["errors"][0]["message"]


# --- GraphQL request errors: 400 with graphql-response+json, 200 with application/json ------


REQUEST_ERRORS = orjson.loads(
    (Path(__file__).parent / "fixtures" / "request_errors.json").read_bytes()
)


@pytest.mark.parametrize(("accept", "status"), [(GRAPHQL_RESPONSE, 400), (JSON, 200)])
@pytest.mark.parametrize("case", REQUEST_ERRORS, ids=[case["case"] for case in REQUEST_ERRORS])
def test_request_errors_never_execute(client, accept, status, case, subgraphs) -> None:
    before = len(subgraphs.requests)
    response = post_json(client, case["payload"], headers={"accept": accept})
    assert response.status == status
    assert response.content_type.startswith(accept)
    body = response.json()
    assert "data" not in body
    [error] = body["errors"]
    assert error["extensions"]["code"] == case["code"]
    assert error["message"] == case["message"]
    assert error.get("locations") == case["locations"]
    assert len(subgraphs.requests) == before


# --- other routes ------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/health", "/health/ready"])
def test_readiness_says_only_ok_without_the_health_token(client, path: str) -> None:
    for authorization in ({}, {"authorization": "Bearer wrong-token"}):
        response = client.request("GET", path, headers=authorization)
        assert response.status == 200
        assert response.content_type == "application/json; charset=utf-8"
        assert response.json() == {"status": "ok"}


def test_liveness_answers_while_the_process_runs(client) -> None:
    response = client.request("GET", "/health/live")
    assert (response.status, response.json()) == (200, {"status": "ok"})


def test_head_answers_headers_without_a_body(client) -> None:
    get, head = client.request("GET", "/health"), client.request("HEAD", "/health")
    assert head.status == 200
    assert head.body == b""
    assert head.content_type == get.content_type


def test_unknown_paths_are_404(client) -> None:
    response = client.request("GET", "/nope")
    assert response.status == 404


def test_cors_preflight_from_an_allowed_origin(client) -> None:
    response = client.request(
        "OPTIONS",
        "/graphql",
        headers={
            "origin": ALLOWED_ORIGIN,
            "access-control-request-method": "POST",
            "access-control-request-headers": "content-type, authorization",
        },
    )
    assert response.status == 204
    assert response.headers["access-control-allow-origin"] == ALLOWED_ORIGIN
    assert response.headers["access-control-allow-methods"] == "GET, POST, OPTIONS"
    assert response.headers["access-control-allow-headers"] == "content-type, authorization"
    assert "access-control-allow-credentials" not in response.headers


def test_cors_preflight_from_another_origin_is_refused(client) -> None:
    response = client.request(
        "OPTIONS",
        "/graphql",
        headers={"origin": "https://evil.example", "access-control-request-method": "POST"},
    )
    assert response.status == 403
    assert "access-control-allow-origin" not in response.headers


@pytest.mark.parametrize(
    ("origin", "allowed"), [(ALLOWED_ORIGIN, True), ("https://evil.example", False)]
)
def test_cors_headers_on_actual_responses(client, origin, allowed) -> None:
    response = post_json(client, {"query": "{ __typename }"}, headers={"origin": origin})
    assert response.status == 200
    assert response.headers["vary"] == "Origin"
    assert (response.headers.get("access-control-allow-origin") == origin) is allowed


def test_responses_never_carry_a_stack_trace(client) -> None:
    response = post_json(client, {"query": "{ __typename(x: 1) }"})
    assert b"Traceback" not in response.body
    assert orjson.loads(response.body)["errors"]
