"""A local twin of API Gateway's HTTP API JWT authorizer: RS256 from a JWKS, issuer and audience.

It accepts what the AWS authorizer accepts and rejects what it rejects, so a client that works
against `make dev` works against the deployed stack: the token comes from the `Authorization`
header (with or without `Bearer `), its `kid` selects a key from the JWKS, only RS256 is allowed
(`alg: none` and HS256 tokens are refused before any key is used), and `exp`, `nbf`, `iss`
and `aud` are checked with a small clock skew.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import jwt

from bff.devstack.refreshing_jwks import RefreshingJwks

ALLOWED_ALGORITHMS = ("RS256",)
DEFAULT_LEEWAY_SECONDS = 30


class JwtRejected(Exception):
    """The request carries no acceptable token; `reason` is safe to show the client."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class AuthorizedRequest:
    """What API Gateway puts in `requestContext.authorizer.jwt` for an accepted token."""

    claims: dict[str, Any]
    scopes: list[str] | None

    def event_claims(self) -> dict[str, str]:
        """Claims as API Gateway presents them in payload 2.0: every value a string."""
        return {name: _claim_as_string(value) for name, value in self.claims.items()}


class JwtAuthorizer:
    """Verifies bearer tokens against a fixed key set (local) or a JWKS URL (any issuer)."""

    def __init__(
        self,
        *,
        issuer: str,
        audience: str,
        jwks: Mapping[str, Any] | None = None,
        jwks_url: str | None = None,
        leeway_seconds: int = DEFAULT_LEEWAY_SECONDS,
    ) -> None:
        if (jwks is None) == (jwks_url is None):
            raise ValueError("give exactly one of jwks or jwks_url")
        self.issuer = issuer
        self.audience = audience
        self.leeway_seconds = leeway_seconds
        self._key_set = jwt.PyJWKSet.from_dict(dict(jwks)) if jwks is not None else None
        self._jwks = RefreshingJwks(jwks_url) if jwks_url is not None else None

    def authorize(self, authorization: str | None) -> AuthorizedRequest:
        """The verified claims of the token in an `Authorization` header, or `JwtRejected`."""
        token = _bearer_token(authorization)
        try:
            header = jwt.get_unverified_header(token)
        except jwt.DecodeError as error:
            raise JwtRejected("the token is not a well-formed JWT") from error
        # Checked before any key lookup: the algorithm a token names must never pick how
        # it is verified (the `alg: none` and HS256-with-the-public-key attacks).
        if header.get("alg") not in ALLOWED_ALGORITHMS:
            raise JwtRejected(f"tokens must be signed with {', '.join(ALLOWED_ALGORITHMS)}")
        key = self._signing_key(token, header)
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=list(ALLOWED_ALGORITHMS),
                audience=self.audience,
                issuer=self.issuer,
                leeway=self.leeway_seconds,
                options={"require": ["exp", "iss", "aud"]},
            )
        except jwt.ExpiredSignatureError as error:
            raise JwtRejected("the token has expired") from error
        except jwt.ImmatureSignatureError as error:
            raise JwtRejected("the token is not valid yet") from error
        except jwt.InvalidAudienceError as error:
            raise JwtRejected("the token is not meant for this API (audience)") from error
        except jwt.InvalidIssuerError as error:
            raise JwtRejected("the token comes from an untrusted issuer") from error
        except jwt.InvalidSignatureError as error:
            raise JwtRejected("the token's signature does not verify") from error
        except jwt.MissingRequiredClaimError as error:
            raise JwtRejected(f"the token lacks the {error.claim!r} claim") from error
        except jwt.InvalidTokenError as error:
            raise JwtRejected("the token is invalid") from error
        return AuthorizedRequest(claims=claims, scopes=_scopes(claims))

    def _signing_key(self, token: str, header: Mapping[str, Any]) -> Any:
        kid = header.get("kid")
        if not isinstance(kid, str):
            raise JwtRejected("the token names no signing key (kid)")
        if self._key_set is not None:
            try:
                return self._key_set[kid].key
            except KeyError as error:
                raise JwtRejected("the token is signed with an unknown key") from error
        assert self._jwks is not None
        found = self._jwks.key(kid)
        if found is None:
            raise JwtRejected("the token is signed with an unknown key")
        return found.key


def _bearer_token(authorization: str | None) -> str:
    if not authorization or not authorization.strip():
        raise JwtRejected("missing bearer token in the Authorization header")
    value = authorization.strip()
    # API Gateway accepts the raw token as well as the `Bearer ` form.
    scheme, _, rest = value.partition(" ")
    if rest and scheme.lower() == "bearer":
        value = rest.strip()
    if not value or value.lower() == "bearer":
        raise JwtRejected("missing bearer token in the Authorization header")
    return value


def _scopes(claims: Mapping[str, Any]) -> list[str] | None:
    for name in ("scope", "scp"):
        value = claims.get(name)
        if isinstance(value, str):
            return value.split()
        if isinstance(value, list):
            return [str(item) for item in value]
    return None


def _claim_as_string(value: Any) -> str:
    # Mirrors API Gateway: numbers and booleans as text, arrays as "[a b]", objects as JSON.
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + " ".join(_claim_as_string(item) for item in value) + "]"
    if isinstance(value, dict):
        return json.dumps(value, separators=(",", ":"))
    return str(value)
