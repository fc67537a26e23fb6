"""The verified user, forwarded to each subgraph as a short-lived JWT the BFF signs for it.

Each subgraph has its own signing keys (HS256): the BFF signs with the first key of the
subgraph's list, names it by `kid` (a hash of the key, never the key), and sets `aud` to the
subgraph's name, `iss` to `bff` and `exp` a few seconds ahead (`CLAIMS_TOKEN_TTL_SECONDS`).
The subgraph verifies signature, audience, issuer and expiry (`services.toolkit.identity`); the
format is `bff/identity_token.py`, shared by both sides.

Why per-subgraph symmetric keys rather than one KMS or RSA key: signing is an HMAC in process
(no KMS call per request, ~20 µs), and a subgraph holds only its own key, so whoever steals it can
mint tokens addressed to that subgraph alone. Rotation keeps two keys valid at once: the key
list is `new,old`-style (first signs, all verify), read from Secrets Manager through Powertools
Parameters (`bff.secret_cache`) and re-read in the background after `SECRETS_TTL_SECONDS`.

Keys come from `SUBGRAPH_CLAIMS_KEYS` (JSON map: subgraph -> comma-separated keys, local) or
`SUBGRAPH_CLAIMS_KEY_SECRET_IDS` (JSON map: subgraph -> secret id, AWS). A subgraph without keys
gets no identity (it treats the request as anonymous).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

import orjson
from aws_lambda_powertools import Logger

from bff.identity_token import encode, key_id
from bff.secret_cache import SecretCache

__all__ = ["IDENTITY_HEADER", "ISSUER", "ForwardedIdentity", "IdentitySigner", "key_id"]

logger = Logger(service="bff", child=True)

IDENTITY_HEADER = "X-BFF-Identity"
ISSUER = "bff"
# Claims the BFF sets itself; the user's own values for them are not forwarded.
_REGISTERED = frozenset({"iss", "aud", "exp", "nbf", "iat", "jti"})


def parse_keys(raw: str) -> tuple[bytes, ...]:
    """A JSON list or a comma-separated string of keys, first one signing."""
    text = raw.strip()
    values = orjson.loads(text) if text.startswith("[") else text.split(",")
    if not isinstance(values, list) or not all(isinstance(value, str) for value in values):
        raise ValueError("expected a JSON list of strings or comma-separated keys")
    keys = tuple(value.strip().encode() for value in values if value.strip())
    if not keys:
        raise ValueError("no keys")
    return keys


class SubgraphSigningKeys:
    """Signing keys by subgraph: fixed ones, or secrets held by a `SecretCache`.

    The secrets are read once (`ready`, the first request with a verified user waits for that)
    and then re-read in the background after their TTL while the keys held go on signing: no
    request waits for Secrets Manager again (stale-while-revalidate).
    """

    def __init__(
        self,
        inline: Mapping[str, str] | None = None,
        secret_ids: Mapping[str, str] | None = None,
        *,
        secrets: SecretCache | None = None,
        ttl_seconds: float = 300,
        secrets_client: Any | None = None,
    ) -> None:
        self._keys = {name: parse_keys(raw) for name, raw in (inline or {}).items()}
        self._secret_ids = dict(secret_ids or {})
        self.secrets = secrets or SecretCache(ttl_seconds=ttl_seconds, client=secrets_client)
        self._generation = -1

    def first(self, subgraph: str) -> bytes | None:
        keys = self._keys.get(subgraph)
        return keys[0] if keys else None

    async def ready(self) -> None:
        """Have every secret read once (waits only for one never read); after that, starts the
        re-reading of those past their TTL in the background and returns at once."""
        if not self._secret_ids:
            return
        await self.secrets.load(self._secret_ids.values())
        if self._generation != self.secrets.generation:
            self._generation = self.secrets.generation
            self._parse_secrets()

    def _parse_secrets(self) -> None:
        for name, secret_id in self._secret_ids.items():
            value = self.secrets.get(secret_id)
            if value is None:
                continue  # unreadable (logged): the keys read last time, if any, go on signing
            try:
                self._keys[name] = parse_keys(value)
            except ValueError as error:
                # The message names the secret, never its value.
                logger.error(
                    "cannot read claims signing keys",
                    service=name,
                    secret_id=secret_id,
                    error=type(error).__name__,
                )


class IdentitySigner:
    """Signs a user's claims for one subgraph at a time."""

    def __init__(
        self,
        keys: SubgraphSigningKeys,
        *,
        ttl_seconds: int = 60,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.keys = keys
        self.ttl_seconds = ttl_seconds
        self._clock = clock

    def token(self, claims: Mapping[str, Any], audience: str) -> str | None:
        """A JWT for `audience` carrying `claims` (None: no key for that subgraph)."""
        key = self.keys.first(audience)
        if key is None:
            return None
        issued_at = int(self._clock())
        payload = {name: value for name, value in claims.items() if name not in _REGISTERED}
        payload.update(
            {"iss": ISSUER, "aud": audience, "iat": issued_at, "exp": issued_at + self.ttl_seconds}
        )
        return encode(payload, key)


class ForwardedIdentity:
    """One request's forwarded headers: fixed ones plus the identity token per subgraph.

    Tokens are signed lazily, once per subgraph the request calls.
    """

    __slots__ = ("_claims", "_headers", "_signer", "_tokens")

    def __init__(
        self,
        signer: IdentitySigner,
        claims: Mapping[str, Any],
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self._signer = signer
        self._claims = claims
        self._headers = dict(headers or {})
        self._tokens: dict[str, dict[str, str]] = {}

    def for_subgraph(self, name: str) -> Mapping[str, str]:
        headers = self._tokens.get(name)
        if headers is None:
            token = self._signer.token(self._claims, name)
            headers = {**self._headers, IDENTITY_HEADER: token} if token else self._headers
            self._tokens[name] = headers
        return headers
