"""Errors as clients see them: user errors keep message and code, anything else is masked."""

from __future__ import annotations

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
