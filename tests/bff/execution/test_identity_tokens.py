"""The BFF's side of the identity token: one token per subgraph, addressed to it, short-lived,
signed with the first key of that subgraph's list; keys from Secrets Manager (moto server) are
re-read in the background after the TTL, so a rotated key is used without a restart and no
request waits for Secrets Manager but the first."""

from __future__ import annotations

import asyncio
import threading
import uuid
from typing import Any

import jwt
import pytest

from bff.execution.identity_tokens import (
    ForwardedIdentity,
    IdentitySigner,
    SubgraphSigningKeys,
    key_id,
)
from bff.secret_cache import SecretCache
from services.toolkit.identity import IdentityVerifier
from services.toolkit.secrets import RotatingKeys
from tests.support.fake_clock import FakeClock

OLD, NEW = "signing-old-0123456789abcdef0123456789ab", "signing-new-0123456789abcdef0123456789ab"
CLAIMS = {"sub": "u1", "scope": "openid admin", "iss": "https://idp", "aud": "bff", "exp": 1}


def test_each_subgraph_gets_a_token_for_itself_with_the_users_claims_and_a_short_expiry() -> None:
    keys = SubgraphSigningKeys({"students": OLD, "lessons": NEW})
    signer = IdentitySigner(keys, ttl_seconds=30, clock=lambda: 1_000_000)
    forwarded = ForwardedIdentity(signer, CLAIMS, {"X-Trace": "t1"})

    students = forwarded.for_subgraph("students")
    token = students["X-BFF-Identity"]
    assert students["X-Trace"] == "t1"
    assert forwarded.for_subgraph("students") is students  # signed once per request
    claims = jwt.decode(token, OLD, algorithms=["HS256"], audience="students", options={
        "verify_exp": False})  # fmt: skip
    # The user's issuer, audience and expiry are replaced by the BFF's own.
    assert claims == {"sub": "u1", "scope": "openid admin", "iss": "bff", "aud": "students",
                      "iat": 1_000_000, "exp": 1_000_030}  # fmt: skip
    assert jwt.get_unverified_header(token)["kid"] == key_id(OLD.encode())
    assert OLD not in token
    lessons_token = forwarded.for_subgraph("lessons")["X-BFF-Identity"]
    assert jwt.get_unverified_header(lessons_token)["kid"] == key_id(NEW.encode())


def test_a_subgraph_without_a_key_gets_no_identity_header() -> None:
    forwarded = ForwardedIdentity(IdentitySigner(SubgraphSigningKeys({})), CLAIMS)
    assert forwarded.for_subgraph("students") == {}


@pytest.fixture
def secrets_client(secrets_manager: Any) -> Any:
    return secrets_manager


def signing_keys(
    secrets_client: Any, clock: FakeClock, value: str
) -> tuple[SubgraphSigningKeys, str]:
    arn = secrets_client.create_secret(Name=f"bff/claims/{uuid.uuid4().hex}", SecretString=value)
    cache = SecretCache(ttl_seconds=60, client=secrets_client, clock=clock)
    return SubgraphSigningKeys(secret_ids={"students": arn["ARN"]}, secrets=cache), arn["ARN"]


async def test_signing_keys_from_secrets_manager_are_rotated_after_the_ttl(
    secrets_client: Any,
) -> None:
    clock = FakeClock()
    keys, arn = signing_keys(secrets_client, clock, OLD)
    signer = IdentitySigner(keys)
    # What the subgraph accepts during the rotation: both keys.
    subgraph = IdentityVerifier(RotatingKeys.of(NEW, OLD), "students")

    await keys.ready()  # the first read is waited for: nothing could sign before it
    assert keys.first("students") == OLD.encode()
    secrets_client.put_secret_value(SecretId=arn, SecretString=f"{NEW},{OLD}")
    clock.now += 59
    await keys.ready()
    assert keys.first("students") == OLD.encode()  # within the TTL: not read again

    clock.now += 1
    await keys.ready()  # past the TTL: the re-read starts in the background
    keys.secrets.wait_for_refresh(30)
    await keys.ready()
    token = signer.token(CLAIMS, "students")
    assert token is not None
    assert jwt.get_unverified_header(token)["kid"] == key_id(NEW.encode())
    assert subgraph.verify(token).subject == "u1"


async def test_a_slow_secrets_manager_never_holds_up_signing_after_the_first_read(
    secrets_client: Any,
) -> None:
    clock = FakeClock()
    keys, arn = signing_keys(secrets_client, clock, OLD)
    await keys.ready()
    entered, release = threading.Event(), threading.Event()

    def hang(**_: object) -> None:
        entered.set()
        release.wait(30)

    secrets_client.put_secret_value(SecretId=arn, SecretString=f"{NEW},{OLD}")
    secrets_client.meta.events.register("before-send.secrets-manager.*", hang)
    try:
        clock.now += 60
        await keys.ready()  # starts the re-read, which hangs on Secrets Manager
        assert await asyncio.to_thread(entered.wait, 30)
        # The re-read is stuck right now; requests still sign with the key held.
        await keys.ready()
        assert keys.first("students") == OLD.encode()
    finally:
        release.set()
        secrets_client.meta.events.unregister("before-send.secrets-manager.*", hang)
    keys.secrets.wait_for_refresh(30)
    await keys.ready()
    assert keys.first("students") == NEW.encode()


async def test_an_unreadable_secret_keeps_the_keys_held_and_is_tried_again_later(
    secrets_client: Any,
) -> None:
    clock = FakeClock()
    keys, arn = signing_keys(secrets_client, clock, OLD)
    await keys.ready()
    secrets_client.delete_secret(SecretId=arn, ForceDeleteWithoutRecovery=True)
    clock.now += 60
    await keys.ready()
    keys.secrets.wait_for_refresh(30)
    await keys.ready()
    assert keys.first("students") == OLD.encode()


async def test_a_secret_never_readable_gives_no_identity_and_is_not_read_by_every_request(
    secrets_client: Any,
) -> None:
    clock = FakeClock()
    cache = SecretCache(ttl_seconds=60, client=secrets_client, clock=clock)
    keys = SubgraphSigningKeys(secret_ids={"students": "no/such/secret"}, secrets=cache)
    sent: list[str] = []
    secrets_client.meta.events.register(
        "before-send.secrets-manager.*", lambda **_: sent.append("read")
    )
    for _ in range(3):
        await keys.ready()
    assert keys.first("students") is None
    assert len(sent) == 1
    clock.now += 5  # tried again a few seconds later, not at once
    await keys.ready()
    assert len(sent) == 2
