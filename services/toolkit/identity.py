"""Who is calling: the user the BFF verified, from the token it signed for this subgraph.

The BFF sends `X-BFF-Identity: <JWT>` (HS256, `iss` "bff", `aud` the subgraph's name, expiry
seconds ahead; see bff/execution/identity_tokens.py), signed with one of this subgraph's claims
keys. A token that is missing, unsigned, signed with another key, expired, for another audience
or otherwise malformed gives no identity: the request runs as anonymous and every
authorization check refuses it. Keys: `CLAIMS_KEYS` (comma-separated) locally, or
`CLAIMS_KEY_SECRET_ID` in AWS (several at once for rotation, re-read after
`SECRETS_TTL_SECONDS`).
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from bff.identity_token import InvalidToken, decode, key_id
from services.toolkit.observability import service_logger
from services.toolkit.secrets import RotatingKeys

IDENTITY_HEADER = b"x-bff-identity"
IDENTITY_STATE_KEY = "bff_identity"
ISSUER = "bff"
ADMIN_SCOPE = "admin"
# Clock skew tolerated between the BFF and the subgraph, in seconds.
LEEWAY_SECONDS = 5


@dataclass(frozen=True)
class Identity:
    """A verified caller: its `sub`, its scopes (the JWT `scope` claim, space-separated)."""

    subject: str
    scopes: frozenset[str] = frozenset()
    claims: Mapping[str, Any] = field(default_factory=dict)

    @property
    def is_admin(self) -> bool:
        return ADMIN_SCOPE in self.scopes

    @classmethod
    def from_claims(cls, claims: Mapping[str, Any]) -> Identity:
        scope = claims.get("scope")
        scopes = frozenset(scope.split()) if isinstance(scope, str) else frozenset()
        return cls(subject=str(claims["sub"]), scopes=scopes, claims=dict(claims))


InvalidIdentityToken = InvalidToken


class IdentityVerifier:
    """Verifies identity tokens addressed to `audience` against the current keys."""

    def __init__(self, keys: RotatingKeys, audience: str) -> None:
        self.keys = keys
        self.audience = audience

    def verify(self, token: bytes | str) -> Identity:
        """The identity in `token`; raises `InvalidIdentityToken` when it does not verify."""
        keys = {key_id(key): key for key in self.keys.current()}
        claims = decode(
            token,
            keys.get,
            audience=self.audience,
            issuer=ISSUER,
            now=time.time(),
            leeway=LEEWAY_SECONDS,
        )
        return Identity.from_claims(claims)


def verifier_from_environment(
    audience: str, environ: Mapping[str, str] | None = None
) -> IdentityVerifier | None:
    """The verifier for `CLAIMS_KEYS` / `CLAIMS_KEY_SECRET_ID`, or None when neither is set."""
    env = os.environ if environ is None else environ
    inline, secret_id = env.get("CLAIMS_KEYS"), env.get("CLAIMS_KEY_SECRET_ID")
    if not inline and not secret_id:
        return None
    keys = RotatingKeys.from_settings(
        ("CLAIMS_KEYS", inline), ("CLAIMS_KEY_SECRET_ID", secret_id), env
    )
    return IdentityVerifier(keys, audience)


class IdentityMiddleware:
    """Verify `X-BFF-Identity` once per request into `scope["state"]` for the GraphQL context.

    Without a verifier (no keys configured) every request is anonymous.
    """

    def __init__(
        self, app: ASGIApp, *, verifier: IdentityVerifier | None, service_name: str
    ) -> None:
        self.app = app
        self.verifier = verifier
        self.logger = service_logger(service_name)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        token = next((v for name, v in scope["headers"] if name == IDENTITY_HEADER), None)
        identity = None
        if token is not None and self.verifier is not None:
            try:
                await self.verifier.keys.load()
                identity = self.verifier.verify(token)
            except InvalidIdentityToken as error:
                # Refused quietly: the request goes on without identity, so without powers.
                self.logger.warning("identity token refused", extra={"reason": str(error)})
            except Exception:
                self.logger.exception("could not load the claims keys")
        scope.setdefault("state", {})[IDENTITY_STATE_KEY] = identity
        await self.app(scope, receive, send)
