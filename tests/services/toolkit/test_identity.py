"""`X-BFF-Identity`: only a token the BFF signed for this subgraph, unexpired, gives an identity.

Every way a caller holding the API key could try to claim to be someone (no signature, another
key, another audience, expired, another issuer, the old unsigned header) leaves the request
anonymous: `identity` resolves to null, so every authorization check refuses it.
"""

from __future__ import annotations

import base64
import json
import time

import jwt
import pytest

from bff.execution.identity_tokens import IDENTITY_HEADER
from tests.services.toolkit.conftest import CURRENT_KEY
from tests.services.toolkit.transports import Transport, graphql
from tests.support.identity import CLAIMS_KEY, NEXT_CLAIMS_KEY, identity_token

AUDIENCE = "sample"
FORGED_KEY = "not-our-key-0123456789abcdef0123456789"


def identity_of(sample: Transport, headers: dict[str, str]) -> object:
    reply = graphql(sample, "{ identity }", api_key=CURRENT_KEY, headers=headers)
    assert reply.status == 200, reply.body
    assert "errors" not in reply.json(), reply.json()
    value = reply.json()["data"]["identity"]
    return None if value is None else json.loads(value)


@pytest.mark.parametrize("key", [CLAIMS_KEY, NEXT_CLAIMS_KEY], ids=["current", "next"])
def test_a_token_signed_with_any_valid_key_names_the_user_and_scopes(
    sample: Transport, key: str
) -> None:
    token = identity_token(AUDIENCE, "user-7", scope="openid admin", key=key)
    assert identity_of(sample, {IDENTITY_HEADER: token}) == {
        "sub": "user-7",
        "scopes": ["admin", "openid"],
    }


def _unsigned(claims: dict[str, object]) -> str:
    def part(value: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}."


def _claims(**overrides: object) -> dict[str, object]:
    now = int(time.time())
    return {"iss": "bff", "aud": AUDIENCE, "sub": "intruder", "scope": "admin",
            "iat": now, "exp": now + 60, **overrides}  # fmt: skip


REFUSED = {
    "unsigned": _unsigned(_claims()),
    "forged-key": identity_token(
        AUDIENCE, "intruder", scope="admin", key="not-our-key-0123456789abcdef0123456789"
    ),
    "expired": identity_token(
        AUDIENCE, "intruder", scope="admin", ttl_seconds=30, issued_at=time.time() - 3600
    ),
    "wrong-audience": identity_token("lessons", "intruder", scope="admin"),
    "wrong-issuer": jwt.encode(
        _claims(iss="someone"),
        CLAIMS_KEY,
        algorithm="HS256",
        headers={"kid": jwt.get_unverified_header(identity_token(AUDIENCE, "x"))["kid"]},
    ),
    "garbage": "not-a-jwt",
}


@pytest.mark.parametrize("token", REFUSED.values(), ids=REFUSED.keys())
def test_a_token_that_does_not_verify_gives_no_identity(sample: Transport, token: str) -> None:
    assert identity_of(sample, {IDENTITY_HEADER: token}) is None


def test_the_old_unsigned_claims_header_gives_no_identity(sample: Transport) -> None:
    forged = base64.urlsafe_b64encode(b'{"sub":"intruder","scope":"admin"}').decode()
    assert identity_of(sample, {"X-BFF-Claims": forged}) is None


def test_without_a_token_the_request_is_anonymous(sample: Transport) -> None:
    assert identity_of(sample, {}) is None
