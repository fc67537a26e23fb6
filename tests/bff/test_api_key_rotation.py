"""The BFF's subgraph API keys from Secrets Manager (the moto server, over HTTP), read through
Powertools Parameters: a key rotated in the secret (`new,old`: both valid at the subgraph) is
sent after `SECRETS_TTL_SECONDS` without a restart, re-read in the background so no request
waits for Secrets Manager but the first, and re-read at once when the subgraph refuses the key
we sent (403). Time is a fake clock: the tests assert which key is sent, never a duration."""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from bff.api_keys import SubgraphApiKeys
from bff.config import ConfigurationError, GatewaySettings
from bff.gateway import FileSupergraphProvider, Gateway, GraphQLRequest
from bff.secret_cache import SecretCache
from tests.support.fake_clock import FakeClock
from tests.support.loopback_subgraphs import SUPERGRAPH_FILE, LoopbackSubgraphs

OLD, NEW = "students-key-old", "students-key-new"
STUDENT = '{ student(id: "1") { name } }'
TTL = 60


@pytest.fixture
def secret(secrets_manager: Any) -> str:
    name = f"bff/test/students/{uuid.uuid4().hex}"
    return str(secrets_manager.create_secret(Name=name, SecretString=OLD)["ARN"])


@pytest.fixture
def students_accept(subgraphs: LoopbackSubgraphs) -> Iterator[set[str]]:
    """The keys the students subgraph accepts now (change the set to rotate them)."""
    accepted = {OLD}
    subgraphs.accepted_keys["students"] = accepted
    yield accepted
    del subgraphs.accepted_keys["students"]


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def gateway(
    subgraphs: LoopbackSubgraphs, secrets_manager: Any, secret: str, clock: FakeClock
) -> AsyncIterator[Gateway]:
    config = GatewaySettings(
        subgraph_url_overrides=subgraphs.urls,
        subgraph_api_key_secret_ids={"students": secret},
        secrets_ttl_seconds=TTL,
    )
    secrets = SecretCache(ttl_seconds=TTL, client=secrets_manager, clock=clock)
    gateway = Gateway(FileSupergraphProvider(SUPERGRAPH_FILE), config, secrets=secrets)
    yield gateway
    await gateway.close()


async def sent_key(gateway: Gateway, subgraphs: LoopbackSubgraphs) -> tuple[str | None, Any]:
    """The key the next request sent the students subgraph, and the request's answer."""
    before = len(subgraphs.requests)
    answer = await gateway.execute(GraphQLRequest(STUDENT))
    [call] = subgraphs.requests[before:]
    return call.headers.get("x-api-key"), answer


ANSWERED = {"data": {"student": {"name": "Ada"}}}


async def test_a_rotated_api_key_is_sent_after_the_ttl_without_a_restart(
    gateway: Gateway,
    subgraphs: LoopbackSubgraphs,
    secrets_manager: Any,
    secret: str,
    clock: FakeClock,
    students_accept: set[str],
) -> None:
    assert await sent_key(gateway, subgraphs) == (OLD, ANSWERED)
    served = gateway.served

    # Rotation: the subgraph accepts both keys, then the secret lists the new one first.
    students_accept.add(NEW)
    secrets_manager.put_secret_value(SecretId=secret, SecretString=f"{NEW},{OLD}")
    clock.now += TTL - 1
    assert await sent_key(gateway, subgraphs) == (OLD, ANSWERED)  # within the TTL

    clock.now += 1
    # Past the TTL: this request starts the re-read and is answered with the key held.
    assert await sent_key(gateway, subgraphs) == (OLD, ANSWERED)
    gateway.secrets.wait_for_refresh(30)
    assert await sent_key(gateway, subgraphs) == (NEW, ANSWERED)
    assert gateway.served is served  # the same version: caches kept

    # The old key leaves the subgraph: nothing we send uses it any more.
    students_accept.discard(OLD)
    assert await sent_key(gateway, subgraphs) == (NEW, ANSWERED)


async def test_a_slow_secrets_manager_never_delays_a_request_after_the_first_read(
    gateway: Gateway,
    subgraphs: LoopbackSubgraphs,
    secrets_manager: Any,
    secret: str,
    clock: FakeClock,
) -> None:
    assert (await sent_key(gateway, subgraphs))[0] == OLD
    secrets_manager.put_secret_value(SecretId=secret, SecretString=f"{NEW},{OLD}")
    entered, release = threading.Event(), threading.Event()

    def hang(**_: object) -> None:
        entered.set()
        release.wait(30)

    secrets_manager.meta.events.register("before-send.secrets-manager.*", hang)
    try:
        clock.now += TTL
        first = await sent_key(gateway, subgraphs)  # starts the re-read, which hangs
        assert await asyncio.to_thread(entered.wait, 30)
        # The re-read is stuck on Secrets Manager right now; requests are answered meanwhile.
        during = await sent_key(gateway, subgraphs)
    finally:
        release.set()
        secrets_manager.meta.events.unregister("before-send.secrets-manager.*", hang)
    assert first == during == (OLD, ANSWERED)
    gateway.secrets.wait_for_refresh(30)
    assert (await sent_key(gateway, subgraphs))[0] == NEW


async def test_a_key_the_subgraph_refuses_is_re_read_at_once(
    gateway: Gateway,
    subgraphs: LoopbackSubgraphs,
    secrets_manager: Any,
    secret: str,
    students_accept: set[str],
) -> None:
    assert (await sent_key(gateway, subgraphs))[0] == OLD
    # The key was rotated and the old one already removed at the subgraph, well within the
    # TTL: the subgraph (API Gateway) answers 403 to the key we hold.
    secrets_manager.put_secret_value(SecretId=secret, SecretString=NEW)
    students_accept.clear()
    students_accept.add(NEW)

    key, refused = await sent_key(gateway, subgraphs)
    assert key == OLD
    assert refused["data"] == {"student": None}
    assert refused["errors"][0]["extensions"]["code"] == "SUBGRAPH_UNAVAILABLE"
    gateway.secrets.wait_for_refresh(30)  # the refusal started a re-read of that secret
    assert await sent_key(gateway, subgraphs) == (NEW, ANSWERED)


def test_configured_keys_are_read_at_init_from_secrets_manager(secrets_manager: Any) -> None:
    prefix = uuid.uuid4().hex
    secrets_manager.create_secret(Name=f"{prefix}/students", SecretString="students-secret-key")
    secrets_manager.create_secret(
        Name=f"{prefix}/lessons", SecretString='{"apiKey": "lessons-key"}'
    )
    config = GatewaySettings(
        subgraph_api_keys={"analytics": "inline-key"},
        subgraph_api_key_secret_ids={
            "students": f"{prefix}/students",
            "lessons": f"{prefix}/lessons",
        },
    )
    keys = SubgraphApiKeys(config, SecretCache(client=secrets_manager))
    keys.read_configured()
    assert keys.keys({"analytics", "students", "lessons"}) == {
        "analytics": "inline-key",
        "students": "students-secret-key",
        "lessons": "lessons-key",
    }


def test_a_missing_secret_stops_the_init_naming_the_secret_not_a_value(
    secrets_manager: Any,
) -> None:
    config = GatewaySettings(subgraph_api_key_secret_ids={"students": "no/such/secret"})
    with pytest.raises(ConfigurationError) as error:
        SubgraphApiKeys(config, SecretCache(client=secrets_manager)).read_configured()
    assert str(error.value) == (
        "cannot read the API key of subgraph 'students' from secret 'no/such/secret': "
        "ResourceNotFoundException"
    )


def test_a_secret_without_a_key_stops_the_init(secrets_manager: Any) -> None:
    name = f"bff/test/empty/{uuid.uuid4().hex}"
    secrets_manager.create_secret(Name=name, SecretString="[]")
    config = GatewaySettings(subgraph_api_key_secret_ids={"students": name})
    with pytest.raises(ConfigurationError, match=f"secret '{name}' of subgraph 'students'"):
        SubgraphApiKeys(config, SecretCache(client=secrets_manager)).read_configured()


def test_without_secret_ids_no_aws_client_is_used() -> None:
    config = GatewaySettings(subgraph_api_keys={"students": "k"})
    keys = SubgraphApiKeys(config, SecretCache(client=object()))
    keys.read_configured()
    assert keys.keys({"students", "lessons"}) == {"students": "k"}
