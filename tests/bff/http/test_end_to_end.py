"""Whole requests through the edge: planned, fetched from two loopback subgraphs, shaped."""

from __future__ import annotations

import pytest

from bff.execution.identity_tokens import IDENTITY_HEADER
from services.toolkit.identity import IdentityVerifier
from services.toolkit.secrets import RotatingKeys
from tests.support.edge_clients import post_json
from tests.support.edge_fixtures import API_KEYS, CLAIMS_KEYS

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
def test_the_verified_user_reaches_each_subgraph_as_a_token_signed_for_it(
    client, subgraphs
) -> None:
    claims = {"sub": "user-1", "email": "ada@example.com", "scope": "read admin"}
    before = len(subgraphs.requests)
    post_json(
        client,
        {"query": PROFILE, "variables": {"id": "1"}},
        headers={
            IDENTITY_HEADER: "forged",
            "x-bff-claims": "forged",
            "authorization": "Bearer client-token",
            "x-other": "1",
        },
        claims=claims,
    )
    recorded = subgraphs.requests[before:]
    assert {request.service for request in recorded} == {"students", "lessons"}
    for request in recorded:
        token = request.headers[IDENTITY_HEADER.lower()]
        identity = _verifier(request.service).verify(token)
        assert (identity.subject, identity.scopes) == ("user-1", {"read", "admin"})
        assert identity.claims["email"] == "ada@example.com"
        # Addressed to this subgraph only: the other one refuses it.
        other = "lessons" if request.service == "students" else "students"
        with pytest.raises(ValueError):
            _verifier(other).verify(token)
        assert "authorization" not in request.headers
        assert "x-bff-claims" not in request.headers
        assert "x-other" not in request.headers


def _verifier(service: str) -> IdentityVerifier:
    return IdentityVerifier(RotatingKeys.of(CLAIMS_KEYS[service]), service)


def test_without_an_authorizer_no_identity_is_sent(client, subgraphs) -> None:
    before = len(subgraphs.requests)
    post_json(client, {"query": PROFILE, "variables": {"id": "1"}}, headers={IDENTITY_HEADER: "x"})
    assert all(IDENTITY_HEADER.lower() not in r.headers for r in subgraphs.requests[before:])
