"""The gateway on the registry: what discovery publishes (moto's DynamoDB over HTTP) is served,
newer versions replace it, and API keys come from the secrets the service records point to."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import boto3
import pytest

from bff.config import ConfigurationError, GatewaySettings, api_key_from_secret
from bff.gateway import (
    Gateway,
    GraphQLRequest,
    SupergraphUnavailableError,
    provider_from_settings,
)
from discovery.store import RegistryStore
from services.toolkit.tables import REGISTRY
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
    served = await gateway.current()
    assert served is not first
    assert sorted(served.endpoints) == ["students"]
    assert await gateway.execute(GraphQLRequest(STUDENT_NAMES)) == {
        "data": {"students": [{"name": "Ada"}, {"name": "Grace"}]}
    }


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
