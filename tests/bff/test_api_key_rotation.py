"""The BFF re-reads its subgraph API keys from Secrets Manager (the moto server) after
`SECRETS_TTL_SECONDS`: once a secret says `new,old`, the next request after the TTL sends the
new key, on the same supergraph version (its caches kept), without a restart. The test waits
a little over the one-second TTL; it asserts which key is sent, never a duration."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import boto3
import pytest

from bff.config import GatewaySettings
from bff.gateway import FileSupergraphProvider, Gateway, GraphQLRequest
from tests.support.loopback_subgraphs import SUPERGRAPH_FILE, LoopbackSubgraphs

OLD, NEW = "students-key-old", "students-key-new"


@pytest.fixture
def secret(moto_server: Any, monkeypatch: pytest.MonkeyPatch) -> tuple[Any, str]:
    monkeypatch.setenv("AWS_ENDPOINT_URL_SECRETS_MANAGER", moto_server.endpoint)
    client = boto3.client("secretsmanager")
    arn = client.create_secret(Name=f"bff/test/students/{uuid.uuid4().hex}", SecretString=OLD)
    return client, arn["ARN"]


@pytest.fixture
async def gateway(subgraphs: LoopbackSubgraphs, secret: tuple[Any, str]) -> AsyncIterator[Gateway]:
    config = GatewaySettings(
        subgraph_url_overrides=subgraphs.urls,
        subgraph_api_key_secret_ids={"students": secret[1]},
        secrets_ttl_seconds=1,
    )
    gateway = Gateway(FileSupergraphProvider(SUPERGRAPH_FILE), config)
    yield gateway
    await gateway.close()


async def sent_key(gateway: Gateway, subgraphs: LoopbackSubgraphs) -> str | None:
    before = len(subgraphs.requests)
    await gateway.execute(GraphQLRequest('{ student(id: "1") { name } }'))
    [call] = subgraphs.requests[before:]
    return call.headers.get("x-api-key")


async def test_a_rotated_api_key_is_sent_after_the_ttl_without_a_restart(
    gateway: Gateway, subgraphs: LoopbackSubgraphs, secret: tuple[Any, str]
) -> None:
    client, arn = secret
    assert await sent_key(gateway, subgraphs) == OLD
    served = gateway.served

    client.put_secret_value(SecretId=arn, SecretString=f"{NEW},{OLD}")
    await asyncio.sleep(1.2)

    assert await sent_key(gateway, subgraphs) == NEW
    assert gateway.served is served  # the same version: caches kept
