"""Whole requests through the edge: planned, fetched from two loopback subgraphs, shaped."""

from __future__ import annotations

import pytest

from services.toolkit.claims import decode_claims
from tests.support.edge_clients import post_json
from tests.support.edge_fixtures import API_KEYS

PROFILE = """
query Profile($id: ID!) {
  student(id: $id) {
    name
    done: completions { title language }
  }
}
"""


def test_a_query_across_two_subgraphs(client) -> None:
    response = post_json(client, {"query": PROFILE, "variables": {"id": "1"}})
    assert response.status == 200
    assert response.json() == {
        "data": {
            "student": {
                "name": "Ada",
                "done": [
                    {"title": "Loops", "language": "PYTHON"},
                    {"title": "Closures", "language": "JAVASCRIPT"},
                ],
            }
        }
    }


def test_a_query_over_get_with_variables(client) -> None:
    response = client.request(
        "GET", "/graphql", query={"query": PROFILE, "variables": '{"id": "2"}'}
    )
    assert response.status == 200
    assert response.json() == {"data": {"student": {"name": "Grace", "done": []}}}


def test_introspection_mixed_with_data(client) -> None:
    query = '{ __typename t: __type(name: "Lesson") { name } lessons(language: GO) { id } }'
    response = post_json(client, {"query": query})
    assert response.json() == {
        "data": {"__typename": "Query", "t": {"name": "Lesson"}, "lessons": []}
    }


def test_a_mutation_over_post(client) -> None:
    mutation = "mutation($input: RegisterStudentInput!) { registerStudent(input: $input) { name } }"
    variables = {"input": {"name": "Linus", "email": "linus@example.com"}}
    response = post_json(client, {"query": mutation, "variables": variables})
    assert response.json() == {"data": {"registerStudent": {"name": "Linus"}}}


def test_each_subgraph_gets_its_own_api_key(client, subgraphs) -> None:
    before = len(subgraphs.requests)
    post_json(client, {"query": PROFILE, "variables": {"id": "1"}})
    sent = {(r.service, r.headers.get("x-api-key")) for r in subgraphs.requests[before:]}
    assert sent == {("students", API_KEYS["students"]), ("lessons", API_KEYS["lessons"])}


@pytest.mark.parametrize("client", ["lambda-v1", "lambda-v2"], indirect=True)
def test_verified_claims_are_forwarded_and_client_headers_are_not(client, subgraphs) -> None:
    claims = {"sub": "user-1", "email": "ada@example.com", "scope": "read"}
    before = len(subgraphs.requests)
    post_json(
        client,
        {"query": PROFILE, "variables": {"id": "1"}},
        headers={"x-bff-claims": "forged", "authorization": "Bearer client-token", "x-other": "1"},
        claims=claims,
    )
    recorded = subgraphs.requests[before:]
    assert recorded
    for request in recorded:
        assert decode_claims(request.headers["x-bff-claims"]) == claims
        assert "authorization" not in request.headers
        assert "x-other" not in request.headers


def test_without_an_authorizer_no_claims_are_sent(client, subgraphs) -> None:
    before = len(subgraphs.requests)
    post_json(client, {"query": PROFILE, "variables": {"id": "1"}}, headers={"x-bff-claims": "x"})
    assert all("x-bff-claims" not in r.headers for r in subgraphs.requests[before:])
