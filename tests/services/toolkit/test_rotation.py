"""Rotation end to end, over HTTP, with the keys in Secrets Manager (the moto server): while a
secret holds two API keys (or two claims-signing keys), both are valid; a key removed from the
secret stops working once the TTL has passed (and the re-read the next request starts in the
background has arrived), without restarting or redeploying anything.

The TTL is one second here, so the test waits a little over a second at each step; what it
asserts is only which keys work, never how long anything took.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from services.toolkit.api_keys import ApiKeys
from services.toolkit.app import create_app
from services.toolkit.identity import IdentityVerifier
from services.toolkit.secrets import RotatingKeys
from tests.services.toolkit.sample_subgraph import SERVICE_NAME, schema
from tests.services.toolkit.transports import Transport, graphql, open_transport
from tests.support.identity import identity_headers

TTL_SECONDS = 1
OLD, NEW = "rotation-old-0123456789abcdef0123456789", "rotation-new-0123456789abcdef0123456789"


@pytest.fixture
def secrets_client(moto_server: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("AWS_ENDPOINT_URL_SECRETS_MANAGER", moto_server.endpoint)
    return boto3.client("secretsmanager")


@pytest.fixture
def secrets(secrets_client: Any) -> dict[str, str]:
    """One secret for the API keys, one for the claims keys; both start with OLD only."""
    return {
        kind: secrets_client.create_secret(
            Name=f"sample/{kind}/{uuid.uuid4().hex}", SecretString=OLD
        )["ARN"]
        for kind in ("api-keys", "claims-keys")
    }


@pytest.fixture
def keys(secrets: dict[str, str], secrets_client: Any) -> tuple[ApiKeys, RotatingKeys]:
    api_keys = ApiKeys.from_secret(
        secrets["api-keys"], ttl_seconds=TTL_SECONDS, client=secrets_client
    )
    claims_keys = RotatingKeys.from_secret(
        secrets["claims-keys"], ttl_seconds=TTL_SECONDS, client=secrets_client
    )
    return api_keys, claims_keys


@pytest.fixture
def sample(keys: tuple[ApiKeys, RotatingKeys]) -> Iterator[Transport]:
    api_keys, claims_keys = keys
    app = create_app(
        schema,
        SERVICE_NAME,
        resources={"greeting": "hello"},
        api_keys=api_keys,
        identity=IdentityVerifier(claims_keys, SERVICE_NAME),
    )
    with open_transport("http", app) as transport:
        yield transport


def works(sample: Transport, api_key: str) -> bool:
    reply = graphql(sample, "{ greeting }", api_key=api_key)
    return reply.status == 200


def signed_in(sample: Transport, claims_key: str) -> bool:
    headers = identity_headers(SERVICE_NAME, "user-1", key=claims_key)
    reply = graphql(sample, "{ identity }", api_key=NEW, headers=headers)
    return reply.json()["data"]["identity"] is not None


def put(secrets_client: Any, arn: str, value: str) -> None:
    secrets_client.put_secret_value(SecretId=arn, SecretString=value)


def after_the_ttl(sample: Transport, keys: tuple[ApiKeys, RotatingKeys]) -> None:
    """Past the TTL, the next request starts the re-reads (it is answered with the keys held,
    never waiting for Secrets Manager); the requests after them see the new keys."""
    time.sleep(TTL_SECONDS + 0.2)
    headers = identity_headers(SERVICE_NAME, "user-1", key=OLD)
    for api_key in (OLD, NEW):  # one of them gets past the API key check to the identity one
        graphql(sample, "{ identity }", api_key=api_key, headers=headers)
    for rotating in keys:
        rotating.wait_for_refresh(30)


def test_two_api_keys_are_valid_at_once_and_a_removed_one_stops_after_the_ttl(
    sample: Transport,
    secrets: dict[str, str],
    secrets_client: Any,
    keys: tuple[ApiKeys, RotatingKeys],
) -> None:
    assert works(sample, OLD) and not works(sample, NEW)

    put(secrets_client, secrets["api-keys"], f"{OLD},{NEW}")
    after_the_ttl(sample, keys)
    assert works(sample, OLD) and works(sample, NEW)

    put(secrets_client, secrets["api-keys"], json.dumps([NEW]))
    after_the_ttl(sample, keys)
    assert works(sample, NEW) and not works(sample, OLD)


def test_two_claims_keys_are_valid_at_once_and_a_removed_one_stops_after_the_ttl(
    sample: Transport,
    secrets: dict[str, str],
    secrets_client: Any,
    keys: tuple[ApiKeys, RotatingKeys],
) -> None:
    put(secrets_client, secrets["api-keys"], NEW)
    after_the_ttl(sample, keys)
    assert signed_in(sample, OLD) and not signed_in(sample, NEW)

    put(secrets_client, secrets["claims-keys"], f"{NEW},{OLD}")
    after_the_ttl(sample, keys)
    assert signed_in(sample, OLD) and signed_in(sample, NEW)

    put(secrets_client, secrets["claims-keys"], NEW)
    after_the_ttl(sample, keys)
    assert signed_in(sample, NEW) and not signed_in(sample, OLD)
