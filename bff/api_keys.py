"""SubgraphApiKeys: the X-API-Key the gateway sends each subgraph, and where it comes from.

A subgraph's key is, in this order: a fixed key (`SUBGRAPH_API_KEYS`, or the keys a caller
gives the gateway), the secret `SUBGRAPH_API_KEY_SECRET_IDS` names for it, or the secret its
registry record names (`apiKeyRef`). Secrets are held by the process's `SecretCache`: read
through Powertools Parameters, re-read in the background after `SECRETS_TTL_SECONDS`, so a
rotated key is sent without a restart and no request waits for Secrets Manager (but the first
one that needs a secret never read).

Rotation keeps two keys valid: the secret holds a list (`new,old` or a JSON list), the
subgraph accepts every key in it, and the gateway sends the first. A subgraph refusing the
key we sent (401, or API Gateway's 403, without a GraphQL answer) has dropped it: that
subgraph's secret is re-read at once, in the background (`refused`).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

from aws_lambda_powertools import Logger

from bff.config import ConfigurationError, GatewaySettings, api_key_from_secret
from bff.secret_cache import SecretCache, SecretUnreadable

logger = Logger(service="bff", child=True)


class SubgraphApiKeys:
    """The keys by subgraph; see the module docstring."""

    def __init__(
        self,
        config: GatewaySettings,
        secrets: SecretCache,
        fixed: Mapping[str, str] | None = None,
    ) -> None:
        # Keys given by the caller replace the configured ones (inline and secret ids alike).
        self._fixed = dict(config.subgraph_api_keys if fixed is None else fixed)
        self._configured = dict(config.subgraph_api_key_secret_ids if fixed is None else {})
        self._secrets = secrets
        self._refs: Mapping[str, str | None] = {}

    def read_configured(self) -> None:
        """Read the configured secrets now (at init: a misconfigured secret stops the process
        instead of failing requests); raises `ConfigurationError` naming the secret."""
        for name, secret_id in self._configured.items():
            try:
                api_key_from_secret(self._secrets.read_now(secret_id))
            except SecretUnreadable as error:
                raise ConfigurationError(
                    f"cannot read the API key of subgraph {name!r} from secret {secret_id!r}: "
                    f"{error}"
                ) from None
            except ConfigurationError as error:
                raise ConfigurationError(
                    f"secret {secret_id!r} of subgraph {name!r}: {error}"
                ) from None

    async def load(self, subgraphs: Collection[str], refs: Mapping[str, str | None]) -> None:
        """Have the secrets these subgraphs need read once (waits only for unread ones)."""
        self._refs = refs
        await self._secrets.load(self._secret_ids(subgraphs).values())

    def keys(self, subgraphs: Collection[str]) -> dict[str, str]:
        """The key to send each of these subgraphs, from what is held now (no I/O)."""
        keys = {name: key for name, key in self._fixed.items() if name in subgraphs}
        for name, secret_id in self._secret_ids(subgraphs).items():
            secret = self._secrets.get(secret_id)
            if secret is None:
                continue  # unreadable, logged: the subgraph refuses us, clients see it down
            try:
                keys[name] = api_key_from_secret(secret)
            except ConfigurationError as error:
                logger.error("no API key for subgraph", subgraph=name, error=str(error))
        return keys

    def refused(self, subgraph: str) -> None:
        """The subgraph refused the key we sent: re-read its secret now, in the background."""
        secret_id = self._secret_ids((subgraph,)).get(subgraph)
        if secret_id is not None:
            self._secrets.refresh_soon(secret_id)

    def _secret_ids(self, subgraphs: Collection[str]) -> dict[str, str]:
        found = {}
        for name in subgraphs:
            if name in self._fixed:
                continue
            secret_id = self._configured.get(name) or self._refs.get(name)
            if secret_id:
                found[name] = secret_id
        return found
