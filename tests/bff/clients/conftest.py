"""A BFF whose clients are registered in a real registry table (moto server over HTTP): the
tagged subgraphs (tests/bff/fixtures/clients/) registered at the loopback subgraphs' URLs,
`web` (apq, full schema), `mobile` (safelist, contract without `internal`, two published
documents) and `partner` (open, mobile's contract), and the BFF table for persisted queries."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from bff.config import GatewaySettings
from bff.gateway import Gateway, provider_from_settings
from bff.http.app import GraphQLApp
from bff.supergraph.contracts import Contract
from bff.tables import BFF, REGISTRY, TableSpec
from discovery.client_registry import ClientRegistry
from discovery.store import RegistryStore
from tests.support.edge_clients import ASGIClient, EdgeResponse, post_json
from tests.support.edge_fixtures import API_KEYS
from tests.support.loopback_subgraphs import LoopbackSubgraphs
from tests.support.tagged_subgraphs import NAMES, tagged_sdl

PROFILE = "query Profile($id: ID!) { student(id: $id) { id name } }"
LESSONS = "query Lessons { lessons { id title } }"
MOBILE_MANIFEST = {
    "format": "apollo-persisted-query-manifest",
    "version": 1,
    "operations": [
        {"id": "mobile-profile", "name": "Profile", "type": "query", "body": PROFILE},
        {"id": "mobile-lessons", "name": "Lessons", "type": "query", "body": LESSONS},
    ],
}


@dataclass
class ClientStack:
    registry_table: str
    bff_table: str
    subgraphs: LoopbackSubgraphs
    store: RegistryStore
    loop: asyncio.AbstractEventLoop

    def settings(self, **overrides: Any) -> GatewaySettings:
        return GatewaySettings(
            registry_table=self.registry_table,
            bff_table=self.bff_table,
            registry_poll_seconds=0,
            subgraph_url_overrides=self.subgraphs.urls,
            subgraph_api_keys=API_KEYS,
            subgraph_timeout_seconds=5,
            # The contract tests introspect (off by default in production).
            **{"introspection_enabled": True, **overrides},
        )

    def app(self, **overrides: Any) -> GraphQLApp:
        config = self.settings(**overrides)
        return GraphQLApp(Gateway(provider_from_settings(config), config), config)

    def client(self, app: GraphQLApp) -> ASGIClient:
        return ASGIClient(app, self.loop)


def as_client(name: str | None, **extra: str) -> dict[str, str]:
    return {"graphql-client-name": name, **extra} if name else dict(extra)


def post(client: ASGIClient, payload: dict[str, Any], name: str | None) -> EdgeResponse:
    return post_json(client, payload, headers=as_client(name))


@pytest.fixture
def stack(
    make_table: Callable[[TableSpec], str],
    dynamodb_client: Any,
    subgraphs: LoopbackSubgraphs,
    edge_loop: asyncio.AbstractEventLoop,
) -> Iterator[ClientStack]:
    registry_table, bff_table = make_table(REGISTRY), make_table(BFF)
    store = RegistryStore(registry_table, client=dynamodb_client)
    for name in NAMES:
        store.register(name, subgraphs.urls[name], tagged_sdl(name))
    clients = ClientRegistry(store)
    without_internal = Contract(exclude_tags=frozenset({"internal"}))
    clients.register("web", "apq", Contract())
    clients.register("mobile", "safelist", without_internal)
    # mobile's contract with any operation allowed: for introspection and validation tests.
    clients.register("partner", "open", without_internal)
    clients.publish("mobile", MOBILE_MANIFEST)
    yield ClientStack(registry_table, bff_table, subgraphs, store, edge_loop)


@pytest.fixture
def app(stack: ClientStack) -> Iterator[GraphQLApp]:
    served = stack.app()
    yield served
    stack.loop.run_until_complete(served.close())


@pytest.fixture
def client(stack: ClientStack, app: GraphQLApp) -> ASGIClient:
    return stack.client(app)
