"""SecretCache against moto's Secrets Manager (over HTTP), time on a fake clock: values held
and re-read in the background after the TTL, a forced re-read rate-limited, everything held
re-read after a SnapStart restore, and nothing read without a secret to read."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest

from bff.secret_cache import SecretCache, SecretUnreadable
from tests.support.fake_clock import FakeClock

TTL = 60


@pytest.fixture
def secret(secrets_manager: Any) -> str:
    name = f"bff/test/cache/{uuid.uuid4().hex}"
    return str(secrets_manager.create_secret(Name=name, SecretString="v1")["ARN"])


def reads(secrets_manager: Any) -> list[str]:
    """Every GetSecretValue the client sends from now on."""
    sent: list[str] = []
    secrets_manager.meta.events.register(
        "before-send.secrets-manager.GetSecretValue", lambda **_: sent.append("read")
    )
    return sent


def test_a_value_is_held_until_the_ttl_then_re_read_in_the_background(
    secrets_manager: Any, secret: str
) -> None:
    clock = FakeClock()
    cache = SecretCache(ttl_seconds=TTL, client=secrets_manager, clock=clock)
    assert cache.read_now(secret) == "v1"
    generation = cache.generation
    sent = reads(secrets_manager)
    secrets_manager.put_secret_value(SecretId=secret, SecretString="v2")
    clock.now += TTL - 1
    cache.poll()
    assert cache.get(secret) == "v1" and sent == []
    clock.now += 1
    cache.poll()
    cache.wait_for_refresh(30)
    assert cache.get(secret) == "v2" and len(sent) == 1
    assert cache.generation == generation + 1


def test_an_unchanged_value_keeps_the_generation(secrets_manager: Any, secret: str) -> None:
    clock = FakeClock()
    cache = SecretCache(ttl_seconds=TTL, client=secrets_manager, clock=clock)
    cache.read_now(secret)
    generation = cache.generation
    clock.now += TTL
    cache.poll()
    cache.wait_for_refresh(30)
    assert cache.generation == generation  # nothing derived from it needs rebuilding


def test_a_forced_re_read_happens_at_once_but_at_most_once_per_interval(
    secrets_manager: Any, secret: str
) -> None:
    clock = FakeClock()
    cache = SecretCache(ttl_seconds=TTL, client=secrets_manager, clock=clock, min_forced_seconds=5)
    cache.read_now(secret)
    sent = reads(secrets_manager)
    secrets_manager.put_secret_value(SecretId=secret, SecretString="v2")
    cache.refresh_soon(secret)
    cache.wait_for_refresh(30)
    assert cache.get(secret) == "v2"
    for _ in range(3):
        cache.refresh_soon(secret)
        cache.wait_for_refresh(30)
    assert len(sent) == 1
    clock.now += 5
    cache.refresh_soon(secret)
    cache.wait_for_refresh(30)
    assert len(sent) == 2


def test_after_a_snapstart_restore_every_secret_held_is_re_read(
    secrets_manager: Any, secret: str
) -> None:
    clock = FakeClock()
    cache = SecretCache(ttl_seconds=TTL, client=secrets_manager, clock=clock)
    cache.read_now(secret)
    secrets_manager.put_secret_value(SecretId=secret, SecretString="v2")
    cache.expire()  # the restore hook (bff/handler.py)
    cache.poll()
    cache.wait_for_refresh(30)
    assert cache.get(secret) == "v2"


def test_a_secret_that_cannot_be_read_names_the_reason_not_a_value(secrets_manager: Any) -> None:
    cache = SecretCache(client=secrets_manager)
    with pytest.raises(SecretUnreadable, match=r"^ResourceNotFoundException$"):
        cache.read_now("no/such/secret")
    asyncio.run(cache.load(["no/such/secret"]))  # logged, not raised
    assert cache.get("no/such/secret") is None


def test_nothing_is_read_when_nothing_is_asked() -> None:
    cache = SecretCache(client=object())  # any call on it would fail
    asyncio.run(cache.load([]))
    cache.poll()
    cache.expire()
    assert cache.generation == 0
