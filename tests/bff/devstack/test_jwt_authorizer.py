"""The local JWT authorizer accepts exactly what API Gateway's JWT authorizer would."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from pathlib import Path

import jwt
import pytest
from cryptography.hazmat.primitives import serialization

from bff.devstack.jwt_authorizer import AuthorizedRequest, JwtAuthorizer, JwtRejected
from bff.devstack.jwt_keys import (
    DEV_AUDIENCE,
    DEV_ISSUER,
    SigningKey,
    generate_signing_key,
    load_or_create_signing_key,
)


@pytest.fixture(scope="module")
def signing_key() -> SigningKey:
    return generate_signing_key()


@pytest.fixture(scope="module")
def authorizer(signing_key: SigningKey) -> JwtAuthorizer:
    return JwtAuthorizer(issuer=DEV_ISSUER, audience=DEV_AUDIENCE, jwks=signing_key.jwks())


def unsigned_token(header: dict, claims: dict, secret: bytes = b"") -> str:
    def segment(part: dict) -> str:
        return jwt.utils.base64url_encode(json.dumps(part).encode()).decode()

    signing_input = f"{segment(header)}.{segment(claims)}"
    signature = b""
    if secret:
        signature = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{jwt.utils.base64url_encode(signature).decode()}"


def test_a_minted_token_is_accepted_with_its_claims(signing_key, authorizer) -> None:
    token = signing_key.mint("student-1", extra_claims={"scope": "read write", "admin": False})
    result = authorizer.authorize(f"Bearer {token}")
    assert result.claims["sub"] == "student-1"
    assert result.scopes == ["read", "write"]
    # API Gateway hands claims to the Lambda as strings.
    event_claims = result.event_claims()
    assert event_claims["admin"] == "false"
    assert event_claims["exp"] == str(result.claims["exp"])


def test_the_raw_token_without_bearer_is_accepted_like_api_gateway_does(
    signing_key, authorizer
) -> None:
    assert authorizer.authorize(signing_key.mint("s")).claims["sub"] == "s"


def test_a_token_expired_within_the_clock_skew_is_still_accepted(signing_key, authorizer) -> None:
    token = signing_key.mint("s", ttl_seconds=60, now=time.time() - 70)
    assert authorizer.authorize(token).claims["sub"] == "s"


def rejection(authorizer: JwtAuthorizer, header: str | None) -> str:
    with pytest.raises(JwtRejected) as raised:
        authorizer.authorize(header)
    return raised.value.reason


@pytest.mark.parametrize("header", [None, "", "Bearer ", "   "])
def test_a_missing_token_is_rejected(authorizer, header) -> None:
    assert "missing" in rejection(authorizer, header)


def test_an_expired_token_is_rejected(signing_key, authorizer) -> None:
    token = signing_key.mint("s", ttl_seconds=60, now=time.time() - 3600)
    assert rejection(authorizer, f"Bearer {token}") == "the token has expired"


def test_a_token_signed_by_another_key_with_the_same_kid_is_rejected(
    signing_key, authorizer
) -> None:
    impostor = SigningKey(private_key=generate_signing_key().private_key, kid=signing_key.kid)
    assert "signature" in rejection(authorizer, impostor.mint("s"))


def test_a_token_from_an_unknown_key_is_rejected(authorizer) -> None:
    assert "unknown key" in rejection(authorizer, generate_signing_key().mint("s"))


def test_a_token_for_another_audience_is_rejected(signing_key, authorizer) -> None:
    assert "audience" in rejection(authorizer, signing_key.mint("s", audience="someone-else"))


def test_a_token_from_another_issuer_is_rejected(signing_key, authorizer) -> None:
    assert "issuer" in rejection(authorizer, signing_key.mint("s", issuer="https://evil.example/"))


def test_an_alg_none_token_is_rejected(signing_key, authorizer) -> None:
    claims = {"sub": "s", "iss": DEV_ISSUER, "aud": DEV_AUDIENCE, "exp": time.time() + 60}
    token = unsigned_token({"alg": "none", "typ": "JWT", "kid": signing_key.kid}, claims)
    assert "RS256" in rejection(authorizer, token)


def test_an_hs256_token_keyed_with_the_public_key_is_rejected(signing_key, authorizer) -> None:
    # The classic confusion attack: HMAC "signed" with the published RSA public key.
    public_pem = signing_key.private_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    claims = {"sub": "s", "iss": DEV_ISSUER, "aud": DEV_AUDIENCE, "exp": time.time() + 60}
    token = unsigned_token({"alg": "HS256", "kid": signing_key.kid}, claims, secret=public_pem)
    assert "RS256" in rejection(authorizer, token)


def test_a_token_without_expiry_is_rejected(signing_key, authorizer) -> None:
    claims = {"sub": "s", "iss": DEV_ISSUER, "aud": DEV_AUDIENCE}
    token = jwt.encode(
        claims, signing_key.private_key, algorithm="RS256", headers={"kid": signing_key.kid}
    )
    assert "'exp'" in rejection(authorizer, token)


def test_garbage_is_rejected(authorizer) -> None:
    assert "well-formed" in rejection(authorizer, "Bearer not.a.jwt")


def test_the_key_is_generated_once_and_reused(tmp_path: Path) -> None:
    first = load_or_create_signing_key(tmp_path)
    second = load_or_create_signing_key(tmp_path)
    assert first.kid == second.kid
    verifier = JwtAuthorizer(issuer=DEV_ISSUER, audience=DEV_AUDIENCE, jwks=second.jwks())
    assert isinstance(verifier.authorize(first.mint("s")), AuthorizedRequest)
    assert (tmp_path / "jwt-signing-key.pem").stat().st_mode & 0o077 == 0


def test_the_jwks_publishes_only_the_public_key(signing_key) -> None:
    (key,) = signing_key.jwks()["keys"]
    assert {"kty", "n", "e", "kid", "alg", "use"} <= set(key)
    assert not {"d", "p", "q", "dp", "dq", "qi"} & set(key)
