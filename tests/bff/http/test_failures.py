"""When the gateway itself cannot answer: no supergraph yet (503) and unexpected errors (a
GraphQL `INTERNAL_SERVER_ERROR`, never a stack trace), through the app and the handler."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from bff.config import GatewaySettings
from bff.gateway import Gateway, SupergraphUnavailableError
from bff.http.app import GraphQLApp
from bff.supergraph import Supergraph
from tests.support.edge_clients import post_json


class FailingProvider:
    """A provider whose next answer the test chooses."""

    def __init__(self) -> None:
        self.failure: Exception = SupergraphUnavailableError("no supergraph has been published")

    async def latest(self) -> Supergraph:
        raise self.failure


@pytest.fixture(scope="module")
def provider() -> FailingProvider:
    return FailingProvider()


@pytest.fixture(scope="module")
def edge_app(
    provider: FailingProvider, edge_loop: asyncio.AbstractEventLoop
) -> Iterator[GraphQLApp]:
    config = GatewaySettings()
    app = GraphQLApp(Gateway(provider, config, api_keys={}), config)
    yield app
    edge_loop.run_until_complete(app.gateway.close())


@pytest.fixture
def unavailable(provider: FailingProvider) -> None:
    provider.failure = SupergraphUnavailableError("no supergraph has been published")


@pytest.fixture
def broken(provider: FailingProvider) -> None:
    provider.failure = RuntimeError("boom at /var/task/secret_path.py")


@pytest.mark.usefixtures("unavailable")
def test_graphql_without_a_supergraph_is_503(client) -> None:
    response = post_json(client, {"query": "{ __typename }"})
    assert response.status == 503
    assert response.headers["retry-after"] == "5"
    assert response.json()["errors"][0]["extensions"]["code"] == "SUPERGRAPH_UNAVAILABLE"


@pytest.mark.usefixtures("unavailable")
def test_health_without_a_supergraph_is_503(client) -> None:
    response = client.request("GET", "/health")
    assert response.status == 503
    assert response.json() == {"status": "unavailable"}
    # Liveness is not readiness: the process answers.
    assert client.request("GET", "/health/live").status == 200


@pytest.mark.usefixtures("broken")
@pytest.mark.parametrize("accept", ["application/json", "application/graphql-response+json"])
def test_unexpected_errors_are_a_masked_graphql_error(client, accept) -> None:
    response = post_json(client, {"query": "{ __typename }"}, headers={"accept": accept})
    assert response.status == 200
    assert response.json() == {
        "errors": [
            {"message": "Internal server error.", "extensions": {"code": "INTERNAL_SERVER_ERROR"}}
        ],
        "data": None,
    }
    assert b"secret_path" not in response.body


@pytest.mark.usefixtures("broken")
def test_health_reports_unavailable_on_unexpected_errors(client) -> None:
    response = client.request("GET", "/health")
    assert response.status == 503
    assert b"secret_path" not in response.body


def test_websocket_connections_are_refused(edge_app, edge_loop) -> None:
    sent: list[dict] = []

    async def receive() -> dict:
        return {"type": "websocket.connect"}

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {"type": "websocket", "path": "/graphql", "headers": []}
    edge_loop.run_until_complete(edge_app(scope, receive, send))
    assert sent == [{"type": "websocket.close", "code": 1003}]


def test_a_body_that_is_not_utf8_is_a_400_with_a_clear_error(client) -> None:
    response = client.request(
        "POST",
        "/graphql",
        headers={"content-type": "application/json"},
        body=b'{"query": "{ \xff\xfe }"}',
    )
    assert response.status == 400
    [error] = response.json()["errors"]
    assert "JSON" in error["message"]
