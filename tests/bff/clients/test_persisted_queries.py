"""Automatic persisted queries (Apollo's `extensions.persistedQuery`) for an `apq` client, over
POST and GET, stored in the BFF table (moto server over HTTP) and shared by BFF processes."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from typing import Any

import boto3
import orjson
import pytest

from bff.clients.persisted_queries import PersistedQueryStore
from bff.devstack.moto_server import free_port, wait_for_port
from tests.bff.clients.conftest import ClientStack, as_client
from tests.discovery.conftest import table_items
from tests.support.edge_clients import ASGIClient, EdgeResponse, post_json
from tests.support.edge_fixtures import API_KEYS

QUERY = "query Names { students { name } }"
HASH = hashlib.sha256(QUERY.encode()).hexdigest()
NAMES = {"data": {"students": [{"name": "Ada"}, {"name": "Grace"}]}}


def extensions(sha256: str = HASH) -> dict[str, Any]:
    return {"persistedQuery": {"version": 1, "sha256Hash": sha256}}


def send(client: ASGIClient, method: str, *, query: str | None, sha256: str = HASH) -> EdgeResponse:
    headers = as_client("web")
    if method == "GET":
        parameters = {"extensions": orjson.dumps(extensions(sha256)).decode()}
        if query is not None:
            parameters["query"] = query
        return client.request("GET", "/graphql", query=parameters, headers=headers)
    payload: dict[str, Any] = {"extensions": extensions(sha256)}
    if query is not None:
        payload["query"] = query
    return post_json(client, payload, headers=headers)


def codes(response: EdgeResponse) -> list[str]:
    return [error["extensions"]["code"] for error in response.json().get("errors", [])]


def stored(stack: ClientStack, dynamodb_client: Any) -> dict[str, str]:
    return {
        item["pk"]["S"]: item["query"]["S"]
        for item in table_items(dynamodb_client, stack.bff_table)
        if item["pk"]["S"].startswith("APQ#")
    }


@pytest.mark.parametrize("method", ["POST", "GET"])
def test_unknown_hash_store_then_hit(
    stack: ClientStack, client: ASGIClient, dynamodb_client: Any, method: str
) -> None:
    missing = send(client, method, query=None)
    assert missing.status == 200
    assert missing.json()["errors"] == [
        {"message": "PersistedQueryNotFound", "extensions": {"code": "PERSISTED_QUERY_NOT_FOUND"}}
    ]

    registered = send(client, method, query=QUERY)
    assert registered.json() == NAMES
    assert stored(stack, dynamodb_client) == {f"APQ#{HASH}": QUERY}

    assert send(client, method, query=None).json() == NAMES


def test_stored_entries_expire_after_the_ttl(
    stack: ClientStack, client: ASGIClient, dynamodb_client: Any
) -> None:
    send(client, "POST", query=QUERY)

    (item,) = [
        i for i in table_items(dynamodb_client, stack.bff_table) if i["pk"]["S"] == f"APQ#{HASH}"
    ]
    remaining = int(item["expiresAt"]["N"]) - time.time()
    ttl = stack.settings().persisted_query_ttl_seconds
    assert ttl - 60 < remaining <= ttl


@pytest.mark.parametrize("method", ["POST", "GET"])
def test_a_hash_that_is_not_the_querys_is_refused_and_nothing_stored(
    stack: ClientStack, client: ASGIClient, dynamodb_client: Any, method: str
) -> None:
    other = hashlib.sha256(b"query { other }").hexdigest()

    refused = send(client, method, query=QUERY, sha256=other)

    assert codes(refused) == ["PERSISTED_QUERY_HASH_MISMATCH"]
    assert "not the SHA-256 of the query" in refused.json()["errors"][0]["message"]
    assert stored(stack, dynamodb_client) == {}
    assert codes(send(client, method, query=None, sha256=other)) == ["PERSISTED_QUERY_NOT_FOUND"]


def test_an_invalid_query_is_not_stored(
    stack: ClientStack, client: ASGIClient, dynamodb_client: Any
) -> None:
    bad = "query { nope }"

    refused = send(client, "POST", query=bad, sha256=hashlib.sha256(bad.encode()).hexdigest())

    assert codes(refused) == ["GRAPHQL_VALIDATION_FAILED"]
    assert stored(stack, dynamodb_client) == {}


@pytest.mark.parametrize(
    "persisted",
    [{"version": 2, "sha256Hash": HASH}, {"version": 1}, {"version": 1, "sha256Hash": 7}, "x"],
    ids=["version-2", "no-hash", "hash-not-text", "not-an-object"],
)
def test_a_malformed_persisted_query_extension_is_a_bad_request(
    client: ASGIClient, persisted: Any
) -> None:
    response = post_json(
        client,
        {"query": QUERY, "extensions": {"persistedQuery": persisted}},
        headers=as_client("web"),
    )
    assert codes(response) == ["BAD_REQUEST"]


def test_a_client_without_apq_runs_the_query_and_stores_nothing(
    stack: ClientStack, client: ASGIClient, dynamodb_client: Any
) -> None:
    # Unnamed clients get the built-in default policy: open.
    answered = post_json(client, {"query": QUERY, "extensions": extensions()})

    assert answered.json() == NAMES
    assert stored(stack, dynamodb_client) == {}
    assert codes(post_json(client, {"extensions": extensions()})) == [
        "PERSISTED_QUERY_NOT_SUPPORTED"
    ]


def test_a_second_gateway_answers_a_hash_the_first_stored(
    stack: ClientStack, client: ASGIClient
) -> None:
    send(client, "POST", query=QUERY)
    other = stack.app()
    try:
        # Its own in-process cache is empty: the hash is found in DynamoDB.
        assert send(stack.client(other), "GET", query=None).json() == NAMES
    finally:
        stack.loop.run_until_complete(other.close())


@pytest.fixture
def bff_process(stack: ClientStack) -> Iterator[str]:
    """A second BFF, `bff serve` in its own process, over the same tables."""
    port = free_port()
    env = {
        **os.environ,
        "REGISTRY_TABLE": stack.registry_table,
        "BFF_TABLE": stack.bff_table,
        "SUBGRAPH_URL_OVERRIDES": json.dumps(stack.subgraphs.urls),
        "SUBGRAPH_API_KEYS": json.dumps(API_KEYS),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "bff.cli", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        try:
            wait_for_port("127.0.0.1", port, timeout=60)
        except TimeoutError:
            process.kill()
            raise AssertionError(process.communicate()[1].decode()[-3000:]) from None
        yield f"http://127.0.0.1:{port}/graphql"
    finally:
        process.terminate()
        process.wait(30)


def test_two_bff_processes_share_the_store(
    stack: ClientStack, client: ASGIClient, bff_process: str
) -> None:
    def post_to_process(payload: dict[str, Any]) -> Any:
        request = urllib.request.Request(
            bff_process,
            data=orjson.dumps(payload),
            headers={"content-type": "application/json", "graphql-client-name": "web"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            return orjson.loads(response.read())

    # The other process registers the query; this one answers its hash.
    assert post_to_process({"query": QUERY, "extensions": extensions()}) == NAMES
    assert send(client, "POST", query=None).json() == NAMES
    # And the other way round.
    second = "query Ids { students { id } }"
    second_hash = hashlib.sha256(second.encode()).hexdigest()
    assert send(client, "POST", query=second, sha256=second_hash).json()["data"]
    assert post_to_process({"extensions": extensions(second_hash)})["data"]["students"][0] == {
        "id": "1"
    }


def test_with_the_store_down_full_queries_are_still_answered(stack: ClientStack) -> None:
    app = stack.app()
    # DynamoDB unreachable: nothing listens on this port.
    dead = boto3.client(
        "dynamodb", endpoint_url=f"http://127.0.0.1:{free_port()}", region_name="us-east-1"
    )
    app.gateway.admission.persisted_queries = PersistedQueryStore(
        stack.bff_table, ttl_seconds=60, cache_size=100, client=dead
    )
    client = stack.client(app)
    try:
        assert codes(send(client, "POST", query=None)) == ["PERSISTED_QUERY_NOT_FOUND"]
        assert send(client, "POST", query=QUERY).json() == NAMES
        assert post_json(client, {"query": QUERY}, headers=as_client("web")).json() == NAMES
    finally:
        stack.loop.run_until_complete(app.close())
