"""Registry API configuration from the environment, and the admin token it checks."""

from __future__ import annotations

import hmac
import os
import threading
from dataclasses import dataclass
from typing import Any

TABLE_ENV = "REGISTRY_TABLE"
TOKEN_ENV = "REGISTRY_ADMIN_TOKEN"
TOKEN_SECRET_ENV = "REGISTRY_ADMIN_TOKEN_SECRET_ID"
# The BFF's table, where it records schema usage (read for GET /usage and for checks).
USAGE_TABLE_ENV = "BFF_TABLE"


class RegistryConfigurationError(RuntimeError):
    """The registry cannot run: a required setting is missing."""


@dataclass(frozen=True)
class RegistrySettings:
    """`table_name`: the registry table; the admin token is given directly (`admin_token`,
    local stack and tests) or as a Secrets Manager secret id (`admin_token_secret_id`, AWS)."""

    table_name: str
    admin_token: str | None = None
    admin_token_secret_id: str | None = None
    usage_table: str | None = None

    def __post_init__(self) -> None:
        if not self.table_name:
            raise RegistryConfigurationError(f"set {TABLE_ENV} to the registry table's name")
        if not self.admin_token and not self.admin_token_secret_id:
            raise RegistryConfigurationError(f"set {TOKEN_ENV} or {TOKEN_SECRET_ENV}")

    @classmethod
    def from_env(cls) -> RegistrySettings:
        return cls(
            table_name=os.environ.get(TABLE_ENV, ""),
            admin_token=os.environ.get(TOKEN_ENV) or None,
            admin_token_secret_id=os.environ.get(TOKEN_SECRET_ENV) or None,
            usage_table=os.environ.get(USAGE_TABLE_ENV) or None,
        )


class AdminToken:
    """Checks presented bearer tokens in constant time. A token kept in Secrets Manager is
    fetched once per process, on first use (not at import, to keep cold starts lean)."""

    def __init__(self, settings: RegistrySettings, *, secrets_client: Any | None = None) -> None:
        self._settings = settings
        self._secrets_client = secrets_client
        self._token: bytes | None = settings.admin_token.encode() if settings.admin_token else None
        self._lock = threading.Lock()

    def matches(self, presented: str) -> bool:
        return hmac.compare_digest(presented.encode(), self._expected())

    def _expected(self) -> bytes:
        if self._token is None:
            with self._lock:
                if self._token is None:
                    client = self._secrets_client
                    if client is None:
                        import boto3

                        client = boto3.client("secretsmanager")
                    secret = client.get_secret_value(SecretId=self._settings.admin_token_secret_id)
                    self._token = secret["SecretString"].encode()
        return self._token
