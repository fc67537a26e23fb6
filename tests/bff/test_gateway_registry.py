"""The gateway on the registry: what discovery publishes (moto's DynamoDB over HTTP) is served,
newer versions replace it (refreshed in the background: a slow registry never delays a request),
and API keys come from the secrets the service records point to."""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import AsyncIterator

import boto3
import pytest

from bff.config import ConfigurationError, GatewaySettings, api_key_from_secret
from bff.gateway import (
    Gateway,
    GraphQLRequest,
    RegistrySupergraphProvider,
    ServedSupergraph,
    SupergraphUnavailableError,
    provider_from_settings,
    served_supergraph_builder,
)
from bff.registry_table.source import SupergraphSource
from bff.tables import REGISTRY
from discovery.store import RegistryStore
from tests.support.loopback_subgraphs import FIXTURES, LoopbackSubgraphs

STUDENT_NAMES = "{ students { name } }"


@pytest.fixture
def registry(make_table, moto_server, monkeypatch: pytest.MonkeyPatch) -> RegistryStore:
    monkeypatch.setenv("AWS_ENDPOINT_URL_SECRETS_MANAGER", moto_server.endpoint)
    return RegistryStore(make_table(REGISTRY))


@pytest.fixture
def key_refs() -> dict[str, str]:
    """One Secrets Manager secret per subgraph, in the format the subgraphs read (a key list)."""
    secrets = boto3.client("secretsmanager")
    refs = {}
    for name in ("students", "lessons"):
        refs[name] = f"bff-tests/{uuid.uuid4().hex}/{name}"
        secrets.create_secret(Name=refs[name], SecretString=f'["{name}-current", "{name}-old"]')
    return refs


@pytest.fixture
async def gateway(registry: RegistryStore) -> AsyncIterator[Gateway]:
    config = GatewaySettings(registry_table=registry.table_name, registry_poll_seconds=0)
    gateway = Gateway(provider_from_settings(config), config)
    yield gateway
    await gateway.close()


def _register(registry: RegistryStore, subgraphs: LoopbackSubgraphs, refs: dict[str, str]) -> None:
    for name in ("students", "lessons"):
        sdl = (FIXTURES / f"{name}.graphql").read_text()
        registry.register(name, subgraphs.urls[name], sdl, api_key_ref=refs[name])


async def test_the_published_supergraph_is_served_with_keys_from_the_records(
    registry: RegistryStore, key_refs, gateway: Gateway, subgraphs: LoopbackSubgraphs
) -> None:
    _register(registry, subgraphs, key_refs)
    before = len(subgraphs.requests)
    query = '{ student(id: "1") { name completions { title } } }'
    result = await gateway.execute(GraphQLRequest(query))
    assert result == {
        "data": {
            "student": {"name": "Ada", "completions": [{"title": "Loops"}, {"title": "Closures"}]}
        }
    }
    assert gateway.served is not None and gateway.served.version == 2
    sent = {(r.service, r.headers["x-api-key"]) for r in subgraphs.requests[before:]}
    assert sent == {("students", "students-current"), ("lessons", "lessons-current")}


async def test_a_newer_version_replaces_the_served_one(
    registry: RegistryStore, key_refs, gateway: Gateway, subgraphs: LoopbackSubgraphs
) -> None:
    _register(registry, subgraphs, key_refs)
    first = await gateway.current()
    registry.remove("lessons")
    assert await gateway.current() is first  # the check runs in the background
    _source(gateway).wait_for_refresh()
    served = await gateway.current()
    assert served is not first
    assert sorted(served.endpoints) == ["students"]
    assert await gateway.execute(GraphQLRequest(STUDENT_NAMES)) == {
        "data": {"students": [{"name": "Ada"}, {"name": "Grace"}]}
    }


async def test_the_refresh_builds_a_new_version_before_any_request_uses_it(
    registry: RegistryStore, key_refs, gateway: Gateway, subgraphs: LoopbackSubgraphs
) -> None:
    _register(registry, subgraphs, key_refs)
    first = await gateway.current()
    registry.remove("lessons")
    source = _source(gateway)
    await gateway.current()  # due (poll interval 0): starts the refresh in the background
    source.wait_for_refresh()

    built = source.get().prepared
    # The refresh built the version: planner with its query graph, validation rules, the
    # schema's index, with nothing planned or cached yet.
    assert isinstance(built, ServedSupergraph) and built is not first
    assert built.version == 3 and sorted(built.planner.graph.supergraph.subgraphs) == ["students"]
    assert len(built.operations) == 0
    # The first request after the refresh is served by exactly what the refresh built.
    assert (await gateway.execute(GraphQLRequest(STUDENT_NAMES)))["data"]["students"]
    assert gateway.served is built
    assert {endpoint.api_key for endpoint in built.endpoints.values()} == {"students-current"}


async def test_a_version_that_does_not_build_keeps_the_last_good_one_serving(
    registry: RegistryStore,
    key_refs,
    subgraphs: LoopbackSubgraphs,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Composed graphs load, so the failure is injected into one version's build.
    build = served_supergraph_builder(GatewaySettings())
    refused = {"version": 0}

    def prepare(snapshot: object) -> ServedSupergraph:
        if getattr(snapshot, "version", None) == refused["version"]:
            raise ValueError("the query graph does not build")
        return build(snapshot)

    source = SupergraphSource(registry.table_name, poll_interval=0, prepare=prepare)
    gateway = Gateway(RegistrySupergraphProvider(source), GatewaySettings())
    try:
        _register(registry, subgraphs, key_refs)
        good = await gateway.current()
        refused["version"] = 3
        registry.remove("lessons")
        source.refresh()
        assert "published supergraph version 3 does not load" in caplog.text
        assert await gateway.current() is good
        assert (await gateway.execute(GraphQLRequest(STUDENT_NAMES)))["data"]["students"]
    finally:
        await gateway.close()


@pytest.mark.parametrize(
    ("secret", "key"),
    [
        ("plain-key", "plain-key"),
        (" k1, k2 ", "k1"),
        ('["k1", "k2"]', "k1"),
        ('{"apiKey": "k3"}', "k3"),
    ],
)
def test_the_key_sent_is_the_first_valid_one_in_the_secret(secret: str, key: str) -> None:
    assert api_key_from_secret(secret) == key


@pytest.mark.parametrize("secret", ["", "[]", "{not json", '{"other": 1}'])
def test_a_secret_without_a_key_is_refused(secret: str) -> None:
    with pytest.raises(ConfigurationError):
        api_key_from_secret(secret)


async def test_an_empty_registry_is_unavailable_until_something_is_published(
    registry: RegistryStore, key_refs, gateway: Gateway, subgraphs: LoopbackSubgraphs
) -> None:
    with pytest.raises(SupergraphUnavailableError):
        await gateway.execute(GraphQLRequest(STUDENT_NAMES))
    _register(registry, subgraphs, key_refs)
    assert (await gateway.execute(GraphQLRequest(STUDENT_NAMES)))["data"]["students"]


def _source(gateway: Gateway) -> SupergraphSource:
    provider = gateway._provider
    assert isinstance(provider, RegistrySupergraphProvider)
    return provider.source


async def test_a_slow_registry_never_delays_a_request(
    registry: RegistryStore, key_refs, subgraphs: LoopbackSubgraphs
) -> None:
    client = boto3.client("dynamodb")
    config = GatewaySettings()
    source = SupergraphSource(
        registry.table_name,
        client=client,
        poll_interval=0,
        prepare=served_supergraph_builder(config),
    )
    gateway = Gateway(RegistrySupergraphProvider(source), config)
    _register(registry, subgraphs, key_refs)
    await gateway.execute(GraphQLRequest(STUDENT_NAMES))
    entered, release = threading.Event(), threading.Event()

    def hang(**_: object) -> None:
        entered.set()
        release.wait(30)

    # Every table read now hangs until released: the registry is as slow as it gets.
    client.meta.events.register("before-send.dynamodb.*", hang)
    try:
        registry.remove("lessons")
        first = await gateway.execute(GraphQLRequest(STUDENT_NAMES))  # starts the refresh
        assert await asyncio.to_thread(entered.wait, 30)
        # The refresh is stuck on the table right now; requests are answered meanwhile.
        during = await gateway.execute(GraphQLRequest(STUDENT_NAMES))
        assert gateway.served is not None and gateway.served.version == 2
    finally:
        release.set()
        client.meta.events.unregister("before-send.dynamodb.*", hang)
    answer = {"data": {"students": [{"name": "Ada"}, {"name": "Grace"}]}}
    try:
        assert first == during == answer
        await asyncio.to_thread(source.wait_for_refresh, 30)
        assert (await gateway.current()).version == 3
    finally:
        await gateway.close()
