"""/health: liveness, and readiness whose details (supergraph version, each subgraph's breaker
state) only a caller with the health token sees; through the ASGI app and API Gateway events."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from bff.devstack.moto_server import free_port
from bff.http.app import GraphQLApp
from tests.bff.http.conftest import CLIENT_KINDS, edge_client
from tests.support.edge_clients import EdgeClient
from tests.support.edge_fixtures import SUPERGRAPH_VERSION, build_edge_app, edge_settings
from tests.support.loopback_subgraphs import LoopbackSubgraphs

TOKEN = "health-token-for-tests"
DETAILS = {"authorization": f"Bearer {TOKEN}"}


@pytest.fixture(scope="module")
def health_app(
    subgraphs: LoopbackSubgraphs, graphiql_assets_dir: Path, edge_loop: asyncio.AbstractEventLoop
) -> Iterator[GraphQLApp]:
    # lessons is down, and one failure opens its breaker.
    urls = {**subgraphs.urls, "lessons": f"http://127.0.0.1:{free_port()}/graphql"}
    config = edge_settings(
        subgraphs, graphiql_assets_dir, health_token=TOKEN, subgraph_breaker_failures=1
    ).replace(subgraph_url_overrides=urls)
    app = build_edge_app(config)
    yield app
    edge_loop.run_until_complete(app.gateway.close())


@pytest.fixture(params=CLIENT_KINDS)
def client(
    request: pytest.FixtureRequest, health_app: GraphQLApp, edge_loop: asyncio.AbstractEventLoop
) -> EdgeClient:
    return edge_client(request.param, health_app, edge_loop)


def test_the_health_token_shows_the_version_and_each_breaker(client: EdgeClient) -> None:
    detailed = client.request("GET", "/health", headers=DETAILS).json()
    assert detailed["status"] == "ok"
    assert detailed["supergraphVersion"] == SUPERGRAPH_VERSION
    assert {s["name"] for s in detailed["services"]} == {"lessons", "students"}

    client.request(
        "POST",
        "/graphql",
        headers={"content-type": "application/json"},
        body=b'{"query": "{ lessons { id } }"}',
    )
    after = client.request("GET", "/health/ready", headers=DETAILS).json()
    assert after["services"] == [
        {"name": "lessons", "breaker": "open"},
        {"name": "students", "breaker": "closed"},
    ]
    # Without the token: ready, and nothing else.
    assert client.request("GET", "/health").json() == {"status": "ok"}


@pytest.fixture(scope="module")
def secret_health_app(
    subgraphs: LoopbackSubgraphs,
    graphiql_assets_dir: Path,
    edge_loop: asyncio.AbstractEventLoop,
    moto_server: Any,
) -> Iterator[GraphQLApp]:
    # As in AWS (infra/bff.yaml): the token lives in Secrets Manager, the app knows its id.
    with pytest.MonkeyPatch.context() as env:
        env.setenv("AWS_ENDPOINT_URL_SECRETS_MANAGER", moto_server.endpoint)
        client = boto3.client("secretsmanager")
        name = f"bff/test/health/{uuid.uuid4().hex}"
        secret_id = client.create_secret(Name=name, SecretString=TOKEN)["ARN"]
        config = edge_settings(subgraphs, graphiql_assets_dir, health_token_secret_id=secret_id)
        app = build_edge_app(config)
        yield app
        edge_loop.run_until_complete(app.gateway.close())


@pytest.mark.parametrize("kind", CLIENT_KINDS)
def test_the_health_token_may_come_from_secrets_manager(
    kind: str, secret_health_app: GraphQLApp, edge_loop: asyncio.AbstractEventLoop
) -> None:
    client = edge_client(kind, secret_health_app, edge_loop)
    detailed = client.request("GET", "/health", headers=DETAILS).json()
    assert detailed["supergraphVersion"] == SUPERGRAPH_VERSION
    wrong = {"authorization": "Bearer not-the-token"}
    assert client.request("GET", "/health", headers=wrong).json() == {"status": "ok"}
    assert client.request("GET", "/health").json() == {"status": "ok"}
