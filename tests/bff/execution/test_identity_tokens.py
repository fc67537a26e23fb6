"""The BFF's side of the identity token: one token per subgraph, addressed to it, short-lived,
signed with the first key of that subgraph's list; keys from Secrets Manager (moto server) are
re-read after the TTL, so a rotated key is used without a restart."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import boto3
import jwt
import pytest

from bff.execution.identity_tokens import (
    ForwardedIdentity,
    IdentitySigner,
    SubgraphSigningKeys,
    key_id,
)
from services.toolkit.identity import IdentityVerifier
from services.toolkit.secrets import RotatingKeys

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
def secrets_client(moto_server: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("AWS_ENDPOINT_URL_SECRETS_MANAGER", moto_server.endpoint)
    return boto3.client("secretsmanager")


async def test_signing_keys_from_secrets_manager_are_rotated_after_the_ttl(
    secrets_client: Any,
) -> None:
    arn = secrets_client.create_secret(Name=f"bff/claims/{uuid.uuid4().hex}", SecretString=OLD)[
        "ARN"
    ]
    keys = SubgraphSigningKeys(
        secret_ids={"students": arn}, ttl_seconds=1, secrets_client=secrets_client
    )
    signer = IdentitySigner(keys)
    # What the subgraph accepts during the rotation: both keys.
    subgraph = IdentityVerifier(RotatingKeys.of(NEW, OLD), "students")

    await keys.refresh()
    assert keys.first("students") == OLD.encode()
    secrets_client.put_secret_value(SecretId=arn, SecretString=f"{NEW},{OLD}")
    await asyncio.sleep(1.2)  # past the TTL (asserted: which key signs, not how long it took)
    await keys.refresh()

    token = signer.token(CLAIMS, "students")
    assert token is not None
    assert jwt.get_unverified_header(token)["kid"] == key_id(NEW.encode())
    assert subgraph.verify(token).subject == "u1"
