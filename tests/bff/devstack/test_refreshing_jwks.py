"""The issuer's JWKS for `bff serve`, over loopback HTTP: fetched once, re-fetched in the
background after its TTL while the keys held keep verifying (a slow issuer never holds up a
token check), fetched at once for a key rotated in (at most once per interval), and kept when
the issuer cannot be reached."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bff.devstack.jwt_keys import SigningKey, generate_signing_key
from bff.devstack.refreshing_jwks import RefreshingJwks
from services.toolkit.serving import BackgroundServer
from tests.support.fake_clock import FakeClock

TTL = 300


@dataclass
class Issuer:
    """A JWKS endpoint whose keys, availability and speed the test changes."""

    keys: list[SigningKey]
    url: str = ""
    down: bool = False
    gate: threading.Event = field(default_factory=threading.Event)
    entered: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        self.gate.set()

    def jwks(self, _: Request) -> Response:
        self.entered.set()
        self.gate.wait(30)
        if self.down:
            return Response("unavailable", status_code=503)
        return JSONResponse({"keys": [k for key in self.keys for k in key.jwks()["keys"]]})


@pytest.fixture(scope="module")
def first_key() -> SigningKey:
    return generate_signing_key()


@pytest.fixture
def issuer(first_key: SigningKey) -> Iterator[Issuer]:
    issuer = Issuer([first_key])
    # A sync endpoint: Starlette runs it in a thread, so a held request blocks no other.
    app = Starlette(routes=[Route("/jwks.json", issuer.jwks)])
    with BackgroundServer(app) as server:
        issuer.url = f"{server.url}/jwks.json"
        yield issuer
        issuer.gate.set()


def kid(key: SigningKey) -> str:
    return str(key.jwks()["keys"][0]["kid"])


def jwks_for(issuer: Issuer, clock: FakeClock) -> RefreshingJwks:
    return RefreshingJwks(issuer.url, ttl_seconds=TTL, min_refetch_seconds=10, clock=clock)


def test_the_keys_are_fetched_once_and_used_until_the_ttl(
    issuer: Issuer, first_key: SigningKey
) -> None:
    clock = FakeClock()
    jwks = jwks_for(issuer, clock)
    assert jwks.key(kid(first_key)) is not None
    clock.now += TTL - 1
    assert jwks.key(kid(first_key)) is not None
    assert jwks.fetches == 1


def test_after_the_ttl_a_slow_issuer_never_holds_up_a_token_check(
    issuer: Issuer, first_key: SigningKey
) -> None:
    clock = FakeClock()
    jwks = jwks_for(issuer, clock)
    held: Any = jwks.key(kid(first_key))
    second = generate_signing_key()
    issuer.keys.append(second)
    issuer.entered.clear()
    issuer.gate.clear()  # the issuer now answers only when released
    clock.now += TTL
    try:
        assert jwks.key(kid(first_key)) is held  # answered from the keys held
        assert issuer.entered.wait(30)  # while the refresh waits on the issuer
        assert jwks.key(kid(first_key)) is held
    finally:
        issuer.gate.set()
    jwks.wait_for_refresh(30)
    assert jwks.key(kid(second)) is not None
    assert jwks.fetches == 2


def test_a_key_rotated_in_is_fetched_at_once_but_not_for_every_unknown_kid(
    issuer: Issuer, first_key: SigningKey
) -> None:
    clock = FakeClock()
    jwks = jwks_for(issuer, clock)
    jwks.key(kid(first_key))
    rotated = generate_signing_key()
    issuer.keys.append(rotated)
    clock.now += 10
    assert jwks.key(kid(rotated)) is not None  # within the TTL: fetched for this token
    assert jwks.fetches == 2
    for _ in range(3):
        assert jwks.key("made-up") is None
    assert jwks.fetches == 2  # no fetch per unknown kid: at most one per interval
    clock.now += 10
    assert jwks.key("made-up") is None
    assert jwks.fetches == 3


def test_an_unreachable_issuer_keeps_the_keys_held(issuer: Issuer, first_key: SigningKey) -> None:
    clock = FakeClock()
    jwks = jwks_for(issuer, clock)
    jwks.key(kid(first_key))
    issuer.down = True
    clock.now += TTL
    jwks.key(kid(first_key))
    jwks.wait_for_refresh(30)
    assert jwks.fetches == 2
    assert jwks.key(kid(first_key)) is not None
