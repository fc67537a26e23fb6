"""Fixtures for the edge's tests: loopback subgraphs, an event loop, and the app serving the
edge supergraph (`tests/bff/fixtures/edge/`) against those subgraphs.

`tests/bff/conftest.py` makes them available to the gateway's tests.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from bff.config import GatewaySettings
from bff.gateway import FileSupergraphProvider, Gateway
from bff.http.app import GraphQLApp
from bff.http.assets import build_assets
from tests.support.loopback_subgraphs import SUPERGRAPH_FILE, LoopbackSubgraphs

SUPERGRAPH_VERSION = 7
API_KEYS = {"students": "students-key", "lessons": "lessons-key"}
# Each subgraph's own claims-signing key (what the BFF signs the user's token with).
CLAIMS_KEYS = {name: f"{name}-claims-key-0123456789abcdef0123456789" for name in API_KEYS}
ALLOWED_ORIGIN = "https://app.example.com"
MAX_BODY_BYTES = 64 * 1024


@pytest.fixture(scope="session")
def subgraphs() -> Iterator[LoopbackSubgraphs]:
    server = LoopbackSubgraphs().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def graphiql_assets_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("static")
    build_assets(target=target)
    return target


@pytest.fixture(scope="module")
def edge_loop() -> Iterator[asyncio.AbstractEventLoop]:
    """One loop for the module, current on the test thread, as in a Lambda process."""
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        yield loop
    finally:
        asyncio.set_event_loop(None)
        loop.close()


def edge_settings(
    subgraphs: LoopbackSubgraphs, assets_dir: Path, **overrides: object
) -> GatewaySettings:
    return GatewaySettings(
        supergraph_file=str(SUPERGRAPH_FILE),
        subgraph_url_overrides=subgraphs.urls,
        subgraph_api_keys=API_KEYS,
        subgraph_claims_keys=CLAIMS_KEYS,
        subgraph_timeout_seconds=5,
        cors_allow_origins=(ALLOWED_ORIGIN,),
        max_body_bytes=MAX_BODY_BYTES,
        graphiql_assets_dir=str(assets_dir),
        **{"graphiql_enabled": True, "introspection_enabled": True, **overrides},
    )


def build_edge_app(config: GatewaySettings) -> GraphQLApp:
    provider = FileSupergraphProvider(SUPERGRAPH_FILE, version=SUPERGRAPH_VERSION)
    return GraphQLApp(Gateway(provider, config), config)


@pytest.fixture(scope="module")
def edge_app(
    subgraphs: LoopbackSubgraphs, graphiql_assets_dir: Path, edge_loop: asyncio.AbstractEventLoop
) -> Iterator[GraphQLApp]:
    served = build_edge_app(edge_settings(subgraphs, graphiql_assets_dir))
    yield served
    edge_loop.run_until_complete(served.gateway.close())
