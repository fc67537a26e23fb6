"""The local stack's token issuer: an RSA key pair kept in `.dev/`, its JWKS and RS256 tokens."""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

# What the local stack's authorizer expects; the SAM BFF stack takes the real values as parameters.
DEV_ISSUER = "https://bff.local.dev/"
DEV_AUDIENCE = "bff-local"
DEFAULT_TTL_SECONDS = 3600
KEY_FILE_NAME = "jwt-signing-key.pem"


@dataclass(frozen=True)
class SigningKey:
    """The private key tokens are signed with, and the `kid` clients find it under in the JWKS."""

    private_key: rsa.RSAPrivateKey
    kid: str

    def jwks(self) -> dict[str, Any]:
        """The public half as a JSON Web Key Set (what `/.well-known/jwks.json` serves)."""
        public_jwk = json.loads(RSAAlgorithm.to_jwk(self.private_key.public_key()))
        public_jwk.update({"kid": self.kid, "use": "sig", "alg": "RS256"})
        return {"keys": [public_jwk]}

    def mint(
        self,
        subject: str,
        *,
        ttl_seconds: int = DEFAULT_TTL_SECONDS,
        issuer: str = DEV_ISSUER,
        audience: str = DEV_AUDIENCE,
        extra_claims: dict[str, Any] | None = None,
        now: float | None = None,
    ) -> str:
        """An RS256 token for `subject`, valid for `ttl_seconds` from `now`."""
        issued_at = int(time.time() if now is None else now)
        claims: dict[str, Any] = {
            "iss": issuer,
            "aud": audience,
            "sub": subject,
            "iat": issued_at,
            "nbf": issued_at,
            "exp": issued_at + ttl_seconds,
            "jti": uuid.uuid4().hex,
            **(extra_claims or {}),
        }
        return jwt.encode(claims, self.private_key, algorithm="RS256", headers={"kid": self.kid})


def generate_signing_key() -> SigningKey:
    private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return SigningKey(private_key=private_key, kid=_key_id(private_key))


def load_or_create_signing_key(directory: Path) -> SigningKey:
    """The key in `directory` (normally `.dev/`), generated once on first use and then reused.

    Reusing it keeps tokens minted by `bff token` valid across `make dev` restarts.
    """
    path = directory / KEY_FILE_NAME
    if path.exists():
        private_key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        if not isinstance(private_key, rsa.RSAPrivateKey):
            raise ValueError(f"{path} does not hold an RSA private key")
        return SigningKey(private_key=private_key, kid=_key_id(private_key))
    key = generate_signing_key()
    directory.mkdir(parents=True, exist_ok=True)
    pem = key.private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    # Written owner-only: it signs tokens the local stack trusts.
    path.touch(mode=0o600)
    path.write_bytes(pem)
    return key


def _key_id(private_key: rsa.RSAPrivateKey) -> str:
    """A stable `kid` derived from the public key (RFC 7638 thumbprint), so it never drifts."""
    jwk = json.loads(RSAAlgorithm.to_jwk(private_key.public_key()))
    canonical = json.dumps(
        {"e": jwk["e"], "kty": jwk["kty"], "n": jwk["n"]}, separators=(",", ":"), sort_keys=True
    )
    digest = hashes.Hash(hashes.SHA256())
    digest.update(canonical.encode())
    return jwt.utils.base64url_encode(digest.finalize()).decode()
