"""`@authenticated`, `@requiresScopes` and `@policy` on a fixture supergraph, served against the
loopback subgraphs: a refused field is null with a FORBIDDEN error at its path, an authorized one
is answered, and no subgraph is asked for a refused field (the recorded requests prove it).

Fixture (`fixtures/supergraph.graphql`, the edge supergraph plus the directives):
`type Lesson @authenticated` (so `lessons` and `Student.completions`), `Query.students
@policy([["staff"]])`, `Student.email @requiresScopes([["read:email", "profile"], ["admin"]])`,
`Mutation.registerStudent @requiresScopes([["admin"]])`. Policy `staff` = claim `groups` holds
"staff".
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bff.config import GatewaySettings
from bff.gateway import FileSupergraphProvider, Gateway, GraphQLRequest
from tests.support.loopback_subgraphs import LoopbackSubgraphs

SUPERGRAPH = Path(__file__).parent / "fixtures" / "supergraph.graphql"
POLICIES = {"staff": {"groups": "staff"}}
ANONYMOUS = None
USER = {"sub": "u1", "scope": "openid"}
READER = {"sub": "u2", "scope": "openid read:email profile"}
HALF_READER = {"sub": "u3", "scope": "read:email"}  # one of the two scopes of the first option
ADMIN = {"sub": "u4", "scope": "admin"}
STAFF = {"sub": "u5", "groups": ["staff", "eu"]}

STUDENT = '{ student(id: "1") { name email completions { title } } }'


@pytest.fixture
async def gateway(subgraphs: LoopbackSubgraphs) -> AsyncIterator[Gateway]:
    config = GatewaySettings(subgraph_url_overrides=subgraphs.urls, authorization_policies=POLICIES)
    gateway = Gateway(FileSupergraphProvider(SUPERGRAPH), config, api_keys={})
    yield gateway
    await gateway.close()


async def run(
    gateway: Gateway,
    subgraphs: LoopbackSubgraphs,
    query: str,
    claims: dict[str, Any] | None,
    variables: dict[str, Any] | None = None,
) -> tuple[dict[str, Any], list[str]]:
    """The response and the queries the subgraphs received for it."""
    before = len(subgraphs.requests)
    response = await gateway.execute(GraphQLRequest(query, variables=variables), claims=claims)
    sent = [f"{r.service}: {r.query}" for r in subgraphs.requests[before:]]
    return response, sent


def forbidden_paths(response: dict[str, Any]) -> list[list[Any]]:
    return [e["path"] for e in response.get("errors", []) if e["extensions"]["code"] == "FORBIDDEN"]


async def test_an_anonymous_caller_gets_refused_fields_as_null_and_no_fetch_for_them(
    gateway: Gateway, subgraphs: LoopbackSubgraphs
) -> None:
    response, sent = await run(gateway, subgraphs, STUDENT, ANONYMOUS)

    # email and completions are non-null: their null makes the student null, as the spec says.
    assert response["data"] == {"student": None}
    assert sorted(forbidden_paths(response)) == [["student", "completions"], ["student", "email"]]
    assert len(response["errors"]) == 2  # no extra "cannot return null" error
    assert all("lessons" not in call for call in sent)  # completions were never fetched
    assert all("email" not in call for call in sent)


async def test_an_authenticated_caller_without_the_scopes_sees_all_but_email(
    gateway: Gateway, subgraphs: LoopbackSubgraphs
) -> None:
    query = (
        '{ student(id: "1") { name completions { title } } me: student(id: "2") { name email } }'
    )
    response, sent = await run(gateway, subgraphs, query, HALF_READER)

    assert response["data"] == {
        "student": {"name": "Ada", "completions": [{"title": "Loops"}, {"title": "Closures"}]},
        "me": None,
    }
    assert forbidden_paths(response) == [["me", "email"]]
    assert all("email" not in call for call in sent)


@pytest.mark.parametrize("claims", [READER, ADMIN], ids=["both-scopes", "admin"])
async def test_either_set_of_scopes_grants_the_field(
    gateway: Gateway, subgraphs: LoopbackSubgraphs, claims: dict[str, Any]
) -> None:
    response, _ = await run(gateway, subgraphs, STUDENT, claims)

    assert "errors" not in response
    assert response["data"]["student"]["email"] == "ada@example.com"


async def test_a_refused_field_in_a_list_is_refused_at_every_item(
    gateway: Gateway, subgraphs: LoopbackSubgraphs
) -> None:
    query = "{ students { name email } }"
    response, sent = await run(gateway, subgraphs, query, STAFF)

    # Nullable list items would stay; here each Student is non-null, so the list goes null.
    assert forbidden_paths(response) == [["students", 0, "email"], ["students", 1, "email"]]
    assert response["data"] is None
    assert all("email" not in call for call in sent)


@pytest.mark.parametrize(
    ("claims", "allowed"),
    [(STAFF, True), (USER, False), (ADMIN, False), ({"sub": "x", "groups": "staffing"}, False)],
    ids=["staff", "user", "admin-is-not-staff", "similar-group"],
)
async def test_a_policy_is_decided_by_the_configured_claims(
    gateway: Gateway, subgraphs: LoopbackSubgraphs, claims: dict[str, Any], allowed: bool
) -> None:
    response, sent = await run(gateway, subgraphs, "{ students { name } }", claims)

    if allowed:
        assert response == {"data": {"students": [{"name": "Ada"}, {"name": "Grace"}]}}
        assert sent
    else:
        assert response["data"] is None
        assert forbidden_paths(response) == [["students"]]
        assert sent == []  # the only root field was refused: no subgraph call at all


async def test_a_refused_mutation_is_not_sent_and_the_rest_of_a_query_is_answered(
    gateway: Gateway, subgraphs: LoopbackSubgraphs
) -> None:
    mutation = "mutation($input: RegisterStudentInput!) { registerStudent(input: $input) { name } }"
    variables = {"input": {"name": "Eve", "email": "eve@example.com"}}
    refused, sent = await run(gateway, subgraphs, mutation, USER, variables)
    assert refused["data"] is None
    assert forbidden_paths(refused) == [["registerStudent"]]
    assert sent == []

    granted, sent = await run(gateway, subgraphs, mutation, ADMIN, variables)
    assert granted == {"data": {"registerStudent": {"name": "Eve"}}}


async def test_fragments_and_aliases_are_authorized_where_they_are_used(
    gateway: Gateway, subgraphs: LoopbackSubgraphs
) -> None:
    query = """
      query { a: student(id: "1") { ...Card } b: student(id: "2") { ... on Student { n: name } } }
      fragment Card on Student { n: name mail: email }
    """
    response, _ = await run(gateway, subgraphs, query, USER)

    assert response["data"] == {"a": None, "b": {"n": "Grace"}}
    assert forbidden_paths(response) == [["a", "mail"]]


async def test_each_kind_of_caller_gets_its_own_cached_plan(
    gateway: Gateway, subgraphs: LoopbackSubgraphs
) -> None:
    for claims in (ANONYMOUS, READER, ANONYMOUS, READER, {**READER, "sub": "someone-else"}):
        await run(gateway, subgraphs, STUDENT, claims)
    served = gateway.served
    assert served is not None
    [operation] = [entry for entry in served.operations._entries.values()]
    # Anonymous and "read:email profile" callers: two plans, reused (the subject does not matter).
    assert len(operation.authorized) == 2  # type: ignore[union-attr]
