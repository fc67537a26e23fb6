"""Errors as clients see them: user errors keep message and code, anything else is masked."""

from __future__ import annotations

from typing import Any

import pytest

from tests.services.toolkit.conftest import CURRENT_KEY
from tests.services.toolkit.sample_subgraph import LEAKY_DETAIL
from tests.services.toolkit.transports import Transport, graphql


@pytest.mark.parametrize("code", ["BAD_USER_INPUT", "NOT_FOUND", "CONFLICT"])
def test_user_errors_reach_the_client_with_their_code(sample: Transport, code: str) -> None:
    reply = graphql(
        sample, "query ($c: String!) { refuse(code: $c) }", {"c": code}, api_key=CURRENT_KEY
    )
    assert reply.status == 200
    [error] = reply.json()["errors"]
    assert error["message"] == f"refused with {code}"
    assert error["extensions"] == {"code": code}
    assert error["path"] == ["refuse"]


def test_unexpected_exceptions_are_masked_without_internals(sample: Transport) -> None:
    reply = graphql(sample, "{ crash greeting }", api_key=CURRENT_KEY)
    assert reply.status == 200
    payload = reply.json()
    # The failing field is null, its sibling still resolves.
    assert payload["data"] == {"crash": None, "greeting": "hello"}
    [error] = payload["errors"]
    assert error["message"] == "Internal server error."
    assert error["extensions"] == {"code": "INTERNAL_SERVER_ERROR"}
    text = reply.body.decode()
    for leak in (LEAKY_DETAIL, "hunter2", "Traceback", "RuntimeError", ".py"):
        assert leak not in text


def test_documents_graphql_rejects_get_a_validation_code(sample: Transport) -> None:
    reply = graphql(sample, "{ noSuchField }", api_key=CURRENT_KEY)
    [error] = reply.json()["errors"]
    assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"


def test_wrongly_typed_variables_get_a_code_and_no_internals(sample: Transport) -> None:
    reply = graphql(sample, "query ($t: String!) { echo(text: $t) }", {"t": 5}, api_key=CURRENT_KEY)
    [error] = reply.json()["errors"]
    assert error["extensions"]["code"] in {"GRAPHQL_VALIDATION_FAILED", "BAD_USER_INPUT"}
    assert "Traceback" not in reply.body.decode()


PROTOCOL_ERRORS = [
    ("POST", {"Content-Type": "application/json"}, b"{not json", {}),
    ("POST", {"Content-Type": "application/json"}, b'{"variables": {}}', {}),
    ("GET", {}, None, {"query": "mutation { x }"}),
    ("POST", {"Content-Type": "text/plain"}, b"{ greeting }", {}),
]


@pytest.mark.parametrize(
    "case", PROTOCOL_ERRORS, ids=["bad-json", "no-query", "get-mutation", "bad-type"]
)
def test_protocol_errors_are_graphql_shaped_400s(sample: Transport, case: tuple[Any, ...]) -> None:
    method, headers, body, query = case
    headers = {**headers, "X-API-Key": CURRENT_KEY}
    reply = sample.request(method, "/graphql", headers=headers, body=body, query=query)
    assert reply.status == 400
    assert reply.headers["content-type"] == "application/json"
    assert reply.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


@pytest.mark.parametrize(
    ("representation", "path"),
    [
        ({"__typename": "Unknown", "id": "1"}, ["_entities"]),
        ({"id": "1"}, ["_entities"]),
        ("not an object", ["_entities"]),
        ({"__typename": "Note", "name": "no id"}, ["_entities", 0]),
    ],
    ids=["unknown-type", "no-typename", "not-an-object", "not-the-key"],
)
def test_malformed_entity_representations_are_bad_user_input(
    sample: Transport, representation: Any, path: list[Any]
) -> None:
    query = "query ($r: [_Any!]!) { _entities(representations: $r) { ... on Note { id } } }"
    reply = graphql(sample, query, {"r": [representation]}, api_key=CURRENT_KEY)
    [error] = reply.json()["errors"]
    assert error["extensions"] == {"code": "BAD_USER_INPUT"}
    assert error["path"] == path


def test_graphiql_is_off_and_a_bare_get_is_an_error(sample: Transport) -> None:
    key = {"X-API-Key": CURRENT_KEY}
    browser = sample.request("GET", "/graphql", headers={**key, "Accept": "text/html"})
    assert browser.status == 404
    assert browser.headers["content-type"] == "application/json"
    assert browser.json()["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    client = sample.request("GET", "/graphql", headers={**key, "Accept": "application/json"})
    assert client.status == 400
    assert client.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
