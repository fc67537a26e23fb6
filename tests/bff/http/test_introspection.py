"""Introspection that real clients accept: graphql-js (run with node) and graphql-core build a
client schema from our answer, and nothing of federation's or the supergraph's internals shows."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import orjson
import pytest
from graphql import build_client_schema, get_introspection_query, print_schema

from bff.http.assets import DEFAULT_NODE_MODULES
from bff.supergraph import load_supergraph_file
from tests.support.edge_clients import post_json
from tests.support.loopback_subgraphs import SUPERGRAPH_FILE

PRINT_CLIENT_SCHEMA = Path(__file__).parent / "print_client_schema.cjs"
INTERNALS = ("_entities", "_service", "_Any", "_Entity", "_Service", "join__", "link__")
INACCESSIBLE = ("auditLog", "passwordHash", "@inaccessible")

# GraphiQL's query: descriptions, deprecations, repeatable directives, specifiedBy, one-of.
FULL_QUERY = get_introspection_query(
    descriptions=True,
    specified_by_url=True,
    directive_is_repeatable=True,
    schema_description=True,
    input_value_deprecation=True,
    one_of=True,
)


@pytest.fixture(scope="module")
def expected_sdl() -> str:
    return print_schema(load_supergraph_file(SUPERGRAPH_FILE).api_schema)


def _introspect(client) -> dict:
    response = post_json(client, {"query": FULL_QUERY, "operationName": "IntrospectionQuery"})
    assert response.status == 200
    body = response.json()
    assert "errors" not in body
    return body


def test_graphql_js_builds_the_client_schema(client, expected_sdl) -> None:
    node = shutil.which("node")
    assert node, "node is needed for this test (Node 20)"
    printed = subprocess.run(
        [node, str(PRINT_CLIENT_SCHEMA), str(DEFAULT_NODE_MODULES)],
        input=orjson.dumps(_introspect(client)),
        capture_output=True,
        check=True,
        timeout=60,
    ).stdout.decode()
    assert printed.strip() == expected_sdl.strip()


def test_graphql_core_builds_the_client_schema(client, expected_sdl) -> None:
    schema = build_client_schema(_introspect(client)["data"])
    assert print_schema(schema) == expected_sdl


def test_no_internals_or_inaccessible_elements_leak(client) -> None:
    text = orjson.dumps(_introspect(client)).decode()
    for name in (*INTERNALS, *INACCESSIBLE):
        assert name not in text


def test_internal_fields_cannot_be_queried(client) -> None:
    query = """{
      _service { sdl }
      _entities(representations: [{__typename: "Student", id: "1"}]) { __typename }
    }"""
    response = post_json(client, {"query": query})
    messages = [error["message"] for error in response.json()["errors"]]
    assert messages == [
        "Cannot query field '_service' on type 'Query'.",
        "Cannot query field '_entities' on type 'Query'.",
    ]
