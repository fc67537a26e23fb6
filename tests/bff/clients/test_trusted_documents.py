"""A `safelist` client (mobile) runs only its published documents; the refusal comes before any
planning or subgraph call. Contracts: mobile's schema lacks what `internal` tags."""

from __future__ import annotations

from typing import Any

import pytest

from bff.http.app import GraphQLApp
from bff.supergraph.contracts import Contract
from tests.bff.clients.conftest import PROFILE, ClientStack, as_client, post
from tests.support.edge_clients import ASGIClient, EdgeResponse

WITHOUT_INTERNAL = Contract(exclude_tags=frozenset({"internal"}))
PROFILE_ADA = {"data": {"student": {"id": "1", "name": "Ada"}}}


def codes(response: EdgeResponse) -> list[str]:
    return [error["extensions"]["code"] for error in response.json().get("errors", [])]


def subgraph_calls(stack: ClientStack) -> int:
    return len(stack.subgraphs.requests)


@pytest.mark.parametrize(
    "payload",
    [
        {"documentId": "mobile-profile", "variables": {"id": "1"}},
        {
            "extensions": {"persistedQuery": {"version": 1, "sha256Hash": "mobile-profile"}},
            "variables": {"id": "1"},
        },
        # The published text itself is in the list too.
        {"query": PROFILE, "variables": {"id": "1"}},
    ],
    ids=["documentId", "persistedQuery", "published-text"],
)
def test_a_published_document_answers(client: ASGIClient, payload: dict[str, Any]) -> None:
    assert post(client, payload, "mobile").json() == PROFILE_ADA


def test_a_published_document_answers_over_get(client: ASGIClient) -> None:
    response = client.request(
        "GET", "/graphql", query={"documentId": "mobile-lessons"}, headers=as_client("mobile")
    )
    assert response.json()["data"]["lessons"][0] == {"id": "l1", "title": "Loops"}


def test_any_other_operation_is_refused_before_a_subgraph_is_called(
    stack: ClientStack, client: ASGIClient
) -> None:
    before = subgraph_calls(stack)

    refused = post(client, {"query": "{ students { id name } }"}, "mobile")

    assert refused.status == 200
    assert codes(refused) == ["PERSISTED_QUERY_NOT_IN_LIST"]
    assert (
        "'mobile' may only send its published documents" in refused.json()["errors"][0]["message"]
    )
    assert "data" not in refused.json()
    assert subgraph_calls(stack) == before


def test_an_unknown_document_id_is_not_found(stack: ClientStack, client: ASGIClient) -> None:
    before = subgraph_calls(stack)

    assert codes(post(client, {"documentId": "nope"}, "mobile")) == ["PERSISTED_QUERY_NOT_FOUND"]
    # A hash with a query that is not published is not stored or run either.
    extensions = {"persistedQuery": {"version": 1, "sha256Hash": "x" * 64}}
    sent = post(client, {"query": "{ students { id } }", "extensions": extensions}, "mobile")
    assert codes(sent) == ["PERSISTED_QUERY_NOT_IN_LIST"]
    assert subgraph_calls(stack) == before


def test_a_document_id_with_a_different_query_is_refused(client: ASGIClient) -> None:
    sent = post(client, {"documentId": "mobile-lessons", "query": "{ students { id } }"}, "mobile")
    assert codes(sent) == ["PERSISTED_QUERY_HASH_MISMATCH"]


def test_published_documents_are_planned_before_their_first_request(
    stack: ClientStack, app: GraphQLApp, client: ASGIClient
) -> None:
    # Any request makes the gateway load the supergraph and the clients.
    post(client, {"query": "{ __typename }"}, "web")

    assert app.gateway.served is not None
    view = app.gateway.admission.view(app.gateway.served, WITHOUT_INTERNAL)
    assert len(view.operations) >= 2, "both documents are in mobile's operation cache"
    before = subgraph_calls(stack)
    assert (
        post(client, {"documentId": "mobile-profile", "variables": {"id": "1"}}, "mobile").json()
        == PROFILE_ADA
    )
    assert subgraph_calls(stack) == before + 1


def test_a_contract_clients_introspection_lacks_excluded_fields_and_types(
    client: ASGIClient,
) -> None:
    # partner: mobile's contract, any operation.
    mobile = _introspect(client, "partner")
    full = _introspect(client, "web")

    assert "email" in full["student"] and "email" not in mobile["student"]
    assert "Language" in full["types"] and "Language" not in mobile["types"]
    assert "language" in full["lesson"] and "language" not in mobile["lesson"]


def _introspect(client: ASGIClient, name: str) -> dict[str, set[str]]:
    query = """{
      __schema { types { name } }
      student: __type(name: "Student") { fields { name } }
      lesson: __type(name: "Lesson") { fields { name } }
    }"""
    data = post(client, {"query": query}, name).json()["data"]
    return {
        "types": {t["name"] for t in data["__schema"]["types"]},
        "student": {f["name"] for f in data["student"]["fields"]},
        "lesson": {f["name"] for f in data["lesson"]["fields"]},
    }


def test_a_query_naming_excluded_fields_fails_validation_for_the_contract_client_only(
    stack: ClientStack, client: ASGIClient
) -> None:
    before = subgraph_calls(stack)
    query = "{ students { name email } lessons(language: PYTHON) { title } }"

    refused = post(client, {"query": query}, "partner")

    assert refused.status == 200
    assert codes(refused) == ["GRAPHQL_VALIDATION_FAILED"] * 2
    messages = [error["message"] for error in refused.json()["errors"]]
    assert messages == [
        "Cannot query field 'email' on type 'Student'.",
        "Unknown argument 'language' on field 'Query.lessons'.",
    ]
    assert subgraph_calls(stack) == before
    full = post(client, {"query": query}, "web").json()
    assert full == {
        "data": {
            "students": [
                {"name": "Ada", "email": "ada@example.com"},
                {"name": "Grace", "email": "grace@example.com"},
            ],
            "lessons": [{"title": "Loops"}],
        }
    }
